//! A site's address, checked once: the URL requests go to and the Basic credentials that
//! were embedded in it.

use std::fmt;

use base64::Engine as _;
use percent_encoding::percent_decode_str;
use tk_auth_core::{Secret, Site};
use url::Url;

use crate::HttpError;

/// A Flow Production Tracking site address, e.g. `https://mystudio.shotgunstudio.com`.
///
/// Parsing rejects what the Python `SiteInfo.reload` rejects: no host, a host that is part
/// of the word `https` (a typo such as `https//site`), or a scheme other than `http` or
/// `https`. Like `shotgun_api3`, the address is lower-cased, and `user:password@` in it
/// becomes an `Authorization: Basic …` header (the credentials keep their case).
///
/// ```
/// use tk_auth_http::SiteUrl;
///
/// let site = SiteUrl::parse("https://Studio.Example.com/")?;
/// assert_eq!(site.to_string(), "https://studio.example.com");
/// assert_eq!(site.api_url().as_str(), "https://studio.example.com/api3/json");
/// assert!(SiteUrl::parse("ftp://studio.example.com").is_err());
/// assert!(SiteUrl::parse("studio.example.com").is_err());
/// # Ok::<(), tk_auth_http::HttpError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SiteUrl {
    /// Lower-cased, without credentials, query or fragment.
    base: Url,
    /// The `Authorization` header value made from credentials in the URL.
    authorization: Option<Secret>,
}

impl SiteUrl {
    /// Checks and normalises a site address. The scheme must be given.
    pub fn parse(text: &str) -> Result<Self, HttpError> {
        let invalid = |reason: &'static str| HttpError::InvalidSiteUrl {
            url: redact_userinfo(text),
            reason,
        };
        let trimmed = text.trim();
        let (scheme, _) = trimmed
            .split_once("://")
            .ok_or_else(|| invalid("it has no scheme: start it with https://"))?;
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return Err(invalid("only http:// and https:// sites are supported"));
        }
        let parsed = Url::parse(trimmed).map_err(|_| invalid("it is not a valid URL"))?;
        // An `@` after the host is most likely a password holding `/`, `?` or `#` typed
        // as is: the URL would keep part of it in its path.
        if parsed.path().contains('@')
            || parsed.query().is_some_and(|q| q.contains('@'))
            || parsed.fragment().is_some_and(|f| f.contains('@'))
        {
            return Err(invalid(
                "it has an '@' after the host; if a password in it holds '/', '?' or '#', \
                 write them as %2F, %3F and %23",
            ));
        }
        let host = parsed.host_str().unwrap_or_default();
        if host.is_empty() {
            return Err(invalid("it has no host name"));
        }
        // Python's check `netloc in "https"` catches `https//site`, parsed as host `https`.
        if "https".contains(host) && parsed.port().is_none() && parsed.username().is_empty() {
            return Err(invalid(
                "the host name is missing (is a ':' missing after https?)",
            ));
        }
        // A name no host can have (`ht!tp`) would only fail later, as a name that does not
        // resolve; international names are in their ASCII form (`xn--…`) here.
        if let Some(url::Host::Domain(name)) = parsed.host()
            && !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(invalid(
                "the host name holds characters other than letters, digits, '-', '_' and '.'",
            ));
        }
        let authorization = (!parsed.username().is_empty()).then(|| {
            let user = percent_decode_str(parsed.username()).decode_utf8_lossy();
            let credentials = match parsed.password() {
                Some(password) => format!(
                    "{user}:{}",
                    percent_decode_str(password).decode_utf8_lossy()
                ),
                None => user.into_owned(),
            };
            Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            ))
        });
        let mut base = parsed;
        // Infallible for http(s) URLs, which always have a host.
        let _ = base.set_username("");
        let _ = base.set_password(None);
        base.set_query(None);
        base.set_fragment(None);
        let lowered = base.as_str().to_lowercase();
        let base = Url::parse(&lowered).map_err(|_| invalid("it is not a valid URL"))?;
        Ok(Self {
            base,
            authorization,
        })
    }

    /// The address requests to `site` go to: the spelling it was given as, checked as
    /// [`parse`](Self::parse) does (the normalised URL has lost any path and the case of
    /// embedded credentials).
    pub fn from_site(site: &Site) -> Result<Self, HttpError> {
        Self::parse(site.given())
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.base.scheme()
    }

    /// The host name (lower case).
    pub fn host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    /// The port requests go to (the scheme's default when none was given).
    pub fn port(&self) -> u16 {
        self.base.port_or_known_default().unwrap_or(443)
    }

    /// The JSON-RPC endpoint, `…/api3/json`, resolved against the site URL as
    /// `shotgun_api3` does.
    pub fn api_url(&self) -> Url {
        let mut base = self.base.clone();
        if base.path().is_empty() {
            base.set_path("/");
        }
        base.join("api3/json").unwrap_or_else(|_| self.base.clone())
    }

    /// `scheme://host[:port]` joined with an absolute path, as the browser-approval
    /// endpoints are.
    pub(crate) fn absolute(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    /// The `Authorization` header made from credentials embedded in the URL.
    pub(crate) fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }

    /// Whether the address carried `user:password@` credentials.
    pub fn has_credentials(&self) -> bool {
        self.authorization.is_some()
    }
}

impl fmt::Display for SiteUrl {
    /// `scheme://host[:port]` plus any path, without credentials or a trailing `/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.as_str().trim_end_matches('/'))
    }
}

impl fmt::Debug for SiteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteUrl")
            .field("base", &self.to_string())
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// `text` with any `user:password@` part replaced, for error messages: the one rule of
/// [`tk_auth_core::redact_url_credentials`], whatever the password holds.
pub(crate) fn redact_userinfo(text: &str) -> String {
    tk_auth_core::redact_url_credentials(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_become_basic_auth_with_their_case_and_leave_the_url() {
        let site = SiteUrl::parse("https://Bob:S3cr%40t@Site.Example.com:8443").unwrap();
        assert_eq!(site.to_string(), "https://site.example.com:8443");
        let header = site.authorization().unwrap().expose().to_owned();
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, b"Bob:S3cr@t");
        let debug = format!("{site:?}");
        assert!(!debug.contains("S3cr"), "{debug}");
    }

    #[test]
    fn a_user_without_password_is_sent_alone() {
        let site = SiteUrl::parse("https://token@site.example.com").unwrap();
        let header = site.authorization().unwrap().expose();
        assert_eq!(
            header,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("token")
            )
        );
    }

    #[test]
    fn invalid_urls_are_rejected_as_site_info_does() {
        for bad in [
            "",
            "site.example.com",
            "ftp://site.example.com",
            "https://",
            "https//site.example.com",
            "http://https",
            "https://http",
            "https://tps",
            "file:///etc/passwd",
        ] {
            let err = SiteUrl::parse(bad).unwrap_err();
            assert!(
                matches!(err, HttpError::InvalidSiteUrl { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_host_name_no_host_can_have_is_refused() {
        for bad in ["https://ht!tp:", "https://a*b.example.com", "http://a~b"] {
            let err = SiteUrl::parse(bad).unwrap_err();
            assert!(err.to_string().contains("host name holds"), "{bad}: {err}");
        }
        for good in [
            "https://studio-1.example.com",
            "https://under_score.example.com",
            "https://bücher.example",
            "http://127.0.0.1:8000",
            "http://[::1]:8000",
        ] {
            assert!(SiteUrl::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn errors_never_show_url_passwords() {
        let err = SiteUrl::parse("ftp://bob:hunter2@site").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn passwords_with_url_delimiters_never_reach_a_message() {
        for password in [
            "canary://x",
            "x@canary://y",
            "ca/nary",
            "12/canary",
            "ca?nary",
            "ca#nary",
            "ca%nary",
            "ca%zznary",
            "ca@nary",
            "ca:nary",
            "1/canary?#%@:x",
        ] {
            for text in [
                format!("bob:{password}@site.example.com"),
                format!("https://bob:{password}@site.example.com"),
                format!("ftp://bob:{password}@site.example.com"),
                format!("https://bob:{password}@"),
                format!("https://bob:{password}@site.example.com/a@b"),
            ] {
                let shown = match SiteUrl::parse(&text) {
                    Ok(site) => format!("{site} {site:?} {}", site.api_url()),
                    Err(err) => format!("{err} {err:?}"),
                };
                assert!(!shown.contains("nary"), "{text}: {shown}");
            }
            assert!(!redact_userinfo(&format!("http://u:{password}@proxy:3128")).contains("nary"));
            assert!(!redact_userinfo(&format!("u:{password}@proxy:3128")).contains("nary"));
        }
    }

    #[test]
    fn the_api_path_is_joined_like_urljoin() {
        let api = |u: &str| SiteUrl::parse(u).unwrap().api_url().to_string();
        assert_eq!(
            api("http://127.0.0.1:5000"),
            "http://127.0.0.1:5000/api3/json"
        );
        assert_eq!(api("https://site/prefix/"), "https://site/prefix/api3/json");
        assert_eq!(api("https://site/prefix"), "https://site/api3/json");
        assert_eq!(api("HTTPS://SITE/A?q=1#x"), "https://site/api3/json");
    }
}
