//! Where a web-session renewal stops: pages that need a person, loops, too many hops, slow
//! servers, plain http, a landing without a session, answers over the size limit.

use std::time::{Duration, Instant};

use tk_auth_http::{HttpError, PersonPage, SiteClient, WebRenewalError};

use crate::support;
use crate::web_server::{Reply, Seen, WebServer};
use crate::web_world::{IDP, SITE, encode, options, quick, renew_error, saml_server, stored_jar};

#[tokio::test(flavor = "current_thread")]
async fn pages_that_need_a_person_stop_the_renewal_with_their_kind() {
    type Page = fn(&Seen) -> Reply;
    let cases: [(Page, PersonPage); 3] = [
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

#[tokio::test(flavor = "current_thread")]
async fn answers_are_read_within_the_size_limit() {
    let server = WebServer::start(|_: &Seen| Reply::html("x".repeat(10_000))).await;
    let client =
        SiteClient::new(&server.url(SITE, ""), options().max_response_bytes(1_000)).unwrap();
    let err = client
        .renew_web_session_with(&stored_jar(), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::ResponseTooLarge { limit: 1_000, .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_hop_that_fails_on_the_network_keeps_its_query_out_of_the_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = WebServer::start(move |_: &Seen| {
        Reply::redirect(
            302,
            format!("http://{IDP}:{closed}/auth/sso_callback?code=code-canary&state=s"),
        )
    })
    .await;
    let err = SiteClient::new(&server.url(SITE, ""), options())
        .unwrap()
        .renew_web_session_with(&stored_jar(), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::ConnectionRefused { .. }),
        "{err:?}"
    );
    // Message, Debug and every source: the hop's origin only.
    let text = support::full_text(&err);
    assert!(
        !text.contains("canary") && !text.contains("code="),
        "{text}"
    );
    assert!(text.contains(&format!("{IDP}:{closed}")), "{text}");
}
