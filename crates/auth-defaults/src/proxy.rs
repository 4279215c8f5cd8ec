//! The Toolkit's proxy and where it came from: the environment, read by the precedence rule
//! of `docs/network.md` (the one `tk-auth-http` follows too), then the operating system's
//! settings when no proxy variable is set, cleaned up as the Toolkit's
//! `SystemSettings.http_proxy` does; and a proxy setting as `Debug` shows it.

use std::collections::BTreeSet;
use std::fmt;

use crate::env::{self, Env};
use crate::system_proxy::SystemProxySettings;

/// A proxy setting as `Debug` shows it: it can carry a password.
pub(crate) fn shown_proxy(proxy: Option<&str>) -> Option<String> {
    proxy.map(tk_auth_core::redact_proxy_password)
}

/// Where the Toolkit's proxy came from.
///
/// ```
/// use tk_auth_defaults::ProxySource;
///
/// assert_eq!(ProxySource::Environment("HTTP_PROXY".into()).to_string(), "environment variable HTTP_PROXY");
/// assert_eq!(ProxySource::SystemSettings.to_string(), "system settings");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxySource {
    /// Set on the defaults: by the program ([`Defaults::with_http_proxy`](crate::Defaults::with_http_proxy))
    /// or by a pipeline configuration's `shotgun.yml`.
    Configuration,
    /// `toolkit.ini`'s `[Login] http_proxy`.
    ToolkitIni,
    /// The environment variable of this name (`http_proxy`, `HTTP_PROXY`, …).
    Environment(String),
    /// The operating system's settings: the Windows registry, macOS System Configuration.
    SystemSettings,
}

impl fmt::Display for ProxySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Configuration => f.write_str("configuration"),
            Self::ToolkitIni => f.write_str("toolkit.ini"),
            Self::Environment(name) => write!(f, "environment variable {name}"),
            Self::SystemSettings => f.write_str("system settings"),
        }
    }
}

/// The Toolkit's proxy and where it came from.
///
/// `proxy` holds a password when the proxy has one: `Debug` redacts it, and so must
/// anything that shows it ([`redact_proxy_password`](tk_auth_core::redact_proxy_password)).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpProxySetting {
    /// `[scheme://][user:password@]host[:port]`; empty means no proxy (a `toolkit.ini` or a
    /// configuration can say so).
    pub proxy: String,
    /// Where it came from.
    pub source: ProxySource,
}

impl HttpProxySetting {
    /// A proxy and where it came from.
    pub fn new(proxy: impl Into<String>, source: ProxySource) -> Self {
        Self {
            proxy: proxy.into(),
            source,
        }
    }
}

impl fmt::Debug for HttpProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpProxySetting")
            .field("proxy", &tk_auth_core::redact_proxy_password(&self.proxy))
            .field("source", &self.source)
            .finish()
    }
}

/// The system proxy for `http`, or `None`: the environment's, else (for the process
/// environment, when no proxy variable at all is set) the operating system's settings.
///
/// The environment's rule, shared with `tk-auth-http`'s proxy selection
/// (`docs/network.md`):
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
    system_http_proxy_setting(env, &SystemProxySettings::for_env(env)).map(|s| s.proxy)
}

/// [`system_http_proxy`] with where it came from, the operating system's settings read
/// through `system`.
pub(crate) fn system_http_proxy_setting(
    env: &Env,
    system: &SystemProxySettings,
) -> Option<HttpProxySetting> {
    let (proxy, source) = match environment_http_proxy(env) {
        Some((name, value)) => (value, ProxySource::Environment(name)),
        // Python's `getproxies` reads the system's settings only when the environment names
        // no proxy of any kind.
        None if !environment_names_a_proxy(env) => (
            system.http_proxy()?.trim().to_owned(),
            ProxySource::SystemSettings,
        ),
        None => return None,
    };
    Some(HttpProxySetting::new(
        proxy.replacen("http://", "", 1),
        source,
    ))
}

/// The variable that sets the proxy for `http`, and its trimmed, non-empty value.
fn environment_http_proxy(env: &Env) -> Option<(String, String)> {
    const LOWER: &str = "http_proxy";
    if let Some(value) = env.var(LOWER) {
        let value = value.trim();
        return (!value.is_empty()).then(|| (LOWER.to_owned(), value.to_owned()));
    }
    if env.is_set(env::REQUEST_METHOD) {
        return None;
    }
    env.vars()
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(LOWER))
        .map(|(name, value)| (name, value.trim().to_owned()))
        .find(|(_, value)| !value.is_empty())
}

/// Whether the environment names any proxy (`<scheme>_proxy`, `no_proxy` included), as
/// Python's `getproxies_environment` finds them: every spelling with a value, but an
/// upper-case `HTTP_PROXY` under CGI; then the lower-case spellings, a blank one removing
/// its scheme.
fn environment_names_a_proxy(env: &Env) -> bool {
    let vars = env.vars();
    let scheme_of = |name: &str| {
        let split = name.len().checked_sub("_proxy".len())?;
        let suffix = name.get(split..)?;
        suffix
            .eq_ignore_ascii_case("_proxy")
            .then(|| name[..split].to_ascii_lowercase())
    };
    let mut proxies = BTreeSet::new();
    for (name, value) in &vars {
        if let Some(scheme) = scheme_of(name)
            && !value.trim().is_empty()
        {
            proxies.insert(scheme);
        }
    }
    if env.is_set(env::REQUEST_METHOD) {
        proxies.remove("http");
    }
    for (name, value) in &vars {
        if name.ends_with("_proxy")
            && let Some(scheme) = scheme_of(name)
        {
            if value.trim().is_empty() {
                proxies.remove(&scheme);
            } else {
                proxies.insert(scheme);
            }
        }
    }
    !proxies.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system proxy of `pairs` when the operating system names `http://os-proxy:3128`.
    fn with_os_proxy(pairs: &[(&str, &str)]) -> Option<(String, String)> {
        let env = Env::from_pairs(pairs.iter().copied());
        system_http_proxy_setting(&env, &SystemProxySettings::given("http://os-proxy:3128"))
            .map(|s| (s.proxy, s.source.to_string()))
    }

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

    #[test]
    fn the_system_settings_count_only_when_no_proxy_variable_is_set() {
        let os = |name: &str| Some(("os-proxy:3128".to_owned(), name.to_owned()));
        assert_eq!(with_os_proxy(&[]), os("system settings"));
        assert_eq!(with_os_proxy(&[("HOME", "/h")]), os("system settings"));
        // Any proxy variable speaks for the environment, as in Python's `getproxies`: an
        // https-only one, a bypass list, another scheme's.
        for name in [
            "HTTPS_PROXY",
            "no_proxy",
            "NO_PROXY",
            "ftp_proxy",
            "ALL_PROXY",
        ] {
            assert_eq!(with_os_proxy(&[(name, "x:1")]), None, "{name}");
        }
        assert_eq!(
            with_os_proxy(&[("HTTP_PROXY", "http://env:1")]),
            Some((
                "env:1".to_owned(),
                "environment variable HTTP_PROXY".to_owned()
            ))
        );
    }

    #[test]
    fn variables_python_does_not_count_leave_the_system_settings_in_force() {
        let os = Some(("os-proxy:3128".to_owned(), "system settings".to_owned()));
        // Set empty: Python's `getproxies_environment` leaves such a variable out, and with
        // nothing else set reads the system's settings.
        assert_eq!(with_os_proxy(&[("http_proxy", "")]), os);
        assert_eq!(with_os_proxy(&[("HTTPS_PROXY", " ")]), os);
        // A lower-case empty variable removes what another spelling said.
        assert_eq!(
            with_os_proxy(&[("HTTPS_PROXY", "x:1"), ("https_proxy", "")]),
            os
        );
        // Under CGI an upper-case HTTP_PROXY is no proxy variable at all.
        assert_eq!(
            with_os_proxy(&[
                ("HTTP_PROXY", "http://attacker:1"),
                ("REQUEST_METHOD", "GET")
            ]),
            os
        );
        // Names that only resemble one are not proxy variables.
        assert_eq!(with_os_proxy(&[("PROXY", "x:1"), ("HTTPPROXY", "x:1")]), os);
    }

    #[test]
    fn a_fixed_environment_reads_no_system_settings() {
        assert_eq!(system_http_proxy(&Env::empty()), None);
    }

    #[test]
    fn debug_redacts_the_password_of_a_setting() {
        let setting = HttpProxySetting::new("bob:canary@proxy:3128", ProxySource::ToolkitIni);
        let shown = format!("{setting:?}");
        assert!(
            !shown.contains("canary") && shown.contains("ToolkitIni"),
            "{shown}"
        );
    }
}
