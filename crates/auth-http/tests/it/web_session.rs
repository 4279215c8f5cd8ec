//! Headless web-session renewal against small servers on loopback, under distinct host
//! names pinned to 127.0.0.1: the site (`site.studio.test`), an identity provider
//! (`idp.sso.test`) and a corporate login host (`login.studio.test`) that sets a legitimate
//! `.studio.test` domain cookie.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use tk_auth_core::cookies;
use tk_auth_http::{
    ClientOptions, HttpError, PersonPage, Secret, SiteClient, WebRenewalError, WebRenewalOptions,
};
use tk_auth_test_support::LogCapture;

use crate::support;
use crate::web_server::{Reply, Seen, WebServer};

const SITE: &str = "site.studio.test";
const IDP: &str = "idp.sso.test";
const LOGIN: &str = "login.studio.test";
const SAML_RESPONSE: &str = "PHNhbWxwOlJlc3BvbnNlPmNhbmFyeTwvc2FtbHA6UmVzcG9uc2U+saml-canary";

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn options() -> ClientOptions {
    support::options()
        .resolve(SITE, loopback())
        .resolve(IDP, loopback())
        .resolve(LOGIN, loopback())
        .product("rv")
}

fn client(server: &WebServer) -> SiteClient {
    SiteClient::new(&server.url(SITE, ""), options()).unwrap()
}

fn encode(lines: &[&str]) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(lines.join("\r\n")))
}

fn decoded(metadata: &Secret) -> Vec<String> {
    cookies::decode_cookies(Some(metadata.expose()))
        .expose()
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// The jar a browser login left: the site's session, the IdP's session.
fn stored_jar() -> Secret {
    encode(&[
        "_session_id=old-session-canary; HttpOnly; domain=site.studio.test; path=/",
        "csrf_token_u42=old-csrf-canary; domain=site.studio.test; path=/",
        "idp_session=idp-canary; HttpOnly; domain=idp.sso.test; path=/idp",
    ])
}

fn quick() -> WebRenewalOptions {
    WebRenewalOptions::default()
        .with_hop_timeout(Duration::from_secs(5))
        .with_overall_timeout(Duration::from_secs(15))
}

/// The self-posting page an IdP answers with (the pysaml2 shape).
fn post_form(action: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8" /></head>
<body onload="document.forms[0].submit()">
<noscript><p><strong>Note:</strong> Since your browser does not support JavaScript, you must press the Continue button once to proceed.</p></noscript>
<form action="{action}" method="post">
<input type="hidden" name="SAMLResponse" value="{SAML_RESPONSE}"/>
<input type="hidden" name="RelayState" value="relay&amp;canary"/>
<noscript><input type="submit" value="Continue"/></noscript>
</form></body></html>"#
    )
}

/// A site and IdP that renew when the IdP session is there; `idp_page` answers the IdP's
/// SSO request instead when given.
fn saml_world(
    acs: String,
    idp_page: Option<fn(&Seen) -> Reply>,
) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req: &Seen| match (req.host.as_str(), req.method.as_str(), req.path()) {
        (SITE, "GET", "/auth/renew") => Reply::redirect(302, "/saml/saml_login_request"),
        (SITE, "GET", "/saml/saml_login_request") => Reply::redirect(
            302,
            format!(
                "http://{IDP}:{}/idp/saml/sso?SAMLRequest=req-canary&RelayState=r",
                port_of(req)
            ),
        )
        .cookie("saml_pending=1; Path=/saml; HttpOnly"),
        (IDP, "GET", "/idp/saml/sso") => {
            if let Some(page) = idp_page {
                return page(req);
            }
            if req.cookie("idp_session").as_deref() != Some("idp-canary") {
                return Reply::html("<form method=post><input type=password name=p></form>");
            }
            Reply::redirect(
                303,
                format!("http://{LOGIN}:{}/sso/check?t=canary", port_of(req)),
            )
        }
        (LOGIN, "GET", "/sso/check") => Reply::redirect(
            302,
            format!("http://{IDP}:{}/idp/saml/continue", port_of(req)),
        )
        .cookie("corp=corp-canary; Domain=studio.test; Path=/"),
        (IDP, "GET", "/idp/saml/continue") => Reply::html(post_form(&acs))
            .cookie(format!("idp_tracker=t-canary; Domain={SITE}; Path=/")),
        (SITE, "POST", "/saml/saml_acs") => {
            let ok = req.body.contains("SAMLResponse=")
                && req.header("content-type") == Some("application/x-www-form-urlencoded")
                && req.cookie("corp").as_deref() == Some("corp-canary");
            if !ok {
                return Reply::status(403);
            }
            Reply::redirect(302, "/auth/landing")
                .cookie("_session_id=new-session-canary; Path=/; HttpOnly")
                .cookie("saml_pending=; Max-Age=0; Path=/saml")
        }
        (SITE, "GET", "/auth/landing") => {
            if req.cookie("_session_id").as_deref() != Some("new-session-canary") {
                return Reply::html("<p>no session</p>");
            }
            let expires = "Expires=Fri, 01 Jan 2100 00:00:00 GMT";
            Reply::html("<html><body>Welcome</body></html>")
                .cookie(format!("csrf_token_u42=new-csrf-canary; Path=/; {expires}"))
                .cookie(format!(
                    "shotgun_current_user_login=alice%40example.com; Path=/; {expires}"
                ))
                .cookie(format!(
                    "shotgun_current_session_expiration=4102444800; Path=/; {expires}"
                ))
                .cookie(format!(
                    "shotgun_current_user_sso_claims_expiration=4102444000; Path=/; {expires}"
                ))
        }
        _ => Reply::status(404),
    }
}

fn port_of(req: &Seen) -> String {
    req.header("host")
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default()
}

async fn saml_server(idp_page: Option<fn(&Seen) -> Reply>) -> WebServer {
    // The ACS address needs the port, known once the server listens: the handler reads it
    // from each request's Host header instead.
    WebServer::start(move |req: &Seen| {
        let acs = format!("http://{SITE}:{}/saml/saml_acs", port_of(req));
        saml_world(acs, idp_page)(req)
    })
    .await
}

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

async fn renew_error(server: &WebServer, options: &WebRenewalOptions) -> WebRenewalError {
    match client(server)
        .renew_web_session_with(&stored_jar(), options)
        .await
    {
        Err(HttpError::WebRenewal(err)) => {
            let text = format!("{err} {err:?}");
            assert!(!text.contains("canary"), "{text}");
            assert!(err.needs_person());
            err
        }
        other => panic!("expected a web renewal error, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn pages_that_need_a_person_stop_the_renewal_with_their_kind() {
    let cases: [(fn(&Seen) -> Reply, PersonPage); 3] = [
        (
            |_| Reply::html(include_str!("../fixtures/pages/idp_login.html")),
            PersonPage::LoginForm,
        ),
        (
            |_| Reply::html(include_str!("../fixtures/pages/idp_mfa.html")),
            PersonPage::SecondFactor,
        ),
        (
            |_| Reply::html(include_str!("../fixtures/pages/script_only.html")),
            PersonPage::ScriptOnly,
        ),
    ];
    for (page, expected) in cases {
        let server = saml_server(Some(page)).await;
        let err = renew_error(&server, &quick()).await;
        let port = server.address.port();
        assert_eq!(
            err,
            WebRenewalError::NeedsPerson {
                page: expected,
                at: format!("{IDP}:{port}/idp/saml/sso"),
                hops: 3,
            }
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_redirect_loop_is_refused() {
    let server = WebServer::start(|req: &Seen| match req.path() {
        "/auth/renew" => Reply::redirect(302, "/saml/saml_login_request?SAMLRequest=canary"),
        _ => Reply::redirect(302, "/auth/renew?product=rv"),
    })
    .await;
    let err = renew_error(&server, &quick()).await;
    let port = server.address.port();
    assert_eq!(
        err,
        WebRenewalError::RedirectLoop {
            at: format!("{SITE}:{port}/auth/renew"),
            hops: 2,
        }
    );
}

#[tokio::test(flavor = "current_thread")]
async fn too_many_hops_are_refused() {
    let server = WebServer::start(|req: &Seen| {
        let n: u32 = req.path().trim_start_matches("/hop/").parse().unwrap_or(0);
        Reply::redirect(307, format!("/hop/{}", n + 1))
    })
    .await;
    let err = renew_error(&server, &quick().with_max_hops(5)).await;
    assert_eq!(err, WebRenewalError::TooManyHops { hops: 5 });
    assert_eq!(server.seen().len(), 5);
}

#[tokio::test(flavor = "current_thread")]
async fn a_slow_identity_provider_times_out_within_the_bound() {
    let server = saml_server(Some(|_| {
        Reply::html("<p>late</p>").after(Duration::from_secs(30))
    }))
    .await;
    let started = Instant::now();
    let err = renew_error(
        &server,
        &quick().with_hop_timeout(Duration::from_millis(300)),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let port = server.address.port();
    assert_eq!(
        err,
        WebRenewalError::TimedOut {
            after: Duration::from_millis(300),
            at: format!("{IDP}:{port}/idp/saml/sso"),
            hops: 3,
        }
    );

    // The overall bound holds when each hop is within its own.
    let started = Instant::now();
    let err = renew_error(
        &server,
        &quick()
            .with_hop_timeout(Duration::from_secs(20))
            .with_overall_timeout(Duration::from_millis(400)),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(err, WebRenewalError::TimedOut { after, .. } if after == Duration::from_millis(400)),
        "{err:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn plain_http_to_a_host_that_is_not_this_computer_is_refused() {
    let server = WebServer::start(|_: &Seen| {
        Reply::redirect(
            302,
            "http://idp.example.com/idp/saml/sso?SAMLRequest=canary",
        )
    })
    .await;
    let err = renew_error(&server, &quick()).await;
    assert_eq!(
        err,
        WebRenewalError::InsecureHop {
            at: "idp.example.com/idp/saml/sso".into(),
            hops: 1,
        }
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_https_site_may_not_send_the_renewal_to_plain_http_elsewhere() {
    let ca = support::TestCa::new();
    let (chain, key) = ca.leaf(&[SITE]);
    let server = WebServer::start_tls(&chain, &key, |_: &Seen| {
        Reply::redirect(302, "http://login.example.com/sso?x=canary")
    })
    .await;
    let client = SiteClient::new(&server.url(SITE, ""), options().ca_file(&ca.ca_file)).unwrap();
    let jar = encode(&["_session_id=s-canary; secure; HttpOnly; domain=site.studio.test; path=/"]);
    let err = client
        .renew_web_session_with(&jar, &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            HttpError::WebRenewal(WebRenewalError::InsecureHop { at, hops: 1 })
                if at == "login.example.com/sso"
        ),
        "{err:?}"
    );
    // The secure cookie went to the https site.
    assert_eq!(server.seen()[0].cookie_names(), ["_session_id"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_landing_without_a_session_is_no_session() {
    let server = WebServer::start(|req: &Seen| match req.path() {
        "/auth/renew" => Reply::redirect(302, "/auth/landing"),
        _ => Reply::html("<p>hello</p>").cookie("_session_id=; Max-Age=0; Path=/"),
    })
    .await;
    let err = renew_error(&server, &quick()).await;
    let port = server.address.port();
    assert_eq!(
        err,
        WebRenewalError::NoSession {
            at: format!("{SITE}:{port}/auth/landing"),
            hops: 2,
        }
    );
}
