//! HTTP proxies: Python's `sanitize_http_proxy` and the `[scheme://][user:pass@]host[:port]`
//! strings that `http_proxy` settings hold.

use std::fmt;
use std::fmt::Write as _;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::redaction::redact_proxy_password;
use crate::urlparse::{ParseResult, py_strip, urlparse, urlunparse};
use crate::{Error, REDACTED, Secret};

/// The port a proxy without one listens on, as in the Python API client.
pub const DEFAULT_PROXY_PORT: u16 = 8080;

/// What must be escaped in the user-info part of a URL (the WHATWG userinfo set, plus `%`
/// so that literal percent signs survive).
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

/// The components of a proxy URL as Python's `sanitize_http_proxy` returns them (a
/// `urllib.parse.ParseResult`), except that the credentials keep their case.
///
/// The netloc and [`SanitizedProxy::geturl`] contain the proxy password, if any; `Debug`
/// redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct SanitizedProxy(ParseResult);

/// Parses a proxy setting the way Python's `tank.authentication.utils.sanitize_http_proxy`
/// does: strips it, lowercases it, and reads it as `http://…` unless it starts with
/// `http://` or `https://`.
///
/// Unlike Python, the user name and password keep their case: lowercasing them breaks
/// proxies whose credentials are case-sensitive.
///
/// ```
/// use tk_auth_core::sanitize_http_proxy;
///
/// let p = sanitize_http_proxy("  Proxy.Example.com:3128 ");
/// assert_eq!(p.scheme(), "http");
/// assert_eq!(p.hostname().as_deref(), Some("proxy.example.com"));
/// assert_eq!(p.port().unwrap(), Some(3128));
/// assert_eq!(p.geturl(), "http://proxy.example.com:3128");
/// ```
pub fn sanitize_http_proxy(http_proxy: &str) -> SanitizedProxy {
    let original = py_strip(http_proxy);
    let lowered = original.to_lowercase();
    let has_scheme = lowered.starts_with("http://") || lowered.starts_with("https://");
    let needs_scheme = !(lowered.is_empty()
        || has_scheme
        || urlparse(&format!("http://{lowered}")).netloc.is_empty());
    let (lowered, original) = if needs_scheme {
        (format!("http://{lowered}"), format!("http://{original}"))
    } else {
        (lowered, original.to_owned())
    };
    let mut parsed = urlparse(&lowered);
    // Put the credentials back as written (docs/decisions.md, Decision 7): take them from the same string
    // parsed without lowercasing, when both parses agree on where they are.
    if let Some((info, host)) = parsed.netloc.rsplit_once('@') {
        let unlowered = urlparse(&original);
        if let Some((original_info, _)) = unlowered.netloc.rsplit_once('@')
            && original_info.to_lowercase() == info
        {
            parsed.netloc = format!("{original_info}@{host}");
        }
    }
    SanitizedProxy(parsed)
}

impl SanitizedProxy {
    /// The scheme: `http`, `https`, or empty when the input was empty.
    pub fn scheme(&self) -> &str {
        &self.0.scheme
    }
    /// The network location, `user:pass@host:port`. Contains the password, if any.
    pub fn netloc(&self) -> &str {
        &self.0.netloc
    }
    /// The path (usually empty).
    pub fn path(&self) -> &str {
        &self.0.path
    }
    /// The `;params` of the last path segment (usually empty).
    pub fn params(&self) -> &str {
        &self.0.params
    }
    /// The query (usually empty).
    pub fn query(&self) -> &str {
        &self.0.query
    }
    /// The fragment (usually empty).
    pub fn fragment(&self) -> &str {
        &self.0.fragment
    }
    /// The host name, lowercased, or `None` when there is none.
    pub fn hostname(&self) -> Option<String> {
        self.0.hostname()
    }
    /// The user name, if the netloc has `user@` or `user:pass@`.
    pub fn username(&self) -> Option<&str> {
        self.0.userinfo().0
    }
    /// The password, if the netloc has `user:pass@`.
    pub fn password(&self) -> Option<Secret> {
        self.0.userinfo().1.map(Secret::from)
    }
    /// The port, `None` if not given; an error with Python's message when it is not a number
    /// in 0–65535.
    pub fn port(&self) -> Result<Option<u16>, Error> {
        self.0.port().map_err(Error::InvalidPort)
    }
    /// The URL put back together (`ParseResult.geturl()`). Contains the password, if any.
    pub fn geturl(&self) -> String {
        urlunparse(&self.0)
    }
}

impl fmt::Debug for SanitizedProxy {
    /// The URL put back together, password redacted: a password holding `/`, `?`, `#` or
    /// `;` spills from the netloc into the path, params, query or fragment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SanitizedProxy")
            .field(&redact_proxy_password(&self.geturl()))
            .finish()
    }
}

/// An HTTP proxy to send requests through: `[scheme://][user:pass@]host[:port]`.
///
/// `Display` and `Debug` never show the password; [`HttpProxy::to_url`] does, because a
/// client needs it.
///
/// ```
/// use tk_auth_core::HttpProxy;
///
/// let proxy = HttpProxy::parse("bob:S3cret@proxy.local")?;
/// assert_eq!(proxy.host(), "proxy.local");
/// assert_eq!(proxy.port(), 8080);
/// assert_eq!(proxy.username(), Some("bob"));
/// assert_eq!(proxy.to_string(), "http://bob:<redacted>@proxy.local:8080");
/// assert_eq!(proxy.to_url(), "http://bob:S3cret@proxy.local:8080");
/// assert!(HttpProxy::parse("proxy.local:http").is_err());
///
/// // `str::parse` does the same.
/// let proxy: HttpProxy = "https://proxy.local:3128".parse()?;
/// assert_eq!((proxy.scheme(), proxy.port()), ("https", 3128));
/// assert!("".parse::<HttpProxy>().is_err());
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HttpProxy {
    scheme: String,
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<Secret>,
}

impl HttpProxy {
    /// Parses `[scheme://][user:pass@]host[:port]`. The scheme defaults to `http` and the port
    /// to 8080, as in the Python API client; credentials are taken literally (no
    /// percent-decoding), and the last `@` separates them from the host, so a password may
    /// contain `@`. A missing host or a port that is not a number in 1–65535 is an error whose
    /// text shows the input with the password redacted.
    pub fn parse(s: &str) -> Result<HttpProxy, Error> {
        let invalid = |reason: &str| Error::InvalidProxy {
            proxy: redact_proxy_password(py_strip(s)),
            reason: reason.to_owned(),
        };
        let text = py_strip(s);
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => {
                if scheme.is_empty()
                    || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    || !scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                {
                    return Err(invalid("the scheme is not valid"));
                }
                (scheme.to_ascii_lowercase(), rest)
            }
            None => ("http".to_owned(), text),
        };
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((info, hostport)) => (Some(info), hostport),
            None => (None, rest),
        };
        let hostport = hostport.strip_suffix('/').unwrap_or(hostport);
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| invalid("the IPv6 address has no closing ']'"))?;
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(invalid("unexpected text after the IPv6 address")),
                },
            }
        } else {
            match hostport.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("there is no host name"));
        }
        if host
            .chars()
            .any(|c| py_isspace_or_delim(c) || (c == ':' && !hostport.starts_with('[')))
        {
            return Err(invalid(
                "the host name contains a character not allowed there",
            ));
        }
        let port = match port {
            None => DEFAULT_PROXY_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|n| *n != 0 && p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| invalid("the port is not a number between 1 and 65535"))?,
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((user, pass)) => (Some(user.to_owned()), Some(Secret::from(pass))),
                None => (Some(info.to_owned()), None),
            },
        };
        Ok(HttpProxy {
            scheme,
            host: host.to_owned(),
            port,
            username,
            password,
        })
    }

    /// The scheme, `http` unless the string gave another one.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// The host name or address (an IPv6 address without its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The port, 8080 when not given.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The user name, if credentials were given.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// The password, if credentials with a password were given.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    /// The proxy as a URL for an HTTP client, `scheme://user:pass@host:port`, credentials
    /// percent-encoded. **This exposes the password**: hand it only to the client that needs it.
    pub fn to_url(&self) -> String {
        self.render(
            self.password
                .as_ref()
                .map(|p| utf8_percent_encode(p.expose(), USERINFO).to_string()),
        )
    }

    fn render(&self, password: Option<String>) -> String {
        let mut url = format!("{}://", self.scheme);
        if let Some(user) = &self.username {
            url.push_str(&utf8_percent_encode(user, USERINFO).to_string());
            if let Some(password) = password {
                url.push(':');
                url.push_str(&password);
            }
            url.push('@');
        }
        if self.host.contains(':') {
            let _ = write!(url, "[{}]", self.host);
        } else {
            url.push_str(&self.host);
        }
        let _ = write!(url, ":{}", self.port);
        url
    }
}

impl std::str::FromStr for HttpProxy {
    type Err = Error;

    /// [`HttpProxy::parse`].
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl fmt::Display for HttpProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = self.password.as_ref().map(|_| REDACTED.to_owned());
        f.write_str(&self.render(redacted))
    }
}

fn py_isspace_or_delim(c: char) -> bool {
    crate::urlparse::py_isspace(c) || matches!(c, '/' | '?' | '#' | '@' | '[' | ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_keep_their_case() {
        let p = sanitize_http_proxy("Bob:PaSS@Proxy.Local:3128");
        assert_eq!(p.netloc(), "Bob:PaSS@proxy.local:3128");
        assert_eq!(p.username(), Some("Bob"));
        assert_eq!(p.password().unwrap().expose(), "PaSS");
        assert_eq!(p.hostname().as_deref(), Some("proxy.local"));
        assert!(!format!("{p:?}").contains("PaSS"));
    }

    #[test]
    fn parse_reads_every_part() {
        let p = HttpProxy::parse("HTTPS://u%1:p@ss:w@[::1]:3128/").unwrap();
        assert_eq!(p.scheme(), "https");
        assert_eq!(p.host(), "::1");
        assert_eq!(p.port(), 3128);
        assert_eq!(p.username(), Some("u%1"));
        assert_eq!(p.password().unwrap().expose(), "p@ss:w");
        assert_eq!(p.to_url(), "https://u%251:p%40ss%3Aw@[::1]:3128");
        assert_eq!(p.to_string(), "https://u%251:<redacted>@[::1]:3128");
    }

    #[test]
    fn parse_errors_name_the_input_without_the_password() {
        for bad in [
            "user:canary-pw@proxy:http",
            "user:canary-pw@proxy:",
            "user:canary-pw@proxy:0",
            "user:canary-pw@proxy:70000",
            "user:canary-pw@",
            "user:canary-pw@[::1",
            "user:canary-pw@pro xy",
            "1http://user:canary-pw@proxy",
        ] {
            let err = HttpProxy::parse(bad).unwrap_err();
            let text = err.to_string();
            assert!(!text.contains("canary-pw"), "{text}");
            assert!(text.contains("user:<redacted>@"), "{text}");
            assert!(!format!("{err:?}").contains("canary-pw"));
        }
        assert!(HttpProxy::parse("   ").is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = HttpProxy::parse("u:canary-pw@h:1").unwrap();
        assert!(!format!("{p:?}").contains("canary-pw"));
        assert!(!format!("{p}").contains("canary-pw"));
    }
}
