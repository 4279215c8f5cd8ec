//! The environment variables this crate reads, declared in one place, and where they are
//! read from.
//!
//! Everything that depends on the environment asks an [`Environment`], so that a program (or
//! a test) can hand the client a fixed set of variables instead of the process's own.

use std::collections::HashMap;
use std::sync::Arc;

/// CA bundle (a PEM file) to trust instead of the system roots, as in `shotgun_api3`.
pub const SHOTGUN_API_CACERTS: &str = "SHOTGUN_API_CACERTS";
/// Milliseconds to wait before retrying a request whose connection dropped (default 3000),
/// as in `shotgun_api3`.
pub const SHOTGUN_API_RETRY_INTERVAL: &str = "SHOTGUN_API_RETRY_INTERVAL";
/// Proxy for `https://` sites when no proxy is configured (also read in lower case).
pub const HTTPS_PROXY: &str = "HTTPS_PROXY";
/// Proxy for `http://` sites when no proxy is configured (also read in lower case).
pub const HTTP_PROXY: &str = "HTTP_PROXY";
/// Comma-separated hosts that are reached directly even when a proxy comes from the
/// environment (also read in lower case).
pub const NO_PROXY: &str = "NO_PROXY";
/// Product name sent with a browser-approval request (`appName`).
pub const TK_AUTH_PRODUCT: &str = "TK_AUTH_PRODUCT";
/// Set, with [`SHOTGUN_FLAME_VERSION`], when running inside Flame.
pub const SHOTGUN_FLAME_CONFIGPATH: &str = "SHOTGUN_FLAME_CONFIGPATH";
/// Flame's version, used in the product name when running inside Flame.
pub const SHOTGUN_FLAME_VERSION: &str = "SHOTGUN_FLAME_VERSION";

/// Where environment variables are read from: the process, or a fixed set.
///
/// ```
/// use tk_auth_http::Environment;
///
/// let env = Environment::from_pairs([("HTTPS_PROXY", "proxy.local:3128")]);
/// assert_eq!(env.get("HTTPS_PROXY").as_deref(), Some("proxy.local:3128"));
/// assert_eq!(env.get("NO_PROXY"), None);
/// ```
#[derive(Clone, Default)]
pub struct Environment(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Process,
    Fixed(Arc<HashMap<String, String>>),
}

impl Environment {
    /// The process's environment, read at each look-up.
    pub fn process() -> Self {
        Self(Source::Process)
    }

    /// A fixed set of variables; everything else is unset.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self(Source::Fixed(Arc::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )))
    }

    /// The value of `name`, if it is set and valid Unicode.
    pub fn get(&self, name: &str) -> Option<String> {
        match &self.0 {
            Source::Process => std::env::var(name).ok(),
            Source::Fixed(map) => map.get(name).cloned(),
        }
    }

    /// The value of `name`, else of its lower-case spelling, ignoring empty values (the
    /// convention of curl and most tools for proxy variables).
    pub(crate) fn get_either_case(&self, name: &str) -> Option<String> {
        [name.to_owned(), name.to_ascii_lowercase()]
            .iter()
            .filter_map(|n| self.get(n))
            .map(|v| v.trim().to_owned())
            .find(|v| !v.is_empty())
    }
}

impl std::fmt::Debug for Environment {
    // Values can hold proxy passwords: show the names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::Process => f.write_str("Environment(process)"),
            Source::Fixed(map) => {
                let mut names: Vec<&String> = map.keys().collect();
                names.sort();
                f.debug_tuple("Environment").field(&names).finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_variables_are_read_in_either_case_and_empty_means_unset() {
        let env = Environment::from_pairs([("https_proxy", "lower:1"), ("NO_PROXY", " ")]);
        assert_eq!(env.get_either_case(HTTPS_PROXY).as_deref(), Some("lower:1"));
        assert_eq!(env.get_either_case(NO_PROXY), None);
        let env = Environment::from_pairs([("HTTPS_PROXY", "upper:1"), ("https_proxy", "lower:1")]);
        assert_eq!(env.get_either_case(HTTPS_PROXY).as_deref(), Some("upper:1"));
    }
}
