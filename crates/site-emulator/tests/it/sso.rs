//! Single sign-on rounds: renewal from a jar a web login left, through the emulator's own
//! identity provider (SAML and Unified Login Flow), a person's sign-in, and the site's
//! answers to calls whose claims lapsed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tk_auth_core::cookies;
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use crate::rpc::{find_one_body, session};
use crate::sso_browser::{Browser, Page, query_param, trail};
use crate::{client, rpc};

pub(crate) fn saml_site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(78))
        .auth_method(SiteAuthMethod::Saml2)
        .saml_claims_lifetime(Duration::from_mins(30))
        .start()
        .unwrap()
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// The value a `Set-Cookie` of `page` gives `name`.
pub(crate) fn set_cookie(page: &Page, name: &str) -> Option<String> {
    page.set_cookies.iter().find_map(|h| {
        let (n, rest) = h.split_once('=')?;
        (n == name).then(|| rest.split(';').next().unwrap().to_owned())
    })
}

pub(crate) fn renew_url(site: &SiteEmulator) -> String {
    format!(
        "{}/auth/renew?product=tk-auth&email=alice%40example.com",
        site.url()
    )
}

#[tokio::test]
async fn a_saml_round_from_a_seeded_jar_lands_with_fresh_claims() {
    let site = saml_site();
    let jar = site.web_login_cookies("alice").unwrap();
    let old_session = cookies::get_session_id(Some(&jar)).unwrap();
    assert_eq!(
        cookies::get_user_name(Some(&jar)).unwrap().as_deref(),
        Some("alice")
    );
    let claims = cookies::get_saml_claims_expiration(Some(&jar))
        .unwrap()
        .unwrap();
    assert!((claims - (now() + 1800)).abs() < 60, "{claims}");
    assert_eq!(cookies::get_csrf_key(Some(&jar)).unwrap(), "csrf_token_u78");
    assert!(cookies::get_csrf_token(Some(&jar)).unwrap().is_some());
    assert!(cookies::has_sso_info_in_cookies(Some(&jar)).unwrap());
    let decoded = cookies::decode_cookies(Some(&jar));
    let decoded = decoded.expose();
    assert!(
        decoded.contains("; HttpOnly; domain=127.0.0.1; path=/\r\n"),
        "{decoded}"
    );
    assert!(decoded.contains("idp_session="), "{decoded}");
    assert!(
        decoded.contains("; HttpOnly; domain=localhost; path=/idp"),
        "{decoded}"
    );

    // The claims lapse: calls are sent to the SAML login, whose GET now starts the round.
    site.expire_saml_claims();
    let http = client();
    let body = find_one_body(&session(old_session.expose()), "alice");
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);

    let mut browser = Browser::for_site(&site);
    browser.load_jar(&jar);
    let pages = browser.run(&renew_url(&site), 10).await;
    let trail = trail(&pages);
    assert_eq!(
        trail,
        [
            "302 127.0.0.1/auth/renew",
            "302 127.0.0.1/saml/saml_login_request",
            "200 localhost/idp/saml/sso",
            "302 127.0.0.1/saml/saml_acs",
            "200 127.0.0.1/auth/landing",
        ]
    );
    // The renewal parameters ride along to the SAML login.
    assert!(
        pages[0]
            .location
            .as_deref()
            .unwrap()
            .ends_with("/saml/saml_login_request?product=tk-auth&email=alice%40example.com")
    );
    let to_idp = pages[1].location.as_deref().unwrap();
    assert!(to_idp.starts_with(&format!("{}/idp/saml/sso?SAMLRequest=", site.idp_url())));
    assert!(query_param(to_idp, "RelayState").is_some());

    let landing = pages.last().unwrap();
    let new_session = browser.cookie("127.0.0.1", "_session_id").unwrap();
    assert_ne!(&new_session, old_session.expose());
    let expected = [
        "csrf_token_u78",
        "shotgun_current_user_login",
        "shotgun_current_session_expiration",
        "shotgun_current_user_sso_claims_expiration",
        "shotgun_sso_session_expiration_u78",
        "shotgun_sso_session_userid_u78",
    ];
    for name in expected {
        assert!(
            set_cookie(landing, name).is_some(),
            "{name}: {:?}",
            landing.set_cookies
        );
    }
    assert_eq!(
        set_cookie(landing, "shotgun_current_user_login").unwrap(),
        "alice"
    );
    let claims: i64 = set_cookie(landing, "shotgun_current_user_sso_claims_expiration")
        .unwrap()
        .parse()
        .unwrap();
    assert!((claims - (now() + 1800)).abs() < 60, "{claims}");
    assert!(
        landing
            .set_cookies
            .iter()
            .all(|c| c.contains("; Path=/") && !c.contains("Secure"))
    );

    // The new session works; the stats tell the round.
    let (status, _) = rpc(
        &http,
        site.url(),
        &find_one_body(&session(&new_session), "alice"),
    )
    .await;
    assert_eq!(status, 200);
    let stats = site.sso_stats();
    assert_eq!(
        (
            stats.renew_requests,
            stats.saml_requests,
            stats.idp_auto_posts,
            stats.assertions_consumed
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((stats.idp_person_logins, stats.assertions_refused), (0, 0));
    assert!(
        site.sso_cookie_names_received()
            .contains(&"_session_id".to_owned())
    );
    site.reset_calls();
    assert_eq!(site.sso_stats().renew_requests, 0);
}

#[tokio::test]
async fn cookie_dates_follow_the_emulator_clock() {
    let site = saml_site();
    site.advance_clock(Duration::from_hours(2));
    let jar = site.web_login_cookies("alice").unwrap();
    let claims = cookies::get_saml_claims_expiration(Some(&jar))
        .unwrap()
        .unwrap();
    assert!((claims - (now() + 7200 + 1800)).abs() < 60, "{claims}");
    let until = cookies::get_session_expiration(Some(&jar)).unwrap();
    assert!((until - (now() + 7200 + 86_400)).abs() < 60, "{until}");
    // Past them by the emulator's clock, the claims have lapsed for the site too.
    site.advance_clock(Duration::from_mins(31));
    let token = cookies::get_session_id(Some(&jar)).unwrap();
    let response = client()
        .post(format!("{}/api3/json", site.url()))
        .body(find_one_body(&session(token.expose()), "alice").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
}

#[tokio::test]
async fn an_oxygen_round_goes_through_the_authorization_endpoint() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(5))
        .auth_method(SiteAuthMethod::Oxygen)
        .start()
        .unwrap();
    let jar = site.web_login_cookies("alice").unwrap();
    assert_eq!(
        cookies::get_saml_claims_expiration(Some(&jar)).unwrap(),
        None
    );
    assert!(cookies::has_unified_login_flow_info_in_cookies(Some(&jar)));
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&jar);
    let pages = browser.run(&renew_url(&site), 10).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [302, 302, 302, 200], "{:?}", trail(&pages));
    let authorize = pages[0].location.as_deref().unwrap();
    assert!(authorize.starts_with(&format!("{}/idp/authorize?", site.idp_url())));
    assert_eq!(
        query_param(authorize, "redirect_uri").unwrap(),
        format!("{}/auth/sso_callback", site.url())
    );
    let landing = pages.last().unwrap();
    assert!(
        landing
            .url
            .starts_with(&format!("{}/auth/landing", site.url()))
    );
    assert!(set_cookie(landing, "shotgun_current_session_expiration").is_some());
    assert!(set_cookie(landing, "shotgun_current_user_sso_claims_expiration").is_none());
    let stats = site.sso_stats();
    assert_eq!((stats.idp_codes, stats.callbacks_consumed), (1, 1));

    // Codes and states are single use.
    let callback = pages[1].location.clone().unwrap();
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, 403);
}

#[tokio::test]
async fn a_person_signs_in_at_the_identity_provider() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    let pages = browser.run(&renew_url(&site), 10).await;
    let login_page = pages.last().unwrap();
    assert_eq!(login_page.status, 200);
    assert!(
        login_page.body.contains("type=\"password\""),
        "{}",
        login_page.body
    );
    let (action, mut fields) = login_page.form().unwrap();
    assert_eq!(action, "/idp/login");
    let url = format!("{}{action}", site.idp_url());
    fields.push(("username".to_owned(), "alice".to_owned()));
    fields.push(("password".to_owned(), "wrong".to_owned()));
    assert_eq!(browser.post(&url, &fields).await.status, 401);
    fields.pop();
    fields.push(("password".to_owned(), "pw-Alice-1".to_owned()));
    let auto_post = browser.post(&url, &fields).await;
    assert_eq!(auto_post.status, 200);
    assert!(browser.cookie("localhost", "idp_session").is_some());
    let (acs, fields) = auto_post.form().unwrap();
    assert_eq!(acs, format!("{}/saml/saml_acs", site.url()));
    let consumed = browser.post(&acs, &fields).await;
    assert_eq!(consumed.status, 302);
    assert!(
        browser
            .get(consumed.location.as_deref().unwrap())
            .await
            .set_cookies
            .len()
            >= 6
    );
    assert_eq!(site.sso_stats().idp_person_logins, 1);

    // From now on the identity provider's session signs in without the person.
    let pages = browser.run(&renew_url(&site), 10).await;
    assert_eq!(pages.last().unwrap().status, 200);
    assert!(pages.last().unwrap().url.contains("/auth/landing"));
}

#[tokio::test]
async fn sites_without_sso_renew_from_their_session_or_show_their_login() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .start()
        .unwrap();
    let mut browser = Browser::for_site(&site);
    let page = browser.get(&renew_url(&site)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("type=\"password\""));
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let page = browser.get(&renew_url(&site)).await;
    assert_eq!(page.status, 302);
    assert_eq!(
        page.location.unwrap(),
        format!("{}/auth/landing", site.url())
    );
    // The SAML login has nothing to do here.
    assert_eq!(
        browser
            .get(&format!("{}/saml/saml_login_request", site.url()))
            .await
            .status,
        200
    );
}
