//! The renewal's walk: from the site's `/auth/renew` through redirects, self-posting forms
//! and refreshes, across hosts, until the site's `/auth/landing` — or a page that needs a
//! person, a loop, or a bound.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, LOCATION, ORIGIN, REFERER,
};
use reqwest::{Method, StatusCode};
use time::OffsetDateTime;
use tk_auth_core::cookies;
use url::Url;

use super::jar::WebJar;
use super::page::{self, Page};
use super::{PersonPage, WebRenewalError, WebRenewalOptions, WebSession};
use crate::env::{TK_SHOTGRID_DEFAULT_LOGIN, TK_SHOTGRID_SSO_DOMAIN};
use crate::transport::{Failure, Route};
use crate::{HttpError, SiteClient, plain_http, product_name};

/// What a browser says it accepts when it loads a page.
const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// Python's `quote_plus`: everything but letters, digits and `_.-~` is escaped.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The next request.
struct Hop {
    method: Method,
    url: Url,
    form: Option<Vec<(String, String)>>,
    /// The page that led here by a form or a refresh (redirects keep it).
    referrer: Option<Url>,
}

/// Host (and port) and path: how errors and logs name a place, never with its query.
pub(super) fn place(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}{}", url.path()),
        None => format!("{host}{}", url.path()),
    }
}

/// `<site>/auth/renew?product=…[&email=…][&sso_domain=…]`, as the Python Toolkit builds it.
pub(super) fn renew_url(
    client: &SiteClient,
    options: &WebRenewalOptions,
) -> Result<Url, HttpError> {
    let env = &client.inner().environment;
    let configured = options.product.clone().or_else(|| {
        client
            .inner()
            .extra_auth
            .extra
            .get("product")
            .and_then(|p| p.as_str())
            .map(str::to_owned)
    });
    let executable = std::env::current_exe().ok();
    let product = product_name(configured.as_deref(), env, executable.as_deref());
    let mut params = vec![("product", product)];
    if let Some(login) = env.var(TK_SHOTGRID_DEFAULT_LOGIN).filter(|v| !v.is_empty()) {
        tracing::debug!(login = %login, "renewing with the default login");
        params.push(("email", login));
    }
    if let Some(domain) = env.var(TK_SHOTGRID_SSO_DOMAIN) {
        let netloc = tk_auth_core::sanitize_http_proxy(&domain)
            .netloc()
            .to_owned();
        if !netloc.is_empty() {
            tracing::debug!(sso_domain = %netloc, "renewing with the SSO domain");
            params.push(("sso_domain", netloc));
        }
    }
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={}", quote_plus(v)))
        .collect::<Vec<_>>()
        .join("&");
    let text = format!("{}/auth/renew?{query}", client.site());
    Url::parse(&text).map_err(|_| HttpError::InvalidRequest {
        reason: "the site's renewal address cannot be built".into(),
    })
}

fn quote_plus(value: &str) -> String {
    utf8_percent_encode(value, QUOTE_PLUS)
        .to_string()
        .replace("%20", "+")
}

/// Walks from `start` until the landing page, with `jar`'s cookies.
pub(super) async fn walk(
    client: &SiteClient,
    mut jar: WebJar,
    start: Url,
    options: &WebRenewalOptions,
) -> Result<WebSession, HttpError> {
    let inner = client.inner();
    let http = inner
        .web_http
        .get_or_try_init(|| async { inner.recipe.build_web() })
        .await?;
    let landing = format!("{}/auth/landing", client.site());
    let started = Instant::now();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut hops = 0usize;
    let mut hop = Hop {
        method: Method::GET,
        url: start,
        form: None,
        referrer: None,
    };
    loop {
        let at = place(&hop.url);
        if hops >= options.max_hops {
            return Err(WebRenewalError::TooManyHops { hops }.into());
        }
        if !plain_http::hop_allowed(&hop.url, &inner.environment, &inner.recipe.pins) {
            return Err(WebRenewalError::InsecureHop { at, hops }.into());
        }
        if !seen.insert(fingerprint(&hop)) {
            return Err(WebRenewalError::RedirectLoop { at, hops }.into());
        }
        let elapsed = started.elapsed();
        let Some(left) = options.overall_timeout.checked_sub(elapsed) else {
            return Err(timed_out(options.overall_timeout, at, hops));
        };
        let (budget, limit) = if left < options.hop_timeout {
            (left, options.overall_timeout)
        } else {
            (options.hop_timeout, options.hop_timeout)
        };
        let request = build_request(client, http, &jar, &hop)?;
        // Errors name the hop's origin (scheme, host, port), never its path or query.
        let label = hop.url.origin().ascii_serialization();
        let host = hop.url.host_str().unwrap_or_default().to_owned();
        let route = Route {
            site: &label,
            host: &host,
            proxy: inner.transport.proxy.as_ref(),
            timeout: budget,
        };
        let read = inner.transport.read_routed(request, &route);
        let answer = match tokio::time::timeout(budget, read).await {
            Err(_) => return Err(timed_out(limit, at, hops + 1)),
            Ok(Ok(answer)) => answer,
            Ok(Err(Failure::Fatal(HttpError::Timeout { .. }))) => {
                return Err(timed_out(limit, at, hops + 1));
            }
            Ok(Err(Failure::Fatal(e))) => return Err(e),
            Ok(Err(Failure::Dropped(source))) => {
                return Err(HttpError::ConnectionDropped {
                    site: label,
                    attempts: 1,
                    source: Box::new(source),
                });
            }
        };
        hops += 1;
        let set = jar.store_answer(&hop.url, &answer.headers);
        tracing::debug!(
            hop = hops,
            method = %hop.method,
            at = %at,
            status = answer.status.as_u16(),
            cookies_set = %set.join(","),
            "web session renewal"
        );
        if hop.url.as_str().starts_with(&landing) {
            return finish(&jar, &at, hops);
        }
        hop = next(hop, answer.status, &answer.headers, &answer.body, &at, hops)?;
    }
}

fn timed_out(after: std::time::Duration, at: String, hops: usize) -> HttpError {
    WebRenewalError::TimedOut { after, at, hops }.into()
}

/// The same request twice (method, address, form) is a loop; only a hash is kept.
fn fingerprint(hop: &Hop) -> u64 {
    let mut hasher = DefaultHasher::new();
    hop.method.as_str().hash(&mut hasher);
    let mut url = hop.url.clone();
    url.set_fragment(None);
    url.as_str().hash(&mut hasher);
    hop.form.hash(&mut hasher);
    hasher.finish()
}

fn build_request(
    client: &SiteClient,
    http: &reqwest::Client,
    jar: &WebJar,
    hop: &Hop,
) -> Result<reqwest::RequestBuilder, HttpError> {
    let mut url = hop.url.clone();
    url.set_fragment(None);
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_HTML));
    if let Some(cookie) = jar.header_for(&url) {
        let mut value = HeaderValue::from_bytes(cookie.expose().as_bytes()).map_err(|_| {
            HttpError::InvalidRequest {
                reason: "a stored cookie cannot be sent in a header".into(),
            }
        })?;
        value.set_sensitive(true);
        headers.insert(COOKIE, value);
    }
    // The site's own Basic credentials (`user:password@` in its URL) go to the site only.
    let site_origin = client.inner().transport.api_url.origin();
    if url.origin() == site_origin
        && let Some(basic) = client.site().authorization()
        && let Ok(mut value) = HeaderValue::from_str(basic.expose())
    {
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    if let Some(referrer) = hop.referrer.as_ref().and_then(|r| referer_for(r, &url)) {
        headers.insert(REFERER, referrer);
    }
    let mut request = http.request(hop.method.clone(), url);
    if let Some(form) = &hop.form {
        if let Some(origin) = hop
            .referrer
            .as_ref()
            .map(|r| r.origin().ascii_serialization())
            && let Ok(value) = HeaderValue::from_str(&origin)
        {
            headers.insert(ORIGIN, value);
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        request = request.body(body);
    }
    Ok(request.headers(headers))
}

/// The `Referer` a browser sends by default (`strict-origin-when-cross-origin`): the page
/// within its origin, only the origin across origins, nothing from https to http.
fn referer_for(referrer: &Url, target: &Url) -> Option<HeaderValue> {
    if referrer.scheme() == "https" && target.scheme() != "https" {
        return None;
    }
    let text = if referrer.origin() == target.origin() {
        let mut page = referrer.clone();
        page.set_fragment(None);
        let _ = page.set_username("");
        let _ = page.set_password(None);
        page.to_string()
    } else {
        format!("{}/", referrer.origin().ascii_serialization())
    };
    HeaderValue::from_str(&text).ok()
}

/// Where an answer sends the renewal next.
fn next(
    hop: Hop,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    at: &str,
    hops: usize,
) -> Result<Hop, HttpError> {
    let person = |page: PersonPage| -> HttpError {
        WebRenewalError::NeedsPerson {
            page,
            at: at.to_owned(),
            hops,
        }
        .into()
    };
    let code = status.as_u16();
    if matches!(code, 301 | 302 | 303 | 307 | 308) {
        let target = headers
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| hop.url.join(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| person(PersonPage::Unrecognised))?;
        let to_get = code == 303 || (matches!(code, 301 | 302) && hop.method == Method::POST);
        let (method, form) = if to_get && hop.method != Method::HEAD {
            (Method::GET, None)
        } else {
            (hop.method, hop.form)
        };
        return Ok(Hop {
            method,
            url: target,
            form,
            referrer: hop.referrer,
        });
    }
    if status.is_server_error() {
        return Err(HttpError::SiteUnavailable {
            site: at.to_owned(),
            status: code,
            message: status.canonical_reason().unwrap_or("server error").into(),
        });
    }
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_none_or(|c| c.to_ascii_lowercase().contains("html"));
    if !is_html {
        return Err(person(PersonPage::Unrecognised));
    }
    let html = String::from_utf8_lossy(body);
    match page::classify(&html, &hop.url) {
        Page::Person(page) => Err(person(page)),
        _ if !status.is_success() => Err(person(PersonPage::Unrecognised)),
        Page::AutoPost { action, fields } => Ok(Hop {
            method: Method::POST,
            url: action,
            form: Some(fields),
            referrer: Some(hop.url),
        }),
        Page::Refresh(url) => Ok(Hop {
            method: Method::GET,
            url,
            form: None,
            referrer: Some(hop.url),
        }),
    }
}

/// The landing page was fetched: the jar holds the new session.
fn finish(jar: &WebJar, at: &str, hops: usize) -> Result<WebSession, HttpError> {
    let metadata = jar.to_metadata(OffsetDateTime::now_utc());
    let encoded = Some(metadata.expose());
    let session_expiration = cookies::get_session_expiration(encoded);
    let Some(session_token) = cookies::get_session_id(encoded).filter(|t| !t.is_empty()) else {
        return Err(WebRenewalError::NoSession {
            at: at.to_owned(),
            hops,
        }
        .into());
    };
    let claims_expiration = cookies::get_saml_claims_expiration(encoded).unwrap_or_else(|e| {
        tracing::warn!("the renewed cookies hold no single claims expiration: {e}");
        None
    });
    let login = cookies::get_user_name(encoded).unwrap_or_else(|e| {
        tracing::warn!("the renewed cookies hold no single login: {e}");
        None
    });
    Ok(WebSession {
        session_token,
        metadata,
        claims_expiration,
        session_expiration,
        login,
        hops,
    })
}
