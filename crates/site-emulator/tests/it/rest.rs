//! The REST token endpoint and entity read over HTTP, as any REST client uses them: form,
//! query-string and JSON parameters, the JSON:API error documents, the controls and faults.

use serde_json::{Value, json};
use tk_auth_site_emulator::{Fault, HumanAccount, ScriptAccount, SiteEmulator};

use crate::{answer, client};

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice").with_id(42))
        .script_user(ScriptAccount::new("farm", "key-1").with_id(7))
        .start()
        .unwrap()
}

fn token_url(site: &SiteEmulator) -> String {
    format!("{}/api/v1/auth/access_token", site.url())
}

async fn form(http: &reqwest::Client, site: &SiteEmulator, pairs: &[(&str, &str)]) -> (u16, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    answer(
        http.post(token_url(site))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body),
    )
    .await
}

async fn read(
    http: &reqwest::Client,
    site: &SiteEmulator,
    path: &str,
    token: &str,
) -> (u16, Value) {
    answer(
        http.get(format!("{}/api/v1/entity/{path}", site.url()))
            .header("authorization", format!("Bearer {token}")),
    )
    .await
}

/// Asserts a JSON:API error document with one error of this status and title.
fn assert_error(status: u16, body: &Value, want_status: u16, title: &str) {
    assert_eq!(status, want_status, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["status"], want_status, "{body}");
    assert_eq!(error["title"], title, "{body}");
    for key in ["id", "code", "source", "detail", "meta"] {
        assert!(error.get(key).is_some(), "no {key}: {body}");
    }
}

#[tokio::test]
async fn tokens_are_granted_from_a_form_a_query_string_or_json_and_read_entities() {
    let site = site();
    let http = client();
    let (status, granted) = form(
        &http,
        &site,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "pw-Alice"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["token_type"], "Bearer");
    assert_eq!(granted["expires_in"], 600);
    let access = granted["access_token"].as_str().unwrap();
    assert!(
        granted["refresh_token"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    let (status, person) = read(&http, &site, "human_users/42", access).await;
    assert_eq!(status, 200, "{person}");
    assert_eq!(person["data"]["type"], "HumanUser");
    assert_eq!(person["data"]["id"], 42);
    assert_eq!(person["data"]["attributes"]["login"], "alice");
    assert_eq!(person["links"]["self"], "/api/v1/entity/human_users/42");

    // As some clients send it: every parameter in the query string.
    let (status, granted) = answer(http.post(format!(
        "{}?grant_type=client_credentials&client_id=farm&client_secret=key-1",
        token_url(&site)
    )))
    .await;
    assert_eq!(status, 200, "{granted}");
    let (status, script) = read(
        &http,
        &site,
        "api_users/7",
        granted["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{script}");
    assert_eq!(script["data"]["attributes"]["name"], "farm");

    let (status, granted) = answer(
        http.post(token_url(&site))
            .header("content-type", "application/json")
            .body(
                json!({"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]})
                    .to_string(),
            ),
    )
    .await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(site.calls("rest:password"), 1);
    assert_eq!(site.calls("rest:client_credentials"), 1);
    assert_eq!(site.calls("rest:refresh_token"), 1);
    assert_eq!(site.calls("rest:entity"), 2);
    assert_eq!(site.calls_by_user("farm"), 3);
}

#[tokio::test]
async fn bad_requests_and_refusals_are_json_api_errors() {
    let site = site();
    let http = client();
    let (status, body) = form(&http, &site, &[("username", "alice")]).await;
    assert_error(status, &body, 400, "Missing parameter: grant_type");
    assert_eq!(body["errors"][0]["source"]["parameter"], "grant_type");
    let (status, body) = form(&http, &site, &[("grant_type", "magic")]).await;
    assert_error(status, &body, 400, "Unsupported grant type: magic");
    assert_eq!(site.calls("rest:invalid_grant"), 2);
    let (status, body) = form(
        &http,
        &site,
        &[("grant_type", "password"), ("username", "alice")],
    )
    .await;
    assert_error(status, &body, 400, "Missing parameter: password");

    let (status, body) = form(
        &http,
        &site,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "nope"),
        ],
    )
    .await;
    assert_error(status, &body, 401, "Can't authenticate user 'alice'");
    assert_eq!(body["errors"][0]["code"], 102);
    let (status, body) = form(
        &http,
        &site,
        &[
            ("grant_type", "session_token"),
            ("session_token", "unknown"),
        ],
    )
    .await;
    assert_error(status, &body, 401, "Invalid session token");
    let (status, body) = form(
        &http,
        &site,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "unknown"),
        ],
    )
    .await;
    assert_error(status, &body, 401, "Invalid refresh token");

    let (status, body) = answer(http.get(token_url(&site))).await;
    assert_error(
        status,
        &body,
        405,
        "Method not allowed: request access tokens with POST",
    );
    let (status, body) =
        answer(http.get(format!("{}/api/v1/entity/human_users/42", site.url()))).await;
    assert_error(
        status,
        &body,
        401,
        "Authentication required: send Authorization: Bearer <access token>",
    );

    let (_, granted) = form(
        &http,
        &site,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "farm"),
            ("client_secret", "key-1"),
        ],
    )
    .await;
    let access = granted["access_token"].as_str().unwrap();
    for path in [
        "human_users/999",
        "projects/1",
        "human_users/x",
        "human_users",
    ] {
        let (status, body) = read(&http, &site, path, access).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

#[tokio::test]
async fn controls_expire_tokens_and_set_their_lifetime_and_faults_apply() {
    let site = site();
    let http = client();
    let grant = [
        ("grant_type", "client_credentials"),
        ("client_id", "farm"),
        ("client_secret", "key-1"),
    ];
    let (_, first) = form(&http, &site, &grant).await;

    let control = |path: &str, body: Value| {
        http.post(format!("{}/_emulator/{path}", site.url()))
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let (status, set) = answer(control("rest_tokens/lifetime", json!({"seconds": 90}))).await;
    assert_eq!((status, &set["lifetime_seconds"]), (200, &json!(90)));
    let (status, _) = answer(control("rest_tokens/lifetime", json!({}))).await;
    assert_eq!(status, 400);
    let (_, second) = form(&http, &site, &grant).await;
    assert_eq!(second["expires_in"], 90);

    let (status, expired) = answer(control("rest_tokens/expire", Value::Null)).await;
    assert_eq!((status, &expired["expired"]), (200, &json!(2)));
    for granted in [&first, &second] {
        let (status, body) = read(
            &http,
            &site,
            "api_users/7",
            granted["access_token"].as_str().unwrap(),
        )
        .await;
        assert_error(status, &body, 401, "The access token has expired");
    }

    site.queue_fault(Fault::Status(503), 1);
    let (status, _) = form(&http, &site, &grant).await;
    assert_eq!(status, 503);
    site.queue_fault(Fault::Status(502), 1);
    let (status, _) = read(&http, &site, "api_users/7", "whatever").await;
    assert_eq!(status, 502);
    // The faulted calls count, as JSON-RPC ones do.
    assert_eq!(site.calls("rest:client_credentials"), 3);
    assert_eq!(site.calls("rest:entity"), 3);
}
