//! The system HTTP proxy, read from the environment as Python's `urllib.request.getproxies`
//! does and cleaned up as the Toolkit's `SystemSettings.http_proxy` does.

use crate::env::{self, Env};

/// The system proxy for `http`, or `None`.
///
/// Variables named `<scheme>_proxy` in any case are read; a lower-case `http_proxy` wins over
/// other spellings, and a lower-case one set to the empty string disables the proxy. Under
/// CGI (`REQUEST_METHOD` set) only the lower-case variable counts. The first `http://` is
/// removed, as the Toolkit does.
///
/// ```
/// use tk_auth_defaults::{Env, system_http_proxy};
///
/// let env = Env::from_pairs([("HTTP_PROXY", "http://upper:1"), ("http_proxy", "http://lower:2")]);
/// assert_eq!(system_http_proxy(&env).as_deref(), Some("lower:2"));
/// ```
pub fn system_http_proxy(env: &Env) -> Option<String> {
    let vars = env.vars();
    let mut proxy: Option<String> = None;
    for (name, value) in &vars {
        if !value.is_empty() && name.to_lowercase() == "http_proxy" {
            proxy = Some(value.clone());
        }
    }
    if env.is_set(env::REQUEST_METHOD) {
        proxy = None;
    }
    for (name, value) in &vars {
        if name == "http_proxy" {
            proxy = if value.is_empty() {
                None
            } else {
                Some(value.clone())
            };
        }
    }
    proxy
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
        let env = Env::from_pairs([("HTTP_PROXY", "http://u:1"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(system_http_proxy(&env), None);
        let env = Env::from_pairs([("HTTP_PROXY", "https://u:1")]);
        assert_eq!(system_http_proxy(&env).as_deref(), Some("https://u:1"));
    }
}
