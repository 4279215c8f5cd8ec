//! [`Site`]: a site's URL, normalised once where it enters.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::site_url::{legacy_site_folder_name, sanitize_url, site_folder_name};

/// A Flow Production Tracking site, e.g. `https://mystudio.shotgunstudio.com`.
///
/// It is made once, where a site first enters (a command-line argument, a prompt answer, a
/// session file, a user payload, a configuration, the environment), and passed on as this
/// type: it keeps both the spelling it was given, which Python writes back into payloads
/// unchanged, and its normalised URL (Python's `sanitize_url`: scheme, host and port,
/// lower-cased, `https` when no scheme was given), by which sites are compared, hashed,
/// keyed and shown.
///
/// `Display` and `Debug` show the normalised URL without any `user:password@` it holds.
///
/// ```
/// use tk_auth_core::Site;
///
/// let site = Site::new("MyStudio.shotgunstudio.com/page/12");
/// assert_eq!(site.url(), "https://mystudio.shotgunstudio.com");
/// assert_eq!(site.given(), "MyStudio.shotgunstudio.com/page/12");
/// assert_eq!(site, Site::new("https://mystudio.shotgunstudio.com/"));
/// assert_eq!(Site::new("https://MyStudio.shotgunstudio.com:8080").folder_name(), "mystudio");
/// ```
#[derive(Clone)]
pub struct Site {
    given: Arc<str>,
    url: Arc<str>,
}

impl Site {
    /// The site `given` names. Like Python's `sanitize_url` this never fails: odd input
    /// gives an odd but deterministic URL (`""` gives `https://`), which a site client then
    /// refuses with the reason.
    pub fn new(given: impl Into<String>) -> Self {
        let given: String = given.into();
        let url = sanitize_url(&given);
        Self {
            given: given.into(),
            url: url.into(),
        }
    }

    /// The normalised URL: `scheme://host[:port]`, lower-cased. It may hold the
    /// `user:password@` the site was given with; show the site with `Display` instead.
    #[doc(alias = "sanitize_url")]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The same site spelled as its normalised URL, as Python keeps a site a person typed
    /// (`mysite.shotgunstudio.com` becomes `https://mysite.shotgunstudio.com`).
    #[must_use]
    pub fn normalized(&self) -> Self {
        Self {
            given: Arc::clone(&self.url),
            url: Arc::clone(&self.url),
        }
    }

    /// The same site given without surrounding white space, as Python strips a host before
    /// it writes it to the session cache.
    #[must_use]
    pub fn stripped(&self) -> Self {
        let trimmed = crate::urlparse::py_strip(&self.given);
        if trimmed.len() == self.given.len() {
            self.clone()
        } else {
            Self::new(trimmed)
        }
    }

    /// The spelling the site was given as, which payloads and session files keep.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// Whether no site was given at all (Python's `missing host`).
    pub fn is_empty(&self) -> bool {
        self.given.is_empty()
    }

    /// The name of the site's folder in the session cache: the host name without its port,
    /// with `.shotgunstudio.com` and `.shotgrid.autodesk.com` removed. Like Python, it is
    /// read from the spelling given (a site given without a scheme maps to the cache root).
    pub fn folder_name(&self) -> String {
        site_folder_name(&self.given)
    }

    /// The name of the site's folder in the session-cache layout of Toolkit before 0.18: the
    /// full host name without its port, read from the spelling given.
    pub fn legacy_folder_name(&self) -> String {
        legacy_site_folder_name(&self.given)
    }
}

impl PartialEq for Site {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}

impl Eq for Site {}

/// A site equals the text that names the same site.
impl PartialEq<str> for Site {
    fn eq(&self, other: &str) -> bool {
        *self.url == *sanitize_url(other)
    }
}

impl PartialEq<&str> for Site {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// No site: what Python's `missing host` refers to.
impl Default for Site {
    fn default() -> Self {
        Self::new("")
    }
}

impl Hash for Site {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.url.hash(state);
    }
}

impl PartialOrd for Site {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Site {
    fn cmp(&self, other: &Self) -> Ordering {
        self.url.cmp(&other.url)
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::redact_url_credentials(&self.url))
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Site").field(&self.to_string()).finish()
    }
}

/// A site is written as its normalised URL.
impl serde::Serialize for Site {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.url)
    }
}

impl From<&str> for Site {
    fn from(given: &str) -> Self {
        Self::new(given)
    }
}

impl From<String> for Site {
    fn from(given: String) -> Self {
        Self::new(given)
    }
}

impl From<&String> for Site {
    fn from(given: &String) -> Self {
        Self::new(given.as_str())
    }
}

impl From<&Site> for Site {
    fn from(site: &Site) -> Self {
        site.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_the_same_when_their_urls_are() {
        let a = Site::new("https://Studio.example.com/page/1");
        let b = Site::new("studio.example.com");
        assert_eq!(a, b);
        assert_ne!(a.given(), b.given());
        let set: std::collections::HashSet<Site> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_ne!(
            Site::new("http://studio.example.com"),
            Site::new("studio.example.com")
        );
    }

    #[test]
    fn credentials_in_a_site_are_never_shown() {
        let site = Site::new("https://bob:canary-3e1@studio.example.com");
        for shown in [site.to_string(), format!("{site:?}")] {
            assert!(!shown.contains("canary"), "{shown}");
        }
        assert_eq!(
            site.legacy_folder_name(),
            "bob",
            "Python keeps only the user name"
        );
    }

    #[test]
    fn an_empty_site_is_empty_and_still_has_a_url() {
        let site = Site::new("");
        assert!(site.is_empty());
        assert_eq!(site.url(), "https://");
    }
}
