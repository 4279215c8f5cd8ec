//! The system HTTP proxy, read from the environment by the precedence rule of
//! `docs/network.md` (the one `tk-auth-http` follows too) and cleaned up as the Toolkit's
//! `SystemSettings.http_proxy` does; and a proxy setting as `Debug` shows it.

use crate::env::{self, Env};

/// A proxy setting as `Debug` shows it: it can carry a password.
pub(crate) fn shown_proxy(proxy: Option<&str>) -> Option<String> {
    proxy.map(tk_auth_core::redact_proxy_password)
}

/// The system proxy for `http`, or `None`.
///
/// The rule, shared with `tk-auth-http`'s proxy selection (`docs/network.md`):
///
/// 1. a lower-case `http_proxy`, when set, decides — set to an empty value, it means no
///    proxy at all;
/// 2. else another spelling (`HTTP_PROXY`, …) with a non-empty value — unless
///    `REQUEST_METHOD` is set: under CGI a client's `Proxy:` header arrives as `HTTP_PROXY`
///    (httpoxy, CVE-2016-1000110), so Python's `getproxies` ignores it, and so do we;
/// 3. else none.
///
/// Values are trimmed; the first `http://` is removed, as the Toolkit does.
///
/// ```
/// use tk_auth_defaults::{Env, system_http_proxy};
///
/// let env = Env::from_pairs([("HTTP_PROXY", "http://upper:1"), ("http_proxy", "http://lower:2")]);
/// assert_eq!(system_http_proxy(&env).as_deref(), Some("lower:2"));
/// ```
pub fn system_http_proxy(env: &Env) -> Option<String> {
    const LOWER: &str = "http_proxy";
    let value = match env.var(LOWER) {
        Some(value) => Some(value.trim().to_owned()),
        None if env.is_set(env::REQUEST_METHOD) => None,
        None => env
            .vars()
            .into_iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(LOWER))
            .map(|(_, value)| value.trim().to_owned())
            .find(|value| !value.is_empty()),
    };
    value
        .filter(|p| !p.is_empty())
        .map(|p| p.replacen("http://", "", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lower_case_disables_and_cgi_ignores_upper_case() {
        let env = Env::from_pairs([("HTTP_PROXY", "http://u:1"), ("http_proxy", "")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("HTTP_PROXY", "http://u:1"), ("http_proxy", "  ")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("HTTP_PROXY", "http://u:1"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("Http_Proxy", "http://u:1"), ("REQUEST_METHOD", "")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("HTTPS_PROXY", "https://u:1")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("HTTP_PROXY", " https://u:1 ")]);
        assert_eq!(system_http_proxy(&env).as_deref(), Some("https://u:1"));
    }

    #[test]
    fn under_cgi_a_lower_case_http_proxy_still_counts() {
        let env = Env::from_pairs([
            ("HTTP_PROXY", "http://attacker:3128"),
            ("http_proxy", "http://mine:3128"),
            ("REQUEST_METHOD", "POST"),
        ]);
        assert_eq!(system_http_proxy(&env).as_deref(), Some("mine:3128"));
    }

    #[test]
    fn a_mixed_case_spelling_counts_when_no_lower_case_one_is_set() {
        let env = Env::from_pairs([("Http_Proxy", "http://mixed:1")]);
        assert_eq!(system_http_proxy(&env).as_deref(), Some("mixed:1"));
    }
}
