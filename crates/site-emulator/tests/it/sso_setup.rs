//! Single sign-on set-ups: host names of one's choosing, an external identity provider,
//! the service provider's metadata, and the control API's SSO routes.

use serde_json::json;
use tk_auth_core::cookies;
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use crate::client;
use crate::sso::{renew_url, saml_site};
use crate::sso_browser::Browser;

#[tokio::test]
async fn distinct_host_names_and_an_external_identity_provider() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .site_host("site.sso.test")
        .idp_host("idp.sso.test")
        .start()
        .unwrap();
    assert!(site.url().starts_with("http://site.sso.test:"));
    assert!(site.idp_url().starts_with("http://idp.sso.test:"));
    let jar = site.web_login_cookies("alice").unwrap();
    let decoded = cookies::decode_cookies(Some(&jar));
    assert!(decoded.expose().contains("domain=site.sso.test; path=/"));
    assert!(decoded.expose().contains("domain=idp.sso.test; path=/idp"));
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&jar);
    let pages = browser.run(&renew_url(&site), 10).await;
    assert!(
        pages
            .last()
            .unwrap()
            .url
            .starts_with(&format!("{}/auth/landing", site.url()))
    );
    assert!(
        browser
            .cookie(
                "site.sso.test",
                "shotgun_current_user_sso_claims_expiration"
            )
            .is_some()
    );

    let metadata = browser.get(&format!("{}/saml/metadata", site.url())).await;
    assert!(
        metadata
            .body
            .contains(&format!("entityID=\"{}/saml/metadata\"", site.url()))
    );
    assert!(
        metadata
            .body
            .contains(&format!("Location=\"{}/saml/saml_acs\"", site.url()))
    );

    let external = SiteEmulator::builder()
        .auth_method(SiteAuthMethod::Saml2)
        .saml_identity_provider("https://idp.example.net/sso?tenant=7")
        .start()
        .unwrap();
    let to_idp = client()
        .get(format!("{}/saml/saml_login_request", external.url()))
        .send()
        .await
        .unwrap();
    let location = to_idp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://idp.example.net/sso?tenant=7&SAMLRequest="),
        "{location}"
    );
}

#[tokio::test]
async fn the_control_api_drives_sso() {
    let site = saml_site();
    let http = client();
    let url = |p: &str| format!("{}/_emulator/{p}", site.url());
    let answer = http
        .post(url("sso/web_login"))
        .json(&json!({"login": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let jar: serde_json::Value = answer.json().await.unwrap();
    let jar = jar["session_metadata"].as_str().unwrap();
    assert!(cookies::get_session_id(Some(jar)).is_some());
    let switches: serde_json::Value = http
        .post(url("sso/switches"))
        .json(&json!({"require_mfa": true, "delay_seconds": 0.5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        switches,
        json!({"require_mfa": true, "delay_seconds": 0.5, "redirect_loop": false, "foreign_cookie": false})
    );
    let bad = http
        .post(url("sso/switches"))
        .json(&json!({"mfa": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let expired: serde_json::Value = http
        .post(url("sso/idp_sessions/expire"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(expired["expired"], 1);
    let summary: serde_json::Value = http
        .get(url("sso"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["stats"]["renew_requests"], 0);
    assert_eq!(summary["idp_url"], site.idp_url());
    let unknown = http
        .post(url("sso/web_login"))
        .json(&json!({"login": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn the_identity_provider_refuses_requests_it_cannot_use() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let idp = site.idp_url();
    let foreign = {
        // A well-formed AuthnRequest from another service provider.
        let other = SiteEmulator::builder()
            .auth_method(SiteAuthMethod::Saml2)
            .start()
            .unwrap();
        let answer = client()
            .get(format!("{}/saml/saml_login_request", other.url()))
            .send()
            .await
            .unwrap();
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        crate::sso_browser::query_param(&location, "SAMLRequest").unwrap()
    };
    let foreign: String = form_urlencoded::byte_serialize(foreign.as_bytes()).collect();
    for (path, reason) in [
        ("/idp/saml/sso", "no SAMLRequest"),
        ("/idp/saml/sso?SAMLRequest=%25%25", "base64"),
        ("/idp/saml/sso?SAMLRequest=aGVsbG8%3D", "DEFLATE"),
        (
            &format!("/idp/saml/sso?SAMLRequest={foreign}") as &str,
            "unknown service provider",
        ),
        ("/idp/saml/sso?client_id=a&redirect_uri=b", "no SAMLRequest"),
        (
            "/idp/authorize?client_id=a",
            "no client_id or no redirect_uri",
        ),
        (
            "/idp/authorize?client_id=a&redirect_uri=http://evil.example.net/",
            "unknown client_id",
        ),
    ] {
        let page = browser.get(&format!("{idp}{path}")).await;
        assert_eq!(page.status, 400, "{path}: {}", page.body);
        assert!(page.body.contains(reason), "{path}: {}", page.body);
    }
    assert_eq!(browser.get(&format!("{idp}/idp/nothing")).await.status, 404);
    let get_acs = browser.get(&format!("{}/saml/saml_acs", site.url())).await;
    assert_eq!(get_acs.status, 405);
    assert_eq!(site.sso_stats().idp_auto_posts, 0);
}
