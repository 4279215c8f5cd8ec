//! The calls authentication makes: tokens, two-factor codes, reads as a person or a script.

use serde_json::json;
use tk_auth_http::{Auth, Secret, SiteClient};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

#[tokio::test]
async fn a_password_gives_a_token_that_finds_the_person() {
    let site = support::start();
    let client = support::client(&site);
    let token = client
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap();
    let me = client
        .find_one(
            &Auth::SessionToken(token),
            "HumanUser",
            &json!([["login", "is", "alice"]]),
            &["id", "login"],
        )
        .await
        .unwrap()
        .expect("alice is found");
    assert_eq!(me["id"], json!(42));
    assert_eq!(me["type"], json!("HumanUser"));
    let nobody = support::find_person(&client, &Auth::script("farm_script", SCRIPT_KEY), "nobody")
        .await
        .unwrap();
    assert_eq!(nobody, None);
}

#[tokio::test]
async fn a_script_finds_itself() {
    let site = support::start();
    let found = support::client(&site)
        .find_one(
            &Auth::script("farm_script", SCRIPT_KEY),
            "ApiUser",
            &json!([["firstname", "is", "farm_script"]]),
            &["firstname"],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found["id"], json!(7));
}

#[tokio::test]
async fn two_factor_accounts_need_a_code_then_accept_totp_and_backup_codes_once() {
    let site = support::builder()
        .human_user(
            HumanAccount::new("bob", "pw-Bob-canary")
                .with_totp_secret(TOTP_SECRET)
                .with_backup_codes(["backup-canary-1"]),
        )
        .start()
        .unwrap();
    let client = support::client(&site);
    let password = Secret::new("pw-Bob-canary");
    let err = client
        .generate_session_token("bob", &password, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, tk_auth_http::HttpError::TwoFactorRequired { .. }),
        "{err}"
    );
    support::assert_no_secret(&support::full_text(&err));

    let code = Secret::new(site.totp_code("bob").unwrap());
    let token = client
        .generate_session_token("bob", &password, Some(&code))
        .await
        .unwrap();
    assert!(!token.is_empty());
    let sent = site.last_request_body("get_session_token").unwrap();
    assert_eq!(sent["params"][0]["auth_token"], json!(code.expose()));

    let wrong = client
        .generate_session_token("bob", &password, Some(&Secret::new("000000x")))
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, tk_auth_http::HttpError::AuthenticationFailed { .. }),
        "{wrong}"
    );

    let backup = Secret::new("backup-canary-1");
    client
        .generate_session_token("bob", &password, Some(&backup))
        .await
        .unwrap();
    let reused = client
        .generate_session_token("bob", &password, Some(&backup))
        .await
        .unwrap_err();
    assert!(
        matches!(reused, tk_auth_http::HttpError::AuthenticationFailed { .. }),
        "{reused}"
    );
}

#[tokio::test]
async fn session_tokens_ask_for_rejection_only_on_sites_above_5_4_3() {
    for (version, expected) in [([8, 50, 0], Some(true)), ([5, 4, 3], None)] {
        let site = support::builder().server_version(version).start().unwrap();
        let token = site.create_session("alice").unwrap();
        support::client(&site)
            .find_one(&Auth::session_token(token), "HumanUser", &json!([]), &[])
            .await
            .unwrap();
        let sent = site.last_request_body("read").unwrap();
        assert_eq!(
            sent["params"][0]
                .get("reject_if_expired")
                .and_then(serde_json::Value::as_bool),
            expected,
            "version {version:?}"
        );
        let paging_key = if version[0] >= 8 {
            "return_paging_info_without_counts"
        } else {
            "return_paging_info"
        };
        assert_eq!(sent["params"][1][paging_key], json!(false));
    }
}

#[tokio::test]
async fn extra_auth_params_travel_with_every_authenticated_call() {
    let site = support::start();
    let client = SiteClient::new(
        site.url(),
        support::options()
            .sudo_as_login("alice")
            .session_uuid("5a1d49b0-0c69-11e0-a24c-003048d17544")
            .product("rv"),
    )
    .unwrap();
    support::find_person(&client, &Auth::script("farm_script", SCRIPT_KEY), "alice")
        .await
        .unwrap();
    let auth = &site.last_request_body("read").unwrap()["params"][0];
    assert_eq!(auth["sudo_as_login"], json!("alice"));
    assert_eq!(
        auth["session_uuid"],
        json!("5a1d49b0-0c69-11e0-a24c-003048d17544")
    );
    assert_eq!(auth["product"], json!("rv"));
    // `info` carries no authentication at all.
    assert_eq!(site.last_request_body("info").unwrap()["params"], json!([]));
}

#[tokio::test]
async fn the_generic_call_returns_results_or_the_whole_answer() {
    let site = support::start();
    let client = support::client(&site);
    let info = client.call("info", None, None).await.unwrap();
    assert_eq!(info["version"], json!([8, 50, 0]));
    let token = client
        .call(
            "get_session_token",
            Some(json!({})),
            Some(&Auth::password("alice", ALICE_PASSWORD, None)),
        )
        .await
        .unwrap();
    assert!(token["session_id"].as_str().is_some_and(|t| !t.is_empty()));
    // Empty params are left out, as in Python.
    assert_eq!(
        site.last_request_body("get_session_token").unwrap()["params"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn many_concurrent_calls_share_one_client() {
    let site = support::start();
    let client = support::client(&site);
    let auth = Auth::script("farm_script", SCRIPT_KEY);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let client = client.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            support::find_person(&client, &auth, "alice").await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_some());
    }
    assert_eq!(site.calls("read"), 32);
    assert_eq!(site.calls("info"), 1, "the site version is read once");
}

#[tokio::test]
async fn building_a_client_sends_nothing() {
    // Clients are cheap to make and nothing is sent until a call.
    let site = SiteEmulator::builder().start().unwrap();
    let _client = support::client(&site);
    assert_eq!(site.calls("info"), 0);
}
