//! Nothing secret reaches the logs: every flow run with tracing at its most verbose, the
//! output searched for the secrets used.

use std::sync::Arc;

use serde_json::json;
use tk_auth_http::{ApprovalOptions, Auth, CancelHandle, Secret, SiteClient};
use tk_auth_site_emulator::{Fault, HumanAccount};
use tk_auth_test_support::LogCapture;

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

#[tokio::test(flavor = "current_thread")]
async fn no_flow_logs_a_secret() {
    let captured = LogCapture::new();
    // The runtime has one thread: everything the client does is logged here.
    let _guard = tracing::subscriber::set_default(captured.subscriber());

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
                    let id = url.as_str().rsplit('/').next().unwrap_or_default();
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

    let logs = captured.text();
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
