//! Cookies both ways: reading a request's `Cookie` header, writing `Set-Cookie` headers, and
//! writing a jar as Python Toolkit stores it (Qt's raw cookie form, CRLF-joined, base64).

use base64::Engine as _;

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`), if sent.
pub(crate) fn get<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    names_and_values(header).find_map(|(n, v)| (n == name).then_some(v))
}

/// The `name=value` pairs of a `Cookie` header, in order.
pub(crate) fn names_and_values(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim();
        (!name.is_empty()).then(|| (name, value.trim().trim_matches('"')))
    })
}

/// One cookie the site or the identity provider sets.
#[derive(Clone)]
pub(crate) struct Cookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) path: &'static str,
    pub(crate) secure: bool,
    pub(crate) http_only: bool,
    /// Seconds since 1970, for an `Expires` attribute.
    pub(crate) expires: Option<i64>,
    /// A `Domain` attribute (a domain cookie); `None` = host-only.
    pub(crate) domain: Option<String>,
}

impl Cookie {
    /// A host-only cookie for `path`, not `HttpOnly`, without an expiry.
    pub(crate) fn new(name: impl Into<String>, value: impl Into<String>, secure: bool) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            path: "/",
            secure,
            http_only: false,
            expires: None,
            domain: None,
        }
    }

    pub(crate) fn http_only(mut self) -> Self {
        self.http_only = true;
        self
    }

    pub(crate) fn path(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }

    pub(crate) fn expires(mut self, epoch: i64) -> Self {
        self.expires = Some(epoch);
        self
    }

    pub(crate) fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The `Set-Cookie` header value.
    pub(crate) fn set_cookie(&self) -> String {
        let mut out = format!("{}={}", self.name, self.value);
        if let Some(epoch) = self.expires {
            out.push_str("; Expires=");
            out.push_str(&super::dates::http_date(epoch));
        }
        if let Some(domain) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(domain);
        }
        out.push_str("; Path=");
        out.push_str(self.path);
        if self.secure {
            out.push_str("; Secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        out
    }

    /// The line Qt's `QNetworkCookie::toRawForm()` writes for this cookie once a browser on
    /// `host` stored it: `name=value; secure; HttpOnly; expires=…; domain=host; path=/`.
    pub(crate) fn qt_raw(&self, host: &str) -> String {
        let mut out = format!("{}={}", self.name, self.value);
        if self.secure {
            out.push_str("; secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(epoch) = self.expires {
            out.push_str("; expires=");
            out.push_str(&super::dates::qt_date(epoch));
        }
        let domain = self.domain.as_ref().map_or_else(
            || host.to_owned(),
            |d| format!(".{}", d.trim_start_matches('.')),
        );
        out.push_str("; domain=");
        out.push_str(&domain);
        out.push_str("; path=");
        out.push_str(self.path);
        out
    }
}

/// A jar as Python Toolkit stores it in a session's metadata: each `(cookie, host)` in Qt's
/// raw form, the lines joined by CRLF, then standard base64.
pub(crate) fn encode_jar(cookies: &[(Cookie, &str)]) -> String {
    let lines: Vec<String> = cookies.iter().map(|(c, host)| c.qt_raw(host)).collect();
    base64::engine::general_purpose::STANDARD.encode(lines.join("\r\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_raw_forms_follow_their_formats() {
        let cookie = Cookie::new("shotgun_current_session_expiration", "1767225600", true)
            .expires(1_767_225_600);
        assert_eq!(
            cookie.qt_raw("mysite.shotgunstudio.com"),
            "shotgun_current_session_expiration=1767225600; secure; expires=Thu, 01-Jan-2026 00:00:00 GMT; domain=mysite.shotgunstudio.com; path=/"
        );
        assert_eq!(
            cookie.set_cookie(),
            "shotgun_current_session_expiration=1767225600; Expires=Thu, 01 Jan 2026 00:00:00 GMT; Path=/; Secure"
        );
        let session = Cookie::new("_session_id", "abc", false).http_only();
        assert_eq!(
            session.qt_raw("127.0.0.1"),
            "_session_id=abc; HttpOnly; domain=127.0.0.1; path=/"
        );
        let foreign = Cookie::new("t", "1", false).domain("site.test");
        assert!(foreign.qt_raw("idp.test").contains("domain=.site.test"));
    }

    #[test]
    fn cookie_headers_are_read_by_name() {
        let header = "a=1; _session_id=\"xyz\" ;b=";
        assert_eq!(get(header, "_session_id"), Some("xyz"));
        assert_eq!(get(header, "b"), Some(""));
        assert_eq!(get(header, "c"), None);
    }
}
