//! The browser-like cookie jar of a web-session renewal, read from and written back to the
//! session metadata as the Python Toolkit stores it.
//!
//! The metadata is base64 of Qt's `QNetworkCookie::toRawForm()` lines joined by CRLF:
//! `name=value; secure; HttpOnly; expires=Thu, 01-Jan-2026 00:00:00 GMT; domain=host; path=/`.
//! A `domain=` with a leading dot is a domain cookie (sent to subdomains too), one without is
//! host-only; a line with no `domain=` belongs to the site. Cookies of every domain are read
//! (the identity provider's included) and written back: the lines in their order, a cookie
//! the renewal did not change as it was, a changed one rewritten in place, new ones after,
//! expired ones dropped. A line that is not a cookie is kept as it was.
//!
//! Between the two, the rules of RFC 6265 (domain-match, host-only, path, secure, expiry,
//! max-age) are the `cookie_store` crate's. On top of them a `Domain` attribute that is a
//! single label (`test`, `com`), other than the answering host itself, is refused: without a
//! public-suffix list, that is the one suffix every name shares.

use base64::Engine;
use cookie_store::{Cookie, CookieDomain, CookieStore, RawCookie};
use reqwest::header::{HeaderMap, SET_COOKIE};
use time::OffsetDateTime;
use time::macros::format_description;
use tk_auth_core::Secret;
use url::Url;

/// A cookie's place in the store: domain (as the store keys it), path and name.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    domain: String,
    path: String,
    name: String,
}

impl Key {
    fn of(cookie: &Cookie<'_>) -> Self {
        Self {
            domain: String::from(&cookie.domain),
            path: String::from(&cookie.path),
            name: cookie.name().to_owned(),
        }
    }
}

/// A stored line: its text, and the cookie it held as read (`None`: not a cookie).
struct Line {
    text: String,
    loaded: Option<(Key, Cookie<'static>)>,
}

/// The jar: the stored lines, the live store, and the cookies the renewal added.
pub(crate) struct WebJar {
    lines: Vec<Line>,
    store: CookieStore,
    added: Vec<Key>,
}

impl WebJar {
    /// Reads the encoded jar; `site_host` owns lines without a `domain=`. Cookies expired at
    /// `now` are dropped.
    pub(crate) fn load(metadata: &Secret, site_host: &str, now: OffsetDateTime) -> Self {
        let text = tk_auth_core::cookies::decode_cookies(Some(metadata.expose()));
        let mut lines: Vec<Line> = Vec::new();
        for raw_line in text.expose().split('\n') {
            let line = raw_line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            match stored_cookie(line, site_host) {
                Some(cookie) if cookie.expires_by(&now) => {}
                Some(cookie) => {
                    let key = Key::of(&cookie);
                    // The same cookie twice: the later line wins, as when a browser reads it.
                    lines.retain(|l| l.loaded.as_ref().is_none_or(|(k, _)| *k != key));
                    lines.push(Line {
                        text: line.to_owned(),
                        loaded: Some((key, cookie)),
                    });
                }
                None => lines.push(Line {
                    text: line.to_owned(),
                    loaded: None,
                }),
            }
        }
        let cookies = lines
            .iter()
            .filter_map(|l| l.loaded.as_ref().map(|(_, c)| Ok::<_, ()>(c.clone())));
        let store = CookieStore::from_cookies(cookies, true).unwrap_or_default();
        Self {
            lines,
            store,
            added: Vec::new(),
        }
    }

    /// Whether the jar holds no cookie at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.store.iter_unexpired().next().is_none()
    }

    /// The `Cookie` header for a request to `url`, if any cookie goes there.
    pub(crate) fn header_for(&self, url: &Url) -> Option<Secret> {
        // A pair a header cannot carry (control characters) is left out rather than failing
        // the renewal.
        let fits = |text: &str| text.bytes().all(|b| (b >= 0x20 || b == b'\t') && b != 0x7f);
        let pairs: Vec<String> = self
            .store
            .get_request_values(url)
            .filter(|(name, value)| fits(name) && fits(value))
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        (!pairs.is_empty()).then(|| Secret::new(pairs.join("; ")))
    }

    /// Stores the cookies an answer from `url` sets; returns the names stored (for the log)
    /// and logs those refused, by name only.
    pub(crate) fn store_answer(&mut self, url: &Url, headers: &HeaderMap) -> Vec<String> {
        let mut stored = Vec::new();
        for value in headers.get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else {
                tracing::debug!(
                    host = url.host_str(),
                    "ignoring a Set-Cookie that is not text"
                );
                continue;
            };
            let Ok(mut raw) = RawCookie::parse(text.to_owned()) else {
                tracing::debug!(host = url.host_str(), "ignoring an unreadable Set-Cookie");
                continue;
            };
            if let Err(reason) = check_domain(&mut raw, url) {
                tracing::warn!(
                    cookie = raw.name(),
                    host = url.host_str(),
                    "refusing a cookie: {reason}"
                );
                continue;
            }
            let name = raw.name().to_owned();
            // `insert`, not `store_response_cookies`: the latter logs the values of cookies
            // not marked secure (through `log`).
            match Cookie::try_from_raw_cookie(&raw, url) {
                Ok(cookie) => {
                    let key = Key::of(&cookie);
                    match self.store.insert(cookie.into_owned(), url) {
                        Ok(_) => {
                            let known = self.added.contains(&key)
                                || self
                                    .lines
                                    .iter()
                                    .any(|l| l.loaded.as_ref().is_some_and(|(k, _)| *k == key));
                            if !known {
                                self.added.push(key);
                            }
                            stored.push(name);
                        }
                        // An expired cookie with nothing to expire: nothing to keep.
                        Err(cookie_store::CookieError::Expired) => stored.push(name),
                        Err(e) => {
                            tracing::warn!(cookie = %name, host = url.host_str(), "refusing a cookie: {e}");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(cookie = %name, host = url.host_str(), "refusing a cookie: {e}");
                }
            }
        }
        stored
    }

    /// The jar encoded as the session metadata: base64 of the CRLF-joined lines.
    pub(crate) fn to_metadata(&self, now: OffsetDateTime) -> Secret {
        let live = |key: &Key| {
            self.store
                .get_any(&key.domain, &key.path, &key.name)
                .filter(|c| !c.expires_by(&now))
        };
        let mut out: Vec<String> = Vec::new();
        for line in &self.lines {
            match &line.loaded {
                None => out.push(line.text.clone()),
                Some((key, loaded)) => match live(key) {
                    None => {}
                    Some(current) if current == loaded => out.push(line.text.clone()),
                    Some(current) => out.push(qt_raw_form(current)),
                },
            }
        }
        out.extend(self.added.iter().filter_map(live).map(qt_raw_form));
        Secret::new(base64::engine::general_purpose::STANDARD.encode(out.join("\r\n")))
    }
}

/// A stored line as a cookie of the store, or `None` when it is not one.
fn stored_cookie(line: &str, site_host: &str) -> Option<Cookie<'static>> {
    let mut raw = RawCookie::parse(line.to_owned()).ok()?;
    let domain = stored_domain(line);
    let (host, domain_cookie) = match domain.as_deref() {
        Some(d) if d.starts_with('.') => (d.trim_start_matches('.').to_owned(), true),
        Some(d) if !d.is_empty() => (d.to_owned(), false),
        _ => (site_host.to_owned(), false),
    };
    if !domain_cookie {
        raw.unset_domain();
    }
    let bracketed = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let url = Url::parse(&format!("https://{bracketed}/")).ok()?;
    Cookie::try_from_raw_cookie(&raw, &url)
        .ok()
        .map(Cookie::into_owned)
}

/// The `domain=` attribute of a stored line as written (leading dot kept).
fn stored_domain(line: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|attribute| {
        let (name, value) = attribute.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("domain")
            .then(|| value.trim().to_ascii_lowercase())
    })
}

/// RFC 6265's check of a `Domain` attribute from `url`'s answer, plus the single-label
/// rule; a single label equal to the host makes a host-only cookie (RFC 6265 §5.3 step 5).
fn check_domain(raw: &mut RawCookie<'static>, url: &Url) -> Result<(), &'static str> {
    let Some(domain) = raw
        .domain()
        .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
    else {
        return Ok(());
    };
    if domain.is_empty() {
        raw.unset_domain();
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !domain.contains('.') {
        if domain == host {
            raw.unset_domain();
            return Ok(());
        }
        return Err("its Domain is a single label");
    }
    let matches = host == domain
        || (matches!(url.host(), Some(url::Host::Domain(_)))
            && host.ends_with(&format!(".{domain}")));
    if matches {
        Ok(())
    } else {
        Err("its Domain does not match the host that set it")
    }
}

/// `QNetworkCookie::toRawForm()`: `name=value; secure; HttpOnly; expires=…; domain=…; path=…`.
fn qt_raw_form(cookie: &Cookie<'_>) -> String {
    let mut text = format!("{}={}", cookie.name(), cookie.value());
    if cookie.secure() == Some(true) {
        text.push_str("; secure");
    }
    if cookie.http_only() == Some(true) {
        text.push_str("; HttpOnly");
    }
    if let cookie_store::CookieExpiration::AtUtc(at) = &cookie.expires {
        let format = format_description!(
            "[weekday repr:short], [day]-[month repr:short]-[year] [hour]:[minute]:[second] GMT"
        );
        if let Ok(date) = at.to_offset(time::UtcOffset::UTC).format(&format) {
            text.push_str("; expires=");
            text.push_str(&date);
        }
    }
    match &cookie.domain {
        CookieDomain::HostOnly(host) => {
            text.push_str("; domain=");
            text.push_str(host);
        }
        CookieDomain::Suffix(suffix) => {
            text.push_str("; domain=.");
            text.push_str(suffix);
        }
        CookieDomain::NotPresent | CookieDomain::Empty => {}
    }
    text.push_str("; path=");
    text.push_str(&String::from(&cookie.path));
    text
}

#[cfg(test)]
#[path = "jar_tests.rs"]
mod tests;
