//! Single sign-on without a browser engine's help: the site's SAML and Unified Login Flow
//! routes (`/auth/renew`, `/saml/…`, `/auth/sso_callback`, `/auth/landing`) and a minimal
//! identity provider under `/idp/` on the same listener, reached by another host name.

pub(crate) mod control;
mod cookies;
mod dates;
mod handle;
mod idp;
mod pages;
mod saml;
mod site;
mod state;

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header};

use crate::state::Shared;

pub use state::SsoStats;
pub(crate) use state::{SsoConfig, SsoState, Switches};

/// Where the identity provider's routes live.
pub(crate) const IDP_PREFIX: &str = "/idp/";

/// A request as the SSO routes read it.
pub(crate) struct SsoRequest<'a> {
    pub(crate) method: &'a http::Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    /// The `Cookie` header (empty when none was sent).
    pub(crate) cookie: &'a str,
    pub(crate) body: &'a [u8],
}

impl SsoRequest<'_> {
    /// A query parameter, URL-decoded.
    fn query_param(&self, name: &str) -> Option<String> {
        param(self.query.as_bytes(), name)
    }

    /// A form field of a URL-encoded body.
    fn form_param(&self, name: &str) -> Option<String> {
        param(self.body, name)
    }
}

fn param(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// An SSO route's answer.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
}

impl Reply {
    fn html(status: StatusCode, body: String) -> Self {
        Self {
            status,
            location: None,
            set_cookies: Vec::new(),
            content_type: "text/html; charset=utf-8",
            body,
        }
    }

    fn redirect(location: String) -> Self {
        let body = format!(
            "<html><body>You are being <a href=\"{}\">redirected</a>.</body></html>",
            crate::launcher::escape(&location)
        );
        Self {
            location: Some(location),
            ..Self::html(StatusCode::FOUND, body)
        }
    }

    fn with_cookie(mut self, cookie: &cookies::Cookie) -> Self {
        self.set_cookies.push(cookie.set_cookie());
        self
    }
}

/// The site's and the identity provider's base URLs.
pub(crate) struct Urls {
    /// The site URL (`http://127.0.0.1:port`).
    pub(crate) site: String,
    /// The site URL's host.
    pub(crate) site_host: String,
    /// The identity provider's base URL (`http://localhost:port`).
    pub(crate) idp: String,
    /// The identity provider's host.
    pub(crate) idp_host: String,
    /// Whether cookies are `secure` (an https site).
    pub(crate) secure: bool,
}

impl Urls {
    pub(crate) fn of(shared: &Shared) -> Self {
        let site = shared.url.clone();
        let (scheme, authority) = site.split_once("://").unwrap_or(("http", &site));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, Some(p)),
            _ => (authority, None),
        };
        let idp_host = shared
            .settings
            .sso
            .idp_host
            .clone()
            .unwrap_or_else(|| default_idp_host(host).to_owned());
        let idp = match port {
            Some(port) => format!("{scheme}://{idp_host}:{port}"),
            None => format!("{scheme}://{idp_host}"),
        };
        Self {
            site_host: host.to_owned(),
            secure: scheme == "https",
            site,
            idp,
            idp_host,
        }
    }

    /// The SP entity id, also the Unified Login Flow client id: `<site>/saml/metadata`.
    pub(crate) fn entity_id(&self) -> String {
        format!("{}{}", self.site, site::METADATA_PATH)
    }

    /// The assertion consumer: `<site>/saml/saml_acs`.
    pub(crate) fn acs(&self) -> String {
        format!("{}{}", self.site, site::ACS_PATH)
    }

    /// Where the site sends `AuthnRequests`: an external identity provider or its own.
    pub(crate) fn idp_sso(&self, shared: &Shared) -> String {
        shared
            .settings
            .sso
            .identity_provider
            .clone()
            .unwrap_or_else(|| format!("{}{}", self.idp, idp::SSO_PATH))
    }
}

/// A host name other than the site's: `localhost` for `127.0.0.1`, else `127.0.0.1`.
fn default_idp_host(site_host: &str) -> &'static str {
    if site_host == "127.0.0.1" {
        "localhost"
    } else {
        "127.0.0.1"
    }
}

/// Whether `path` is one of the SSO routes (the site's or the identity provider's).
pub(crate) fn is_sso_path(path: &str) -> bool {
    path.starts_with(IDP_PREFIX) || site::PATHS.contains(&path)
}

/// How long identity-provider answers wait first (the slow-IdP switch), for `path`.
fn delay_for(shared: &Shared, path: &str) -> std::time::Duration {
    if path.starts_with(IDP_PREFIX) {
        shared.state().sso.switches.delay
    } else {
        std::time::Duration::ZERO
    }
}

/// Records the names of the cookies a request to the site (not to the identity provider)
/// carried.
pub(crate) fn record_cookie_names(shared: &Shared, path: &str, cookie: &str) {
    if cookie.is_empty() || path.starts_with(IDP_PREFIX) {
        return;
    }
    let mut state = shared.state();
    for (name, _) in cookies::names_and_values(cookie) {
        if !state.sso.cookies_received.contains(name) {
            state.sso.cookies_received.insert(name.to_owned());
        }
    }
}

/// Answers an SSO route (`is_sso_path`): records the cookie names the site received, waits
/// as long as the slow-IdP switch says, and writes each cookie as its own `Set-Cookie`.
pub(crate) async fn respond(shared: &Shared, request: &SsoRequest<'_>) -> Response<Body> {
    record_cookie_names(shared, request.path, request.cookie);
    let delay = delay_for(shared, request.path);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let reply = handle(shared, request);
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(location) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    for cookie in reply.set_cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The answer of an SSO route.
fn handle(shared: &Shared, request: &SsoRequest<'_>) -> Reply {
    let urls = Urls::of(shared);
    if request.path.starts_with(IDP_PREFIX) {
        let mut reply = idp::handle(shared, &urls, request);
        if shared.state().sso.switches.foreign_cookie {
            let tracker = cookies::Cookie::new("idp_tracker", shared.random_hex(), urls.secure)
                .domain(urls.site_host.clone());
            reply = reply.with_cookie(&tracker);
        }
        reply
    } else {
        site::handle(shared, &urls, request)
    }
}
