//! The world of the web-session renewal tests: a site (`site.studio.test`), an identity
//! provider (`idp.sso.test`) and a corporate login host (`login.studio.test`, which sets a
//! legitimate `.studio.test` domain cookie), all on one loopback server under names pinned
//! to 127.0.0.1.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use tk_auth_core::cookies;
use tk_auth_http::{
    ClientOptions, HttpError, Secret, SiteClient, WebRenewalError, WebRenewalOptions,
};

use crate::support;
use crate::web_server::{Reply, Seen, WebServer};

pub(crate) const SITE: &str = "site.studio.test";
pub(crate) const IDP: &str = "idp.sso.test";
pub(crate) const LOGIN: &str = "login.studio.test";
pub(crate) const SAML_RESPONSE: &str =
    "PHNhbWxwOlJlc3BvbnNlPmNhbmFyeTwvc2FtbHA6UmVzcG9uc2U+saml-canary";

pub(crate) fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub(crate) fn options() -> ClientOptions {
    support::options()
        .resolve(SITE, loopback())
        .resolve(IDP, loopback())
        .resolve(LOGIN, loopback())
        .product("rv")
}

pub(crate) fn client(server: &WebServer) -> SiteClient {
    SiteClient::new(&server.url(SITE, ""), options()).unwrap()
}

pub(crate) fn encode(lines: &[&str]) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(lines.join("\r\n")))
}

pub(crate) fn decoded(metadata: &Secret) -> Vec<String> {
    cookies::decode_cookies(Some(metadata.expose()))
        .expose()
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// The jar a browser login left: the site's session, the identity provider's.
pub(crate) fn stored_jar() -> Secret {
    encode(&[
        "_session_id=old-session-canary; HttpOnly; domain=site.studio.test; path=/",
        "csrf_token_u42=old-csrf-canary; domain=site.studio.test; path=/",
        "idp_session=idp-canary; HttpOnly; domain=idp.sso.test; path=/idp",
    ])
}

pub(crate) fn quick() -> WebRenewalOptions {
    WebRenewalOptions::default()
        .with_hop_timeout(Duration::from_secs(5))
        .with_overall_timeout(Duration::from_secs(15))
}

/// The self-posting page an identity provider answers with (the pysaml2 shape).
pub(crate) fn post_form(action: &str) -> String {
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

/// A site and identity provider that renew when the identity provider's session is there;
/// `idp_page` answers its SSO request instead when given.
pub(crate) fn saml_world(
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

pub(crate) fn port_of(req: &Seen) -> String {
    req.header("host")
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default()
}

pub(crate) async fn saml_server(idp_page: Option<fn(&Seen) -> Reply>) -> WebServer {
    // The ACS address needs the port, known once the server listens: the handler reads it
    // from each request's Host header instead.
    WebServer::start(move |req: &Seen| {
        let acs = format!("http://{SITE}:{}/saml/saml_acs", port_of(req));
        saml_world(acs, idp_page)(req)
    })
    .await
}

/// The renewal's error, checked to name no secret and to ask for a person.
pub(crate) async fn renew_error(
    server: &WebServer,
    options: &WebRenewalOptions,
) -> WebRenewalError {
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
