//! The judge of the Flow authorization server: authlib's OAuth 2 client, written by others,
//! logs in with PKCE S256, refreshes, and meets refusals, against emulated sites.

use std::time::Duration;

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

/// Checks in `flow_authlib.py`; a check silently lost would lower the count.
const EXPECTED_CHECKS: usize = 13;
/// Python Toolkit's application id: accepted because these sites register it.
const PYTHON_CLIENT_ID: &str = "8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV";
/// Python Toolkit's callback; nothing listens there, the script reads the redirect.
const CALLBACK: &str = "http://localhost:4201/auth/callback";

fn flow_site(client_id: &str) -> tk_auth_site_emulator::SiteEmulatorBuilder {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .human_user(HumanAccount::new("bob", "pw-Bob-2"))
        .flow_application(client_id)
}

#[test]
fn authlib_logs_in_refreshes_and_is_refused_as_by_an_oauth_server() {
    let auto = flow_site("authlib-judge")
        .flow_auto_approve(Some("alice"))
        .start()
        .unwrap();
    let attended = flow_site(PYTHON_CLIENT_ID).start().unwrap();
    let expiring = flow_site("authlib-judge")
        .flow_auto_approve(Some("bob"))
        .flow_token_lifetime(Duration::from_secs(30))
        .start()
        .unwrap();
    let config = json!({
        "auto": {"url": auto.url(), "client_id": "authlib-judge", "redirect_uri": "http://127.0.0.1:53682/callback", "login": "alice"},
        "attended": {"url": attended.url(), "client_id": PYTHON_CLIENT_ID, "redirect_uri": CALLBACK, "login": "bob"},
        "expiring": {"url": expiring.url(), "client_id": "authlib-judge", "redirect_uri": "http://[::1]:4201/auth/callback", "login": "bob", "lifetime": 30},
    });
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/flow_authlib.py");
    let output = tk_auth_test_support::Python::script(&script)
        .env("TK_EMULATOR_FLOW_JUDGE", config.to_string())
        .run();
    let (stdout, stderr) = (&output.stdout, &output.stderr);
    let summary = format!("{EXPECTED_CHECKS} passed, 0 failed");
    assert!(
        stdout.lines().last() == Some(summary.as_str()),
        "expected {summary:?} as the last line:\n{stdout}\n{stderr}"
    );
    // The site saw what the script did.
    assert!(auto.calls("flow:authorization_code") >= 3);
    assert!(auto.calls("flow:refused") >= 3);
    assert_eq!(expiring.calls("flow:refresh_token"), 1);
}
