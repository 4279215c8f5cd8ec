//! Driving the Flow authorization server: auto-approval, token lifetime, faults of the token
//! endpoint, revocation, and the same controls under `/_emulator/flow/`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tk_auth_site_emulator::{EmulatorError, Fault, HumanAccount, SiteEmulator};

use crate::flow::{
    CLIENT, REDIRECT, claims, code, introspect, param, pkce, redeem, refresh, site,
    standard_request,
};
use crate::{client, rpc};

async fn control(
    http: &reqwest::Client,
    site: &SiteEmulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(
        method.parse().unwrap(),
        format!("{}/_emulator/{path}", site.url()),
    );
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn auto_approval_redirects_with_a_code_at_once() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .flow_application(CLIENT)
        .flow_auto_approve(Some("alice"))
        .start()
        .unwrap();
    let http = client();
    let (verifier, challenge) = pkce("auto");
    let response = http
        .get(standard_request(&site, &challenge, "s-auto"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(param(&location, "state").as_deref(), Some("s-auto"));
    let code = param(&location, "code").unwrap();
    assert!(site.pending_authorizations().is_empty());
    let (status, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(status, 200);
    assert_eq!(
        claims(tokens["access_token"].as_str().unwrap())["sub"],
        "alice"
    );

    // Switched off, the page asks again.
    site.set_flow_auto_approve(None).unwrap();
    let response = http
        .get(standard_request(&site, &challenge, "s"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(matches!(
        site.set_flow_auto_approve(Some("nobody")),
        Err(EmulatorError::UnknownUser { .. })
    ));
}

#[test]
fn auto_approval_needs_an_active_user() {
    let inactive = SiteEmulator::builder()
        .human_user(HumanAccount::new("carol", "pw").inactive())
        .flow_auto_approve(Some("carol"))
        .start();
    assert!(matches!(inactive, Err(EmulatorError::InactiveUser { .. })));
    let unknown = SiteEmulator::builder()
        .flow_auto_approve(Some("nobody"))
        .start();
    assert!(matches!(unknown, Err(EmulatorError::UnknownUser { .. })));
}

#[tokio::test]
async fn the_token_lifetime_sets_expires_in_and_exp() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .flow_application(CLIENT)
        .flow_token_lifetime(Duration::from_mins(2))
        .start()
        .unwrap();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    let (_, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(tokens["expires_in"], 120);
    let payload = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(
        payload["exp"].as_u64().unwrap() - payload["iat"].as_u64().unwrap(),
        120
    );

    // Expired at once: a client sees `exp` already past, and introspection agrees.
    site.set_flow_token_lifetime(Duration::ZERO);
    let (_, tokens) = refresh(&http, &site, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(tokens["expires_in"], 0);
    let access = tokens["access_token"].as_str().unwrap();
    let dead = introspect(&http, &site, access).await;
    assert_eq!(dead["active"], false, "{dead}");
    assert_eq!(dead["sub"], "alice");
}

#[tokio::test]
async fn token_endpoint_faults_leave_site_calls_alone() {
    let site = site();
    let http = client();
    site.queue_fault(Fault::Status(502), 1);
    site.queue_flow_fault(Fault::Status(503), 1);
    site.queue_flow_fault(Fault::Stall(Duration::from_millis(300)), 1);
    let (code, verifier) = code(&http, &site).await;

    let (status, _) = rpc(
        &http,
        site.url(),
        &json!({"method_name": "info", "params": []}),
    )
    .await;
    assert_eq!(
        status, 502,
        "the site's own fault, not the token endpoint's"
    );
    let response = http
        .post(format!("{}/authentication/v2/token", site.url()))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);

    let started = Instant::now();
    let (status, _) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Faulted requests count under their grant, as refused ones do.
    assert_eq!(site.calls("flow:authorization_code"), 2);

    site.queue_flow_fault(Fault::DropConnection, 5);
    site.clear_flow_faults();
    let (code, verifier) = self::code(&http, &site).await;
    assert_eq!(redeem(&http, &site, &code, &verifier).await.0, 200);
}

#[tokio::test]
async fn the_control_api_drives_the_flow_server_over_http() {
    let site = site();
    let http = client();
    let (verifier, challenge) = pkce("control");
    http.get(standard_request(&site, &challenge, "s-ctl"))
        .send()
        .await
        .unwrap();
    let (status, listed) = control(&http, &site, "GET", "flow/authorizations", None).await;
    assert_eq!(status, 200);
    let entry = &listed["authorizations"][0];
    assert_eq!(
        (&entry["client_id"], &entry["redirect_uri"]),
        (&json!(CLIENT), &json!(REDIRECT))
    );
    assert!(entry["created"].as_f64().unwrap() > 1.7e9);
    let id = entry["id"].as_str().unwrap();

    let path = format!("flow/authorizations/{id}/approve");
    let (status, _) = control(
        &http,
        &site,
        "POST",
        &path,
        Some(json!({"login": "nobody"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, approved) =
        control(&http, &site, "POST", &path, Some(json!({"login": "alice"}))).await;
    assert_eq!(status, 200);
    let location = approved["location"].as_str().unwrap();
    assert_eq!(param(location, "state").as_deref(), Some("s-ctl"));
    let (status, tokens) = redeem(&http, &site, &param(location, "code").unwrap(), &verifier).await;
    assert_eq!(status, 200);

    let (status, _) = control(
        &http,
        &site,
        "POST",
        "flow/token_lifetime",
        Some(json!({"seconds": 60})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = control(&http, &site, "POST", "flow/refresh_tokens/revoke", None).await;
    assert_eq!((status, answer), (200, json!({"revoked": 1})));
    assert_eq!(
        refresh(&http, &site, tokens["refresh_token"].as_str().unwrap())
            .await
            .0,
        400
    );

    let (status, _) = control(
        &http,
        &site,
        "POST",
        "flow/auto_approve",
        Some(json!({"login": "alice"})),
    )
    .await;
    assert_eq!(status, 200);
    let response = http
        .get(standard_request(&site, &challenge, "s2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, tokens) = redeem(&http, &site, &param(&location, "code").unwrap(), &verifier).await;
    assert_eq!(tokens["expires_in"], 60);

    let (status, _) = control(
        &http,
        &site,
        "POST",
        "flow/faults",
        Some(json!({"fault": "status", "status": 504, "count": 1})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        refresh(&http, &site, "whatever").await.0,
        504,
        "the queued fault answers"
    );
    control(
        &http,
        &site,
        "POST",
        "flow/faults",
        Some(json!({"fault": "status", "status": 500})),
    )
    .await;
    let (status, _) = control(&http, &site, "DELETE", "flow/faults", None).await;
    assert_eq!(status, 200);
    assert_eq!(refresh(&http, &site, "whatever").await.0, 400);

    // Deny through the control API.
    control(
        &http,
        &site,
        "POST",
        "flow/auto_approve",
        Some(json!({"login": null})),
    )
    .await;
    http.get(standard_request(&site, &challenge, "s3"))
        .send()
        .await
        .unwrap();
    let id = site.pending_authorizations().pop().unwrap().id;
    let path = format!("flow/authorizations/{id}/deny");
    let (status, denied) = control(&http, &site, "POST", &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        param(denied["location"].as_str().unwrap(), "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(control(&http, &site, "POST", &path, None).await.0, 404);

    for (method, path, body) in [
        ("POST", "flow/auto_approve", Some(json!({}))),
        ("POST", "flow/token_lifetime", Some(json!({"seconds": -1}))),
        ("POST", "flow/faults", Some(json!({"fault": "boom"}))),
        ("POST", "flow/authorizations/x/approve", Some(json!({}))),
    ] {
        assert_eq!(
            control(&http, &site, method, path, body).await.0,
            400,
            "{path}"
        );
    }
    assert_eq!(
        control(&http, &site, "GET", "flow/nothing", None).await.0,
        404
    );
    let (_, summary) = control(&http, &site, "GET", "", None).await;
    let routes = summary["routes"].to_string();
    assert!(
        routes.contains("/_emulator/flow/authorizations") && routes.contains("/_emulator/calls")
    );
    let (_, calls) = control(&http, &site, "GET", "calls", None).await;
    assert_eq!(calls["by_method"]["flow:authorize"], 3);
}
