//! The operating system's proxy settings, the last place the Toolkit's proxy comes from: the
//! Windows registry (`Internet Settings`) and macOS System Configuration, read as Python's
//! `urllib.request.getproxies` reads them when no proxy variable is set
//! (`docs/network.md`, *Proxy*). Other systems have none.
//!
//! The registry and System Configuration are read through their crates (`windows-registry`,
//! `system-configuration`); what is read goes through plain functions that every platform's
//! tests exercise.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::proxy::shown_proxy;

/// Where the operating system's proxy settings come from: this computer's, read at each
/// use, or a fixed answer.
///
/// [`Defaults`](crate::Defaults) made from the process environment read this computer's;
/// defaults made from a fixed [`Env`](crate::Env) read none, as a fixed set of variables
/// describes everything there is. `Debug` redacts a password.
///
/// ```
/// use tk_auth_defaults::SystemProxySettings;
///
/// let settings = SystemProxySettings::given("http://proxy.example:3128");
/// assert_eq!(settings.http_proxy().as_deref(), Some("http://proxy.example:3128"));
/// assert_eq!(SystemProxySettings::none().http_proxy(), None);
/// ```
#[derive(Clone)]
pub struct SystemProxySettings(Source);

#[derive(Clone)]
enum Source {
    Os,
    Given(Option<Arc<str>>),
}

impl SystemProxySettings {
    /// This computer's settings: on Windows the current user's `Internet Settings`
    /// (`ProxyEnable`, `ProxyServer`), on macOS the HTTP proxy of System Configuration,
    /// elsewhere none.
    pub fn os() -> Self {
        Self(Source::Os)
    }

    /// No settings: nothing is read from the operating system.
    pub fn none() -> Self {
        Self(Source::Given(None))
    }

    /// Settings that name `http_proxy` as the operating system's proxy for `http`, as
    /// Python's `getproxies()["http"]` would give it (`http://host:port`).
    pub fn given(http_proxy: impl Into<String>) -> Self {
        let proxy: String = http_proxy.into();
        Self(Source::Given(Some(proxy.into())))
    }

    /// This computer's settings for the process environment, none for a fixed set.
    pub(crate) fn for_env(env: &crate::Env) -> Self {
        if env.is_process() {
            Self::os()
        } else {
            Self::none()
        }
    }

    /// The proxy for `http` these settings name, as `getproxies()["http"]` gives it, or
    /// `None`.
    pub fn http_proxy(&self) -> Option<String> {
        let proxy = match &self.0 {
            Source::Os => os::http_proxy(),
            Source::Given(proxy) => proxy.as_deref().map(str::to_owned),
        };
        proxy.filter(|p| !p.trim().is_empty())
    }
}

impl fmt::Debug for SystemProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Os => f.write_str("SystemProxySettings(os)"),
            Source::Given(proxy) => f
                .debug_tuple("SystemProxySettings")
                .field(&shown_proxy(proxy.as_deref()))
                .finish(),
        }
    }
}

/// The proxies a Windows `ProxyServer` value names, by scheme, as Python's
/// `getproxies_registry` reads it: one `host:port` for `http`, `https` and `ftp`, or
/// `scheme=address` entries separated by `;`. An address without a scheme is an `http://`
/// proxy (`socks://` for `socks`), and a `socks` entry stands in (as `socks4://`) for a
/// missing `http` or `https` one.
///
/// Like Python, reading stops at the first entry without `=`, keeping the entries before it
/// (and then no `socks` stand-in).
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn registry_proxies(server: &str) -> BTreeMap<String, String> {
    let single;
    let server = if server.contains('=') || server.contains(';') {
        server
    } else {
        single = format!("http={server};https={server};ftp={server}");
        &single
    };
    let mut proxies = BTreeMap::new();
    for entry in server.split(';') {
        let Some((scheme, address)) = entry.split_once('=') else {
            return proxies;
        };
        let address = if has_scheme(address) {
            address.to_owned()
        } else {
            match scheme {
                "http" | "https" | "ftp" => format!("http://{address}"),
                "socks" => format!("socks://{address}"),
                _ => address.to_owned(),
            }
        };
        proxies.insert(scheme.to_owned(), address);
    }
    if let Some(socks) = proxies.get("socks").filter(|s| !s.is_empty()) {
        let socks = match socks.strip_prefix("socks://") {
            Some(rest) => format!("socks4://{rest}"),
            None => socks.clone(),
        };
        for scheme in ["http", "https"] {
            let entry = proxies.entry(scheme.to_owned()).or_default();
            if entry.is_empty() {
                entry.clone_from(&socks);
            }
        }
    }
    proxies
}

/// Whether an address starts with `scheme://` (at least one character that is neither `/`
/// nor `:`, then `://`), as Python's test of registry addresses has it.
fn has_scheme(address: &str) -> bool {
    address
        .find("://")
        .is_some_and(|end| end > 0 && !address[..end].contains(['/', ':']))
}

/// The `http` proxy of macOS System Configuration's values, as Python's `_scproxy` gives
/// it: when `HTTPEnable` is non-zero and `HTTPProxy` is set, `http://host[:port]`.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub(crate) fn sysconf_http_proxy(
    enabled: Option<i64>,
    host: Option<String>,
    port: Option<i64>,
) -> Option<String> {
    if enabled.unwrap_or(0) == 0 {
        return None;
    }
    let host = host?;
    Some(match port {
        Some(port) => format!("http://{host}:{port}"),
        None => format!("http://{host}"),
    })
}

#[cfg(windows)]
mod os {
    /// Where Windows keeps the current user's proxy settings.
    const INTERNET_SETTINGS: &str = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings";

    pub(super) fn http_proxy() -> Option<String> {
        let key = windows_registry::CURRENT_USER
            .open(INTERNET_SETTINGS)
            .inspect_err(|e| tracing::debug!(error = %e, "no Internet Settings in the registry"))
            .ok()?;
        // Python tests the value for truth: a DWORD other than 0 (a string value, which
        // Windows never writes there, when it is not empty).
        let enabled = match key.get_u32("ProxyEnable") {
            Ok(value) => value != 0,
            Err(_) => key.get_string("ProxyEnable").is_ok_and(|s| !s.is_empty()),
        };
        if !enabled {
            return None;
        }
        let server = key.get_string("ProxyServer").ok()?;
        let proxy = super::registry_proxies(&server).remove("http");
        tracing::debug!(
            found = proxy.is_some(),
            "read the registry's proxy settings"
        );
        proxy
    }
}

#[cfg(target_os = "macos")]
mod os {
    use system_configuration::core_foundation::base::CFType;
    use system_configuration::core_foundation::dictionary::CFDictionary;
    use system_configuration::core_foundation::number::CFNumber;
    use system_configuration::core_foundation::string::CFString;
    use system_configuration::dynamic_store::SCDynamicStoreBuilder;

    pub(super) fn http_proxy() -> Option<String> {
        let store = SCDynamicStoreBuilder::new("tk-auth").build()?;
        let proxies = store.get_proxies()?;
        // The keys are the documented values of `kSCPropNetProxiesHTTP*`; naming them as
        // text needs no access to the framework's statics.
        let number = |key: &'static str| {
            value(&proxies, key)
                .and_then(|v| v.downcast::<CFNumber>())
                .and_then(|n| n.to_i64())
        };
        let host = value(&proxies, "HTTPProxy")
            .and_then(|v| v.downcast::<CFString>())
            .map(|s| s.to_string());
        super::sysconf_http_proxy(number("HTTPEnable"), host, number("HTTPPort"))
    }

    fn value(proxies: &CFDictionary<CFString, CFType>, key: &'static str) -> Option<CFType> {
        proxies
            .find(CFString::from_static_string(key))
            .map(|v| v.clone())
    }
}

#[cfg(not(any(windows, target_os = "macos")))]
mod os {
    /// Python reads proxies from the environment only here, and so does tk-auth.
    pub(super) fn http_proxy() -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(server: &str) -> Vec<(String, String)> {
        registry_proxies(server).into_iter().collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn one_registry_proxy_serves_http_https_and_ftp() {
        assert_eq!(
            proxies("proxy.example:3128"),
            pairs(&[
                ("ftp", "http://proxy.example:3128"),
                ("http", "http://proxy.example:3128"),
                ("https", "http://proxy.example:3128"),
            ])
        );
        assert_eq!(
            proxies("https://secure.example:443"),
            pairs(&[
                ("ftp", "https://secure.example:443"),
                ("http", "https://secure.example:443"),
                ("https", "https://secure.example:443"),
            ])
        );
    }

    #[test]
    fn per_protocol_registry_entries_go_to_their_schemes() {
        assert_eq!(
            proxies("http=proxy.example:3128;https=secure.example:3129;ftp=ftp.example:21"),
            pairs(&[
                ("ftp", "http://ftp.example:21"),
                ("http", "http://proxy.example:3128"),
                ("https", "http://secure.example:3129"),
            ])
        );
        // Only an https entry: there is no http proxy.
        assert_eq!(
            proxies("https=secure.example:3129"),
            pairs(&[("https", "http://secure.example:3129")])
        );
    }

    #[test]
    fn a_socks_entry_stands_in_for_missing_http_and_https_ones() {
        assert_eq!(
            proxies("socks=socks.example:1080"),
            pairs(&[
                ("http", "socks4://socks.example:1080"),
                ("https", "socks4://socks.example:1080"),
                ("socks", "socks://socks.example:1080"),
            ])
        );
        assert_eq!(
            registry_proxies("http=proxy.example:3128;socks=socks5://socks.example:1080")["http"],
            "http://proxy.example:3128"
        );
    }

    #[test]
    fn reading_stops_at_an_entry_without_equals_as_in_python() {
        assert_eq!(
            proxies("http=proxy.example:3128;oops;https=secure.example:1"),
            pairs(&[("http", "http://proxy.example:3128")])
        );
        assert_eq!(proxies("proxy.example:3128;"), pairs(&[]));
        assert_eq!(proxies("socks=s:1;"), pairs(&[("socks", "socks://s:1")]));
    }

    #[test]
    fn sysconf_values_make_an_http_url_when_enabled() {
        let host = || Some("proxy.example".to_owned());
        assert_eq!(
            sysconf_http_proxy(Some(1), host(), Some(3128)).as_deref(),
            Some("http://proxy.example:3128")
        );
        assert_eq!(
            sysconf_http_proxy(Some(1), host(), None).as_deref(),
            Some("http://proxy.example")
        );
        assert_eq!(sysconf_http_proxy(Some(0), host(), Some(3128)), None);
        assert_eq!(sysconf_http_proxy(None, host(), Some(3128)), None);
        assert_eq!(sysconf_http_proxy(Some(1), None, Some(3128)), None);
    }

    #[test]
    fn given_settings_show_no_password() {
        let shown = format!("{:?}", SystemProxySettings::given("http://u:canary@p:1"));
        assert!(!shown.contains("canary"), "{shown}");
        assert_eq!(
            format!("{:?}", SystemProxySettings::os()),
            "SystemProxySettings(os)"
        );
        assert_eq!(SystemProxySettings::given(" ").http_proxy(), None);
    }

    #[test]
    fn only_windows_and_macos_have_settings() {
        if cfg!(not(any(windows, target_os = "macos"))) {
            assert_eq!(SystemProxySettings::os().http_proxy(), None);
        }
    }
}
