//! Passwords, keys, two-factor secrets and tokens stay out of logs, errors and `Debug`.

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteEmulator};
use tk_auth_test_support::LogCapture;

use crate::flow::{param, pkce, redeem, refresh, standard_request};
use crate::{client, rpc};

/// A Flow login, refresh and refusals with a code and tokens that must not leak; returns
/// them. No answer echoes a code or token it was sent.
async fn flow_round(http: &reqwest::Client, site: &SiteEmulator) -> Vec<String> {
    let (verifier, challenge) = pkce("canary-flow");
    let (wrong, _) = pkce("other");
    let mut secrets = vec![verifier.clone()];
    let mut seen = Vec::new();
    for verifier in [wrong.as_str(), verifier.as_str()] {
        http.get(standard_request(site, &challenge, "s"))
            .send()
            .await
            .unwrap();
        let id = site.pending_authorizations().pop().unwrap().id;
        let location = site.approve_authorization(&id, "alice").unwrap();
        let code = param(&location, "code").unwrap();
        let answer = redeem(http, site, &code, verifier).await.1;
        seen.push(answer.to_string());
        secrets.push(code);
        if let Some(refresh_token) = answer["refresh_token"].as_str() {
            let rotated = refresh(http, site, refresh_token).await.1;
            let replayed = refresh(http, site, refresh_token).await.1;
            assert_eq!(replayed["error"], "invalid_grant");
            seen.push(replayed.to_string());
            for key in ["access_token", "refresh_token"] {
                secrets.push(answer[key].as_str().unwrap().to_owned());
                secrets.push(rotated[key].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(secrets.len(), 7, "verifier, two codes, two pairs of tokens");
    assert!(seen[0].contains("invalid_grant"));
    for answer in seen.iter().filter(|a| a.contains("error")) {
        for secret in &secrets {
            assert!(!answer.contains(secret.as_str()), "{answer}");
        }
    }
    secrets
}

/// A single sign-on round whose cookies and SAML Response must not leak; returns them. No
/// refusal quotes the message it refuses.
async fn sso_round() -> Vec<String> {
    let site = crate::sso::saml_site();
    let mut browser = crate::sso_browser::Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    // Session ids, CSRF tokens, the identity provider's session: not dates or the login.
    let values = |browser: &crate::sso_browser::Browser| -> Vec<String> {
        browser
            .jar
            .iter()
            .map(|c| c.value.clone())
            .filter(|v| v.len() >= 16)
            .collect()
    };
    let mut secrets = values(&browser);
    let pages = browser.run(&crate::sso::renew_url(&site), 10).await;
    assert!(pages.last().unwrap().url.contains("/auth/landing"));
    secrets.extend(values(&browser));
    secrets.sort();
    secrets.dedup();
    assert_eq!(
        secrets.len(),
        5,
        "two sessions, two CSRF tokens, one IdP session"
    );
    let (_, fields) = pages
        .iter()
        .find_map(crate::sso_browser::Page::form)
        .unwrap();
    let response = fields
        .into_iter()
        .find(|(k, _)| k == "SAMLResponse")
        .unwrap();
    let replayed = browser
        .post(
            &format!("{}/saml/saml_acs", site.url()),
            std::slice::from_ref(&response),
        )
        .await;
    assert_eq!(replayed.status, 403);
    assert!(!secrets.iter().any(|s| replayed.body.contains(s.as_str())));
    assert!(!replayed.body.contains(&response.1));
    secrets.push(response.1);
    assert!(format!("{:?}", site.sso_stats()).contains("assertions_refused: 1"));
    secrets
}

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
        .script_user(ScriptAccount::new("farm", "canary-key"))
        .flow_application(crate::flow::CLIENT);
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
    let flow_secrets = flow_round(&http, &site).await;
    let sso_secrets = sso_round().await;
    let debug_site = format!("{site:?}");
    drop(site);

    let logged = logs.text();
    for text in [
        logged.as_str(),
        debug_builder.as_str(),
        debug_site.as_str(),
        &errors.join("\n"),
    ] {
        let flow = flow_secrets.iter().chain(&sso_secrets).map(String::as_str);
        for canary in ["canary", "CANARY", token.as_str()].into_iter().chain(flow) {
            assert!(!text.contains(canary), "{canary:?} leaked into:\n{text}");
        }
    }
    assert!(debug_builder.contains("alice") && debug_builder.contains("farm"));
}
