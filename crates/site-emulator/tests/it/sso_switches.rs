//! Each single sign-on switch gives its documented outcome.

use std::time::{Duration, Instant};

use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use crate::sso::saml_site;
use crate::sso_browser::{Browser, trail};

fn renew(site: &SiteEmulator) -> String {
    format!("{}/auth/renew?product=tk-auth", site.url())
}

#[tokio::test]
async fn expired_idp_sessions_need_a_person() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    assert_eq!(site.expire_idp_sessions(), 1);
    let pages = browser.run(&renew(&site), 10).await;
    let last = pages.last().unwrap();
    assert!(last.url.contains("/idp/saml/sso"), "{:?}", trail(&pages));
    assert_eq!(last.status, 200);
    assert!(last.body.contains("type=\"password\"") && last.body.contains("action=\"/idp/login\""));
    assert_eq!(site.sso_stats().assertions_consumed, 0);
}

#[tokio::test]
async fn the_identity_provider_can_ask_for_a_one_time_code() {
    let site = saml_site();
    site.idp_require_mfa(true);
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let pages = browser.run(&renew(&site), 10).await;
    let page = pages.last().unwrap();
    assert!(page.url.contains("/idp/saml/sso"));
    assert!(
        page.body
            .contains("name=\"otp\" autocomplete=\"one-time-code\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("type=\"password\""));
    // A session started with the switch on asks too: sign in, then the code.
    site.expire_idp_sessions();
    let mut person = Browser::for_site(&site);
    let login = person.run(&renew(&site), 10).await.pop().unwrap();
    let (_, mut fields) = login.form().unwrap();
    fields.extend(
        [("username", "alice"), ("password", "pw-Alice-1")]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let url = format!("{}/idp/login", site.idp_url());
    let code_page = person.post(&url, &fields).await;
    assert!(code_page.body.contains("one-time-code"));
    let (_, mut fields) = code_page.form().unwrap();
    fields.push(("otp".to_owned(), "12345x".to_owned()));
    assert_eq!(person.post(&url, &fields).await.status, 401);
    fields.pop();
    fields.push(("otp".to_owned(), "123456".to_owned()));
    let auto_post = person.post(&url, &fields).await;
    assert!(
        auto_post.body.contains("SAMLResponse"),
        "{}",
        auto_post.body
    );
    // With the switch off, the person's session signs in alone again.
    site.idp_require_mfa(false);
    let pages = person.run(&renew(&site), 10).await;
    assert!(pages.last().unwrap().url.contains("/auth/landing"));
}

#[tokio::test]
async fn a_slow_identity_provider_answers_late() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .idp_delay(Duration::from_millis(700))
        .start()
        .unwrap();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let started = Instant::now();
    let pages = browser.run(&renew(&site), 10).await;
    assert!(pages.last().unwrap().url.contains("/auth/landing"));
    assert!(
        started.elapsed() >= Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
    site.idp_delay(Duration::ZERO);
    let started = Instant::now();
    browser.run(&renew(&site), 10).await;
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn the_redirect_loop_never_ends() {
    let site = saml_site();
    site.sso_redirect_loop(true);
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let pages = browser.run(&renew(&site), 25).await;
    assert_eq!(pages.len(), 25);
    assert!(pages.iter().all(|p| p.status == 302), "{:?}", trail(&pages));
    let paths: Vec<String> = trail(&pages).into_iter().take(3).collect();
    assert_eq!(
        paths,
        [
            "302 127.0.0.1/auth/renew",
            "302 127.0.0.1/saml/saml_login_request",
            "302 127.0.0.1/auth/renew"
        ]
    );
    site.sso_redirect_loop(false);
    assert!(
        browser
            .run(&renew(&site), 10)
            .await
            .last()
            .unwrap()
            .url
            .contains("/auth/landing")
    );
}

#[tokio::test]
async fn a_cookie_for_the_sites_domain_from_the_idp_is_refused_and_never_reaches_the_site() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .idp_foreign_cookie(true)
        .start()
        .unwrap();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let pages = browser.run(&renew(&site), 10).await;
    assert!(pages.last().unwrap().url.contains("/auth/landing"));
    let idp_page = pages.iter().find(|p| p.url.contains("/idp/")).unwrap();
    let tracker = idp_page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("idp_tracker="))
        .unwrap();
    assert!(tracker.contains("; Domain=127.0.0.1"), "{tracker}");
    assert_eq!(browser.refused, ["localhost: idp_tracker"]);
    let received = site.sso_cookie_names_received();
    assert!(received.contains(&"_session_id".to_owned()), "{received:?}");
    assert!(
        !received.contains(&"idp_tracker".to_owned()),
        "{received:?}"
    );
    assert!(
        !received.contains(&"idp_session".to_owned()),
        "{received:?}"
    );

    // A careless client that sends it is recorded.
    crate::client()
        .get(format!("{}/auth/landing", site.url()))
        .header("cookie", "idp_tracker=1")
        .send()
        .await
        .unwrap();
    assert!(
        site.sso_cookie_names_received()
            .contains(&"idp_tracker".to_owned())
    );
}
