//! `POST /api3/json` on the wire: what the Python client sends, what a site answers.

use std::time::Duration;

use serde_json::{Value, json};
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteAuthMethod, SiteEmulator};

use crate::{client, rpc};

fn login_body(login: &str, password: &str) -> Value {
    json!({"method_name": "get_session_token",
           "params": [{"user_login": login, "user_password": password}]})
}

pub(crate) fn find_one_body(auth: &Value, login: &str) -> Value {
    json!({"method_name": "read", "params": [auth, {
        "type": "HumanUser", "return_fields": ["id"],
        "filters": {"logical_operator": "and",
                    "conditions": [{"path": "login", "relation": "is", "values": [login]}]},
        "return_only": "active",
        "paging": {"entities_per_page": 1, "current_page": 1},
        "return_paging_info_without_counts": false,
        "api_return_image_urls": true}]})
}

pub(crate) fn session(token: &str) -> Value {
    json!({"session_token": token, "reject_if_expired": true})
}

fn error_code(answer: &Value) -> Option<u64> {
    assert_eq!(answer["exception"], json!(true), "{answer}");
    assert!(answer["message"].is_string(), "{answer}");
    answer["error_code"].as_u64()
}

#[tokio::test]
async fn info_reports_the_declared_settings_without_credentials() {
    let site = SiteEmulator::builder()
        .auth_method(SiteAuthMethod::Ldap)
        .unified_login_flow(true)
        .app_session_launcher(false)
        .server_version([7, 4, 2])
        .start()
        .unwrap();
    let (status, info) = rpc(
        &client(),
        site.url(),
        &json!({"method_name": "info", "params": []}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(info["version"], json!([7, 4, 2]));
    assert_eq!(info["full_version"], json!([7, 4, 2, 0]));
    assert_eq!(info["user_authentication_method"], "ldap");
    assert_eq!(info["unified_login_flow_enabled"], true);
    assert_eq!(info["authentication_app_session_launcher_enabled"], false);
    assert_eq!(info["api_max_entities_per_page"], 500);
    assert!(info.get("results").is_none());
    assert_eq!(site.calls("info"), 1);
}

#[tokio::test]
async fn a_password_login_gives_a_token_that_reads_users_and_is_counted() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(42))
        .start()
        .unwrap();
    let http = client();
    let (_, answer) = rpc(&http, site.url(), &login_body("alice", "pw-Alice-1")).await;
    let token = answer["results"]["session_id"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);

    let (_, found) = rpc(&http, site.url(), &find_one_body(&session(&token), "ALICE")).await;
    assert_eq!(
        found,
        json!({"results": {"entities": [{"type": "HumanUser", "id": 42}]}})
    );

    assert_eq!(site.calls("get_session_token"), 1);
    assert_eq!(site.calls("read"), 1);
    assert_eq!(site.calls_by_user("alice"), 2);
    let sent = site.last_request_body("read").unwrap();
    assert_eq!(sent["params"][0]["session_token"], token.as_str());
    site.reset_calls();
    assert_eq!(site.calls("read"), 0);
}

#[tokio::test]
async fn bad_credentials_inactive_users_and_unknown_tokens_are_error_102() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .human_user(HumanAccount::new("carol", "pw-Carol-3").inactive())
        .script_user(ScriptAccount::new("farm", "key-1"))
        .start()
        .unwrap();
    let http = client();
    for body in [
        login_body("alice", "wrong"),
        login_body("nobody", "pw"),
        login_body("carol", "pw-Carol-3"),
        find_one_body(&session("feedfeedfeedfeedfeedfeedfeedfeed"), "alice"),
        find_one_body(
            &json!({"script_name": "farm", "script_key": "nope"}),
            "alice",
        ),
        find_one_body(&json!({}), "alice"),
    ] {
        let (status, answer) = rpc(&http, site.url(), &body).await;
        assert_eq!(status, 200);
        assert_eq!(error_code(&answer), Some(102), "{body}");
    }
    // A disabled account's existing sessions stop working too; `read` still finds it.
    let (_, answer) = rpc(
        &http,
        site.url(),
        &find_one_body(
            &json!({"script_name": "farm", "script_key": "key-1"}),
            "carol",
        ),
    )
    .await;
    assert_eq!(answer["results"]["entities"][0]["type"], "HumanUser");
}

#[tokio::test]
async fn sessions_expire_after_inactivity_and_each_use_restarts_the_clock() {
    let lifetime = Duration::from_mins(10);
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .session_lifetime(lifetime)
        .start()
        .unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    // Used every 4 minutes for 20 minutes, twice the lifetime: still valid.
    for _ in 0..5 {
        site.advance_clock(Duration::from_mins(4));
        let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&token), "alice")).await;
        assert!(answer.get("results").is_some(), "{answer}");
    }
    // Unused for a minute less than the lifetime: still valid, and that use restarts it.
    site.advance_clock(Duration::from_mins(9));
    let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&token), "alice")).await;
    assert!(answer.get("results").is_some(), "{answer}");
    // Unused for the whole lifetime: expired.
    assert_eq!(site.advance_clock(lifetime), Duration::from_mins(39));
    let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&token), "alice")).await;
    assert_eq!(error_code(&answer), Some(102));
}

#[tokio::test]
async fn expiring_sessions_by_hand_refuses_them() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .start()
        .unwrap();
    let http = client();
    let one = site.create_session("alice").unwrap();
    let two = site.create_session("alice").unwrap();
    assert!(site.expire_session(&one));
    assert!(!site.expire_session("not-a-token"));
    let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&one), "alice")).await;
    assert_eq!(error_code(&answer), Some(102));
    let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&two), "alice")).await;
    assert!(answer.get("results").is_some());
    assert_eq!(site.expire_all_sessions(), 2);
    let (_, answer) = rpc(&http, site.url(), &find_one_body(&session(&two), "alice")).await;
    assert_eq!(error_code(&answer), Some(102));
}

#[tokio::test]
async fn two_factor_needs_a_code_accepts_totp_and_single_use_backup_codes() {
    let site = SiteEmulator::builder()
        .human_user(
            HumanAccount::new("bob", "pw-Bob-2")
                .with_totp_secret(*b"12345678901234567890")
                .with_backup_codes(["backup-1"]),
        )
        .start()
        .unwrap();
    let http = client();
    let with_code = |code: &str| {
        json!({"method_name": "get_session_token",
               "params": [{"user_login": "bob", "user_password": "pw-Bob-2", "auth_token": code}]})
    };
    let (_, answer) = rpc(&http, site.url(), &login_body("bob", "pw-Bob-2")).await;
    assert_eq!(error_code(&answer), Some(106));
    let code = site.totp_code("bob").unwrap();
    assert_eq!(code.len(), 6);
    let (_, answer) = rpc(&http, site.url(), &with_code(&code)).await;
    assert!(answer["results"]["session_id"].is_string(), "{answer}");
    let wrong = format!(
        "{:06}",
        (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let (_, answer) = rpc(&http, site.url(), &with_code(&wrong)).await;
    assert_eq!(error_code(&answer), Some(102));
    let (_, answer) = rpc(&http, site.url(), &with_code("backup-1")).await;
    assert!(answer["results"]["session_id"].is_string(), "{answer}");
    let (_, answer) = rpc(&http, site.url(), &with_code("backup-1")).await;
    assert_eq!(error_code(&answer), Some(102));
}

#[tokio::test]
async fn sso_sites_refuse_passwords_with_108_and_110() {
    for (method, code) in [(SiteAuthMethod::Saml2, 108), (SiteAuthMethod::Oxygen, 110)] {
        let site = SiteEmulator::builder()
            .human_user(HumanAccount::new("alice", "pw-Alice-1"))
            .auth_method(method.clone())
            .start()
            .unwrap();
        let (_, answer) = rpc(&client(), site.url(), &login_body("alice", "pw-Alice-1")).await;
        assert_eq!(error_code(&answer), Some(code), "{method}");
    }
}

#[tokio::test]
async fn read_filters_pages_and_returns_fields() {
    let mut builder = SiteEmulator::builder();
    for i in 1..=5 {
        builder = builder.human_user(
            HumanAccount::new(format!("user{i}"), "pw").with_name(format!("First{i}"), "Last"),
        );
    }
    let site = builder
        .script_user(ScriptAccount::new("farm", "key"))
        .start()
        .unwrap();
    let http = client();
    let auth = json!({"script_name": "farm", "script_key": "key"});
    let read = |params: Value| json!({"method_name": "read", "params": [auth, params]});

    let (_, page2) = rpc(
        &http,
        site.url(),
        &read(json!({
        "type": "HumanUser", "return_fields": ["login", "name", "no_such_field"],
        "filters": {"logical_operator": "and", "conditions": []},
        "paging": {"entities_per_page": 2, "current_page": 2},
        "return_paging_info": true})),
    )
    .await;
    let entities = page2["results"]["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 2);
    assert_eq!(entities[0]["login"], "user3");
    assert_eq!(entities[0]["name"], "First3 Last");
    assert_eq!(entities[0]["no_such_field"], Value::Null);
    assert_eq!(page2["results"]["paging_info"]["entity_count"], 5);

    let (_, last) = rpc(
        &http,
        site.url(),
        &read(json!({
        "type": "HumanUser", "paging": {"entities_per_page": 2, "current_page": 3},
        "return_paging_info_without_counts": true})),
    )
    .await;
    assert_eq!(last["results"]["entities"].as_array().unwrap().len(), 1);
    assert_eq!(last["results"]["paging_info"]["has_next_page"], false);

    let (_, either) = rpc(
        &http,
        site.url(),
        &read(json!({
        "type": "HumanUser", "return_fields": ["login"],
        "filters": {"logical_operator": "or", "conditions": [
            {"path": "login", "relation": "is", "values": ["user1"]},
            {"path": "firstname", "relation": "in", "values": ["First4", "First5"]}]}})),
    )
    .await;
    let logins: Vec<_> = either["results"]["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["login"].clone())
        .collect();
    assert_eq!(logins, [json!("user1"), json!("user4"), json!("user5")]);

    let (_, api_user) = rpc(
        &http,
        site.url(),
        &read(json!({
        "type": "ApiUser", "filters": {"logical_operator": "and",
            "conditions": [{"path": "firstname", "relation": "is", "values": ["farm"]}]}})),
    )
    .await;
    assert_eq!(
        api_user["results"]["entities"],
        json!([{"type": "ApiUser", "id": 1}])
    );
}

#[tokio::test]
async fn wrong_shapes_and_unknown_methods_get_faults_and_the_site_keeps_serving() {
    let site = SiteEmulator::builder()
        .script_user(ScriptAccount::new("farm", "key"))
        .start()
        .unwrap();
    let http = client();
    let auth = json!({"script_name": "farm", "script_key": "key"});
    for body in [
        json!([]),
        json!("text"),
        json!({"params": []}),
        json!({"method_name": 5}),
        json!({"method_name": "read", "params": "nope"}),
        json!({"method_name": "no_such_method", "params": []}),
        json!({"method_name": "read", "params": [auth]}),
        json!({"method_name": "read", "params": [auth, {"type": "Shot"}]}),
        json!({"method_name": "read", "params": [auth, {"type": "HumanUser", "return_fields": "id"}]}),
        json!({"method_name": "read", "params": [auth, {"type": "HumanUser", "filters": []}]}),
        json!({"method_name": "read", "params": [auth, {"type": "HumanUser",
            "filters": {"conditions": [{"path": "login", "relation": "contains", "values": ["a"]}]}}]}),
        json!({"method_name": "read", "params": [auth, {"type": "HumanUser",
            "filters": {"conditions": [{"path": "nope", "relation": "is", "values": ["a"]}]}}]}),
    ] {
        let (status, answer) = rpc(&http, site.url(), &body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(error_code(&answer), Some(100), "{body}");
    }
    let (status, answer) = rpc(&http, site.url(), &json!({"method_name": "info"})).await;
    assert_eq!((status, answer["version"].is_array()), (200, true));
}
