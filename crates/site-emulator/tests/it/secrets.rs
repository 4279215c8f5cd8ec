//! Passwords, keys, two-factor secrets and tokens stay out of logs, errors and `Debug`.

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteEmulator};
use tk_auth_test_support::LogCapture;

use crate::{client, rpc};

#[tokio::test]
async fn no_secret_reaches_logs_errors_or_debug_output() {
    let logs = LogCapture::new();
    // Global, because the site logs from its own threads; other tests' logs land here too,
    // and they must be free of these canaries as well.
    let _ = tracing::subscriber::set_global_default(logs.subscriber());

    let builder = SiteEmulator::builder()
        .human_user(
            HumanAccount::new("alice", "canary-password")
                .with_totp_secret("CANARYSECRETAAAA")
                .with_backup_codes(["canary-backup"]),
        )
        .script_user(ScriptAccount::new("farm", "canary-key"));
    let debug_builder = format!("{builder:?}");
    let site = builder.start().unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    for body in [
        json!({"method_name": "get_session_token", "params": [{"user_login": "alice", "user_password": "canary-password"}]}),
        json!({"method_name": "get_session_token", "params": [{"user_login": "alice", "user_password": "canary-password", "auth_token": "canary-backup"}]}),
        json!({"method_name": "get_session_token", "params": [{"user_login": "alice", "user_password": "canary-wrong"}]}),
        json!({"method_name": "read", "params": [{"script_name": "farm", "script_key": "canary-key"}, {"type": "HumanUser"}]}),
        json!({"method_name": "read", "params": [{"script_name": "farm", "script_key": "canary-bad-key"}, {"type": "HumanUser"}]}),
        json!({"method_name": "read", "params": [{"session_token": token}, {"type": "HumanUser"}]}),
    ] {
        let (_, answer) = rpc(&http, site.url(), &body).await;
        let text = answer.to_string();
        assert!(
            !text.contains("canary-") && !text.contains(&token),
            "{text}"
        );
    }
    let errors = [
        site.totp_code("nobody").unwrap_err().to_string(),
        site.approve_request("x", "alice").unwrap_err().to_string(),
        SiteEmulator::builder()
            .human_user(
                HumanAccount::new("bob", "canary-password").with_totp_secret("canary-not-base32!"),
            )
            .start()
            .unwrap_err()
            .to_string(),
    ];
    let debug_site = format!("{site:?}");
    drop(site);

    let logged = logs.text();
    for text in [
        logged.as_str(),
        debug_builder.as_str(),
        debug_site.as_str(),
        &errors.join("\n"),
    ] {
        for canary in ["canary", "CANARY", token.as_str()] {
            assert!(!text.contains(canary), "{canary:?} leaked into:\n{text}");
        }
    }
    assert!(debug_builder.contains("alice") && debug_builder.contains("farm"));
}
