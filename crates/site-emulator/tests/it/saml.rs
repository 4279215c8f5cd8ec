//! SAML single-sign-on sites: sessions carry SSO claims; once the claims lapse, calls with a
//! still-valid session answer `302` to `/saml/saml_login_request`.

use std::time::Duration;

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use crate::rpc::{find_one_body, session};
use crate::{client, rpc};

#[tokio::test]
async fn lapsed_saml_claims_redirect_authenticated_calls_only() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    let (status, _) = rpc(&http, site.url(), &find_one_body(&session(&token), "alice")).await;
    assert_eq!(status, 200);
    assert_eq!(site.expire_saml_claims(), 1);
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .body(find_one_body(&session(&token), "alice").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{}/saml/saml_login_request", site.url())
    );
    let (status, _) = rpc(
        &http,
        site.url(),
        &json!({"method_name": "info", "params": []}),
    )
    .await;
    assert_eq!(status, 200);

    // Claims set to lapse later leave the sessions usable until then.
    let fresh = site.create_session("alice").unwrap();
    assert_eq!(site.set_saml_claims_expiry(Duration::from_hours(1)), 2);
    for token in [&token, &fresh] {
        let (status, _) = rpc(&http, site.url(), &find_one_body(&session(token), "alice")).await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn saml_claims_lapse_after_their_lifetime_even_while_the_session_is_in_use() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .saml_claims_lifetime(Duration::from_mins(30))
        .start()
        .unwrap();
    let http = client();
    let token = site.create_session("alice").unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        site.advance_clock(Duration::from_mins(10));
        statuses.push(
            rpc(&http, site.url(), &find_one_body(&session(&token), "alice"))
                .await
                .0,
        );
    }
    assert_eq!(statuses, [200, 200, 302, 302]);
    // A new browser login brings fresh claims.
    let fresh = site.create_session("alice").unwrap();
    let (status, _) = rpc(&http, site.url(), &find_one_body(&session(&fresh), "alice")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sessions_of_non_saml_sites_carry_no_claims() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .start()
        .unwrap();
    site.create_session("alice").unwrap();
    assert_eq!(site.expire_saml_claims(), 0);
}
