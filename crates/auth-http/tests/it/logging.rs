//! Nothing secret reaches the logs: every flow run with tracing at its most verbose, the
//! output searched for the secrets used.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tk_auth_http::{ApprovalOptions, Auth, CancelHandle, Secret, SiteClient};
use tk_auth_site_emulator::{Fault, HumanAccount};

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

/// Everything logged, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_flow_logs_a_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    // The runtime has one thread: everything the client does is logged here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let site = Arc::new(
        support::builder()
            .human_user(
                HumanAccount::new("bob", "pw-Bob-canary").with_backup_codes(["code-canary"]),
            )
            .start()
            .unwrap(),
    );
    let client = SiteClient::new(
        site.url(),
        support::options().http_proxy("").unwrap().product("rv"),
    )
    .unwrap();
    let _ = client
        .generate_session_token("alice", &Secret::new("wrong-canary"), None)
        .await;
    site.queue_fault(Fault::DropConnection, 1);
    let token = client
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap();
    support::find_anyone(&client, &Auth::SessionToken(token.clone()))
        .await
        .unwrap();
    client
        .find_one(
            &Auth::script("farm_script", SCRIPT_KEY),
            "ApiUser",
            &json!([]),
            &[],
        )
        .await
        .unwrap();
    let approved = client
        .request_browser_approval(
            &ApprovalOptions::default().with_poll_interval(std::time::Duration::from_millis(10)),
            &CancelHandle::new(),
            {
                let site = Arc::clone(&site);
                move |url| {
                    let id = url.rsplit('/').next().unwrap_or_default();
                    site.approve_request(id, "alice").is_ok()
                }
            },
        )
        .await
        .unwrap();
    let proxied = SiteClient::new(
        site.url(),
        support::options()
            .http_proxy("bob:proxy-pw-canary@127.0.0.1:9")
            .unwrap(),
    )
    .unwrap();
    let _ = proxied.info().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("starting rpc call"),
        "tracing captured nothing: {logs}"
    );
    support::assert_no_secret(&logs);
    assert!(!logs.contains(token.expose()), "a session token leaked");
    assert!(
        !logs.contains(approved.session_token.expose()),
        "a session token leaked"
    );
}
