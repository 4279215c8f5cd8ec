//! Headless web-session renewal against small servers on loopback under distinct host
//! names (`web_world.rs`): a full round of redirects and a self-posting form to the site's
//! landing page, the renewed jar, where each cookie went, and what the logs show.

use tk_auth_core::cookies;
use tk_auth_http::SiteClient;
use tk_auth_test_support::LogCapture;

use crate::web_server::{Reply, Seen, WebServer};
use crate::web_world::{IDP, SITE, client, decoded, options, quick, saml_server, stored_jar};

#[tokio::test(flavor = "current_thread")]
async fn a_redirect_and_auto_post_round_reaches_the_landing_page() {
    let captured = LogCapture::new();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    // With a single dispatcher registered, tracing caches a call site's interest from the
    // thread that reaches it first, which may be another test's with no subscriber: a
    // second live dispatcher makes it ask every live one, so the hop logs surely show here.
    let _second = tracing::Dispatch::new(LogCapture::new().subscriber());
    let server = saml_server(None).await;
    let session = client(&server)
        .renew_web_session_with(&stored_jar(), &quick())
        .await
        .unwrap();

    assert_eq!(session.session_token.expose(), "new-session-canary");
    assert_eq!(session.claims_expiration, Some(4_102_444_000));
    assert_eq!(session.session_expiration, Some(4_102_444_800));
    assert_eq!(session.login.as_deref(), Some("alice@example.com"));
    assert_eq!(session.hops, 7);
    let lines = decoded(&session.metadata);
    assert_eq!(
        lines,
        [
            "_session_id=new-session-canary; HttpOnly; domain=site.studio.test; path=/",
            "csrf_token_u42=new-csrf-canary; expires=Fri, 01-Jan-2100 00:00:00 GMT; domain=site.studio.test; path=/",
            "idp_session=idp-canary; HttpOnly; domain=idp.sso.test; path=/idp",
            "corp=corp-canary; domain=.studio.test; path=/",
            "shotgun_current_user_login=alice%40example.com; expires=Fri, 01-Jan-2100 00:00:00 GMT; domain=site.studio.test; path=/",
            "shotgun_current_session_expiration=4102444800; expires=Fri, 01-Jan-2100 00:00:00 GMT; domain=site.studio.test; path=/",
            "shotgun_current_user_sso_claims_expiration=4102444000; expires=Fri, 01-Jan-2100 00:00:00 GMT; domain=site.studio.test; path=/",
        ]
    );
    // The renewed jar reads as the Python Toolkit's helpers read it.
    let jar = Some(session.metadata.expose());
    assert_eq!(
        cookies::get_session_id(jar).unwrap().expose(),
        "new-session-canary"
    );
    assert_eq!(
        cookies::get_csrf_token(jar).unwrap().unwrap().expose(),
        "new-csrf-canary"
    );
    assert_eq!(cookies::get_csrf_key(jar).unwrap(), "csrf_token_u42");

    let seen = server.seen();
    let route: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}{}", s.method, s.host, s.path()))
        .collect();
    assert_eq!(
        route,
        [
            "GET site.studio.test/auth/renew",
            "GET site.studio.test/saml/saml_login_request",
            "GET idp.sso.test/idp/saml/sso",
            "GET login.studio.test/sso/check",
            "GET idp.sso.test/idp/saml/continue",
            "POST site.studio.test/saml/saml_acs",
            "GET site.studio.test/auth/landing",
        ]
    );
    assert_eq!(seen[0].target, "/auth/renew?product=rv");
    // Each host got its own cookies only; the form went as a browser posts it.
    let mut first = seen[0].cookie_names();
    first.sort();
    assert_eq!(first, ["_session_id", "csrf_token_u42"]);
    assert_eq!(seen[2].cookie_names(), ["idp_session"]);
    assert!(seen[3].cookie_names().is_empty());
    let post = &seen[5];
    assert_eq!(post.header("origin"), Some(server.url(IDP, "").as_str()));
    assert_eq!(post.header("referer"), Some(server.url(IDP, "/").as_str()));
    assert!(
        post.body.contains("RelayState=relay%26canary"),
        "{}",
        post.body
    );
    for request in &seen {
        assert!(
            !request.cookie_names().contains(&"idp_tracker".to_owned()),
            "a cookie for the wrong domain reached {}",
            request.host
        );
        if request.host != IDP {
            assert!(request.cookie("idp_session").is_none());
        }
    }

    // Nothing secret in the logs or in Debug; the hops and cookie names are there.
    let logs = captured.text();
    assert!(
        logs.contains("saml_pending") && logs.contains("idp_tracker"),
        "{logs}"
    );
    assert!(!logs.contains("canary"), "{logs}");
    assert!(!logs.contains("SAMLRequest"), "{logs}");
    assert!(!format!("{session:?}").contains("canary"));
}

#[tokio::test(flavor = "current_thread")]
async fn the_sites_basic_credentials_go_to_the_site_only() {
    let server = saml_server(None).await;
    let url = server
        .url(SITE, "")
        .replace("://", "://proxyuser:basic-canary@");
    let client = SiteClient::new(&url, options()).unwrap();
    client
        .renew_web_session_with(&stored_jar(), &quick())
        .await
        .unwrap();
    for request in server.seen() {
        assert_eq!(
            request.header("authorization").is_some(),
            request.host == SITE,
            "{} {}",
            request.host,
            request.path()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn refreshes_and_method_keeping_redirects_are_followed_as_a_browser_follows_them() {
    let server = WebServer::start(|req: &Seen| {
        match (req.method.as_str(), req.path()) {
            ("GET", "/auth/renew") => Reply::html(
                "<meta http-equiv=refresh content=\"0; url=/saml/start?x=1&amp;y=2\">",
            ),
            ("GET", "/saml/start") => Reply::html(
                "<form method=post action=/saml/acs1><input type=hidden name=SAMLResponse value=r-canary></form>",
            ),
            ("POST", "/saml/acs1") => Reply::redirect(307, "/saml/acs2"),
            ("POST", "/saml/acs2") if req.body == "SAMLResponse=r-canary" => {
                Reply::redirect(302, "/auth/landing").cookie("_session_id=fresh-canary; Path=/")
            }
            ("GET", "/auth/landing") => Reply::html("<p>hi</p>"),
            _ => Reply::status(400),
        }
    })
    .await;
    let session = client(&server)
        .renew_web_session_with(&stored_jar(), &quick())
        .await
        .unwrap();
    assert_eq!(session.session_token.expose(), "fresh-canary");
    assert_eq!(session.hops, 5);
    let seen = server.seen();
    assert_eq!(seen[1].target, "/saml/start?x=1&y=2");
    let page = server.url(SITE, "/saml/start?x=1&y=2");
    // Within the site, the Referer is the whole page; the Origin goes with the posts.
    assert_eq!(seen[2].header("referer"), Some(page.as_str()));
    assert_eq!(
        seen[3].header("origin"),
        Some(server.url(SITE, "").as_str())
    );
    assert_eq!(seen[3].body, "SAMLResponse=r-canary");
    assert_eq!(seen[4].method, "GET");
}
