//! The `/_emulator/` control API over HTTP.

use serde_json::{Value, json};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::{client, poll_session, request_session, rpc};

async fn call(
    http: &reqwest::Client,
    site: &SiteEmulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}/_emulator/{path}", site.url());
    let mut request = http.request(method.parse().unwrap(), url);
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
async fn sessions_requests_and_counters_are_driven_over_http() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw").with_totp_secret("JBSWY3DPEHPK3PXP"))
        .human_user(HumanAccount::new("dave", "pw"))
        .start()
        .unwrap();
    let http = client();

    let (status, summary) = call(&http, &site, "GET", "", None).await;
    assert_eq!(status, 200);
    assert_eq!(summary["url"], site.url());
    assert_eq!(summary["human_users"].as_array().unwrap().len(), 2);

    let (_, created) = call(
        &http,
        &site,
        "POST",
        "sessions",
        Some(json!({"login": "dave"})),
    )
    .await;
    let token = created["session_token"].as_str().unwrap().to_owned();
    let read =
        json!({"method_name": "read", "params": [{"session_token": token}, {"type": "HumanUser"}]});
    assert!(
        rpc(&http, site.url(), &read)
            .await
            .1
            .get("results")
            .is_some()
    );
    assert_eq!(site.calls_by_user("dave"), 1);

    let (_, calls) = call(&http, &site, "GET", "calls", None).await;
    assert_eq!(
        calls,
        json!({"by_method": {"read": 1}, "by_user": {"dave": 1}})
    );
    let (_, last) = call(&http, &site, "GET", "last_request/read", None).await;
    assert_eq!(last, read);
    call(&http, &site, "DELETE", "calls", None).await;
    assert_eq!(site.calls("read"), 0);
    assert_eq!(
        call(&http, &site, "GET", "last_request/read", None).await.0,
        404
    );

    assert_eq!(
        call(
            &http,
            &site,
            "POST",
            "sessions/expire",
            Some(json!({"session_token": token}))
        )
        .await
        .1,
        json!({"expired": true})
    );
    assert_eq!(rpc(&http, site.url(), &read).await.1["error_code"], 102);
    assert_eq!(
        call(&http, &site, "POST", "sessions/expire_all", None)
            .await
            .1,
        json!({"expired": 1})
    );
    // Not a SAML site: no session has claims to lapse.
    let claims = Some(json!({"expires_in_seconds": 0}));
    assert_eq!(
        call(&http, &site, "POST", "saml_claims", claims).await.1,
        json!({"updated": 0})
    );
    let (status, _) = call(&http, &site, "POST", "saml_claims", Some(json!({}))).await;
    assert_eq!(status, 400);

    let (_, code) = call(&http, &site, "GET", "totp/alice", None).await;
    assert_eq!(code["code"].as_str().unwrap().len(), 6);
    assert_eq!(call(&http, &site, "GET", "totp/dave", None).await.0, 404);
    assert_eq!(
        call(
            &http,
            &site,
            "POST",
            "sessions",
            Some(json!({"login": "nobody"}))
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn approving_through_the_control_api() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .start()
        .unwrap();
    let http = client();
    let (_, created) = request_session(&http, site.url(), "demo", "m").await;
    let id = created["sessionRequestId"].as_str().unwrap();
    let (_, listed) = call(&http, &site, "GET", "requests", None).await;
    assert_eq!(listed["requests"][0]["id"], id);
    assert_eq!(listed["requests"][0]["app_name"], "demo");
    let (status, _) = call(
        &http,
        &site,
        "POST",
        &format!("requests/{id}/approve"),
        Some(json!({"login": "alice"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(&http, &site, "POST", &format!("requests/{id}/deny"), None)
            .await
            .0,
        404
    );
    let (_, polled) = poll_session(&http, site.url(), id).await;
    assert_eq!(polled["userLogin"], "alice");
}

#[tokio::test]
async fn bad_control_requests_are_400_or_404_with_a_reason() {
    let site = SiteEmulator::builder().start().unwrap();
    let http = client();
    for (method, path, body, status) in [
        ("POST", "faults", Some(json!({"fault": "explode"})), 400),
        (
            "POST",
            "faults",
            Some(json!({"fault": "status", "status": 502, "count": -1})),
            400,
        ),
        ("POST", "sessions", Some(json!({})), 400),
        ("GET", "no/such/route", None, 404),
        ("PATCH", "calls", None, 404),
    ] {
        let (got, answer) = call(&http, &site, method, path, body).await;
        assert_eq!(got, status, "{method} {path}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let response = http
        .post(format!("{}/_emulator/faults", site.url()))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn moving_the_clock_over_http_expires_idle_sessions() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .session_lifetime(std::time::Duration::from_hours(1))
        .start()
        .unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    let read =
        json!({"method_name": "read", "params": [{"session_token": token}, {"type": "HumanUser"}]});
    let (status, moved) = call(
        &http,
        &site,
        "POST",
        "clock/advance",
        Some(json!({"seconds": 1800.5})),
    )
    .await;
    assert_eq!((status, moved), (200, json!({"offset_seconds": 1800.5})));
    assert!(
        rpc(&http, site.url(), &read)
            .await
            .1
            .get("results")
            .is_some()
    );
    call(
        &http,
        &site,
        "POST",
        "clock/advance",
        Some(json!({"seconds": 3600})),
    )
    .await;
    assert_eq!(rpc(&http, site.url(), &read).await.1["error_code"], 102);
    let (_, summary) = call(&http, &site, "GET", "", None).await;
    assert_eq!(summary["clock_offset_seconds"], 5400.5);
}

#[tokio::test]
async fn out_of_range_durations_are_refused_or_capped_never_a_crash() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .auth_method(tk_auth_site_emulator::SiteAuthMethod::Saml2)
        .saml_claims_lifetime(std::time::Duration::MAX)
        .start()
        .unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    for seconds in [json!(-1), json!(1e300), json!("soon"), json!(null)] {
        let body = Some(json!({"seconds": seconds}));
        assert_eq!(
            call(&http, &site, "POST", "clock/advance", body).await.0,
            400
        );
    }
    let huge = Some(json!({"expires_in_seconds": u64::MAX}));
    assert_eq!(
        call(&http, &site, "POST", "saml_claims", huge).await.1,
        json!({"updated": 1})
    );
    // Far beyond any lifetime: the session expires, nothing overflows.
    let forever = Some(json!({"seconds": 1e15}));
    assert_eq!(
        call(&http, &site, "POST", "clock/advance", forever).await.0,
        200
    );
    site.advance_clock(std::time::Duration::MAX);
    let read =
        json!({"method_name": "read", "params": [{"session_token": token}, {"type": "HumanUser"}]});
    assert_eq!(rpc(&http, site.url(), &read).await.1["error_code"], 102);
}
