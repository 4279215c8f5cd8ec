//! The App Session Launcher: request, browser approval page, polling.

use std::time::Duration;

use serde_json::{Value, json};
use tk_auth_site_emulator::{EmulatorError, HumanAccount, SiteEmulator};

use crate::{client, poll_session, request_session, rpc};

async fn create(http: &reqwest::Client, site: &SiteEmulator) -> (u16, Value) {
    request_session(
        http,
        site.url(),
        "Flow Production Tracking Toolkit",
        "render-01",
    )
    .await
}

async fn poll(http: &reqwest::Client, site: &SiteEmulator, id: &str) -> (u16, Value) {
    poll_session(http, site.url(), id).await
}

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .human_user(HumanAccount::new("carol", "pw").inactive())
        .start()
        .unwrap()
}

#[tokio::test]
async fn approving_in_the_browser_page_hands_the_token_out_once() {
    let site = site();
    let http = client();
    let (status, created) = create(&http, &site).await;
    assert_eq!(status, 200);
    let id = created["sessionRequestId"].as_str().unwrap().to_owned();
    let page_url = created["url"].as_str().unwrap().to_owned();
    assert_eq!(page_url, format!("{}/app_session_request/{id}", site.url()));

    assert_eq!(
        poll(&http, &site, &id).await,
        (200, json!({"approved": false}))
    );
    let pending = site.pending_requests();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].app_name.as_str(), pending[0].machine_id.as_str()),
        ("Flow Production Tracking Toolkit", "render-01")
    );

    let page = http
        .get(&page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Flow Production Tracking Toolkit") && page.contains("render-01"),
        "{page}"
    );
    assert!(
        page.contains("value=\"alice\"") && !page.contains("value=\"carol\""),
        "{page}"
    );

    let decided = http
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=approve&login=alice")
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status().as_u16(), 200);

    let (status, approved) = poll(&http, &site, &id).await;
    assert_eq!(status, 200);
    assert_eq!(approved["approved"], true);
    assert_eq!(approved["userLogin"], "alice");
    let token = approved["sessionToken"].as_str().unwrap();
    let (_, found) = rpc(
        &http,
        site.url(),
        &json!({"method_name": "read", "params": [
        {"session_token": token}, {"type": "HumanUser", "return_fields": ["login"]}]}),
    )
    .await;
    assert_eq!(found["results"]["entities"][0]["login"], "alice");

    let (status, gone) = poll(&http, &site, &id).await;
    assert_eq!(status, 404);
    assert!(gone["message"].is_string());
}

#[tokio::test]
async fn a_denied_request_polls_404_with_json() {
    let site = site();
    let http = client();
    let (_, created) = create(&http, &site).await;
    let id = created["sessionRequestId"].as_str().unwrap();
    site.deny_request(id).unwrap();
    let (status, body) = poll(&http, &site, id).await;
    assert_eq!(status, 404);
    assert!(body.is_object());
    assert!(matches!(
        site.deny_request(id),
        Err(EmulatorError::UnknownRequest { .. })
    ));
    assert!(site.pending_requests().is_empty());
}

#[tokio::test]
async fn approval_needs_an_active_known_user_and_a_pending_request() {
    let site = site();
    let http = client();
    let (_, created) = create(&http, &site).await;
    let id = created["sessionRequestId"].as_str().unwrap();
    assert!(matches!(
        site.approve_request(id, "nobody"),
        Err(EmulatorError::UnknownUser { .. })
    ));
    assert!(matches!(
        site.approve_request(id, "carol"),
        Err(EmulatorError::InactiveUser { .. })
    ));
    assert!(matches!(
        site.approve_request("no-such-id", "alice"),
        Err(EmulatorError::UnknownRequest { .. })
    ));
    let page = http
        .post(created["url"].as_str().unwrap())
        .body("action=approve")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    assert_eq!(
        poll(&http, &site, id).await,
        (200, json!({"approved": false}))
    );
}

#[tokio::test]
async fn requests_expire_after_their_lifetime() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .app_session_request_lifetime(Duration::from_mins(5))
        .start()
        .unwrap();
    let http = client();
    let (_, created) = create(&http, &site).await;
    let id = created["sessionRequestId"].as_str().unwrap();
    site.advance_clock(Duration::from_mins(4));
    assert_eq!(
        poll(&http, &site, id).await,
        (200, json!({"approved": false}))
    );
    site.advance_clock(Duration::from_mins(1));
    assert_eq!(poll(&http, &site, id).await.0, 404);
    assert!(site.approve_request(id, "alice").is_err());
    assert!(site.pending_requests().is_empty());
}

#[tokio::test]
async fn a_site_without_the_feature_answers_403_with_json() {
    let site = SiteEmulator::builder()
        .app_session_launcher(false)
        .start()
        .unwrap();
    let (status, body) = create(&client(), &site).await;
    assert_eq!(status, 403);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn a_request_without_its_form_fields_is_400_and_unknown_ids_404() {
    let site = site();
    let http = client();
    let response = http
        .post(format!("{}/internal_api/app_session_request", site.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("appName=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(poll(&http, &site, "unknown").await.0, 404);
}

#[tokio::test]
async fn the_approval_page_can_be_named_on_another_host() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .approval_page_base("https://elsewhere.example.net/")
        .start()
        .unwrap();
    let http = client();
    let (status, created) = create(&http, &site).await;
    assert_eq!(status, 200);
    let id = created["sessionRequestId"].as_str().unwrap();
    assert_eq!(
        created["url"],
        format!("https://elsewhere.example.net/app_session_request/{id}")
    );
    // The request itself is the site's, as usual.
    site.approve_request(id, "alice").unwrap();
    assert_eq!(poll(&http, &site, id).await.1["approved"], true);
}
