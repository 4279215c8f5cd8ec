//! Choosing the proxy for a site: the configured one, or the environment's unless `NO_PROXY`
//! lists the site.

use std::net::IpAddr;

use url::Url;

use crate::env::REQUEST_METHOD;
use crate::options::ProxySetting;
use crate::site_url::redact_userinfo;
use crate::transport::ProxyLabel;
use crate::{Env, HttpError, SiteUrl};

/// The proxy a client uses, ready for reqwest, with the name errors give it.
pub(crate) struct ChosenProxy {
    /// The proxy URL with percent-encoded credentials. Holds a password: never log it.
    pub(crate) url: String,
    pub(crate) label: ProxyLabel,
}

impl ChosenProxy {
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Proxy, HttpError> {
        reqwest::Proxy::all(self.url.as_str()).map_err(|e| HttpError::ClientSetup(Box::new(e)))
    }
}

/// The proxy for `site`, or `None` to connect directly.
pub(crate) fn choose(
    setting: &ProxySetting,
    site: &SiteUrl,
    env: &Env,
) -> Result<Option<ChosenProxy>, HttpError> {
    match setting {
        ProxySetting::Direct => Ok(None),
        ProxySetting::Explicit(proxy) if !matches!(proxy.scheme(), "http" | "https") => {
            Err(HttpError::InvalidProxy(tk_auth_core::Error::InvalidProxy {
                proxy: proxy.to_string(),
                reason: "only http:// and https:// proxies are supported".into(),
            }))
        }
        ProxySetting::Explicit(proxy) => Ok(Some(ChosenProxy {
            url: proxy.to_url(),
            label: ProxyLabel {
                host_port: host_port(proxy.host(), proxy.port()),
                has_credentials: proxy.username().is_some(),
            },
        })),
        ProxySetting::FromEnvironment => {
            let Some((variable, value)) = environment_proxy(site, env) else {
                return Ok(None);
            };
            let invalid = || HttpError::InvalidEnvironmentProxy {
                variable: variable.clone(),
                proxy: redact_userinfo(&value),
            };
            let with_scheme = if value.contains("://") {
                value.clone()
            } else {
                format!("http://{value}")
            };
            let url = Url::parse(&with_scheme).map_err(|_| invalid())?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(invalid());
            }
            // A proxy is a host and port only; anything after it is most likely the rest of
            // a password that holds `/`, `?` or `#` without percent-encoding.
            if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some()
            {
                return Err(invalid());
            }
            let host = url
                .host_str()
                .filter(|h| !h.is_empty())
                .ok_or_else(invalid)?;
            let port = url.port_or_known_default().unwrap_or(80);
            tracing::debug!(variable, proxy = %host_port(host, port), "using the proxy from the environment");
            Ok(Some(ChosenProxy {
                label: ProxyLabel {
                    host_port: host_port(host, port),
                    has_credentials: !url.username().is_empty(),
                },
                url: url.to_string(),
            }))
        }
    }
}

/// The proxy variable a client with [`ProxySetting::FromEnvironment`] takes its proxy from
/// for `site`, as `(name, value)` — the value trimmed and as written, a password included:
/// never log it. `None` when the client connects directly: no variable for the site's scheme
/// (`https_proxy` or `http_proxy`, by the rule of `docs/network.md`), or `NO_PROXY` lists the
/// site.
///
/// ```
/// use tk_auth_http::{Env, SiteUrl, environment_proxy};
///
/// let env = Env::from_pairs([("HTTPS_PROXY", "proxy.local:3128"), ("NO_PROXY", "intranet.local")]);
/// let site = SiteUrl::parse("https://mystudio.shotgunstudio.com")?;
/// assert_eq!(environment_proxy(&site, &env), Some(("HTTPS_PROXY".into(), "proxy.local:3128".into())));
/// assert_eq!(environment_proxy(&SiteUrl::parse("https://intranet.local")?, &env), None);
/// # Ok::<(), tk_auth_http::HttpError>(())
/// ```
pub fn environment_proxy(site: &SiteUrl, env: &Env) -> Option<(String, String)> {
    let found = proxy_variable(env, site.scheme())?;
    if proxy_variable(env, "no").is_some_and(|(_, list)| no_proxy_matches(&list, site.host())) {
        tracing::debug!(site = %site, "NO_PROXY lists the site: connecting directly");
        return None;
    }
    Some(found)
}

/// The environment's proxy variable for `scheme` (`https`, `http`, or `no` for the
/// bypass list), as `(name, value)`, by the rule `docs/network.md` states once for every
/// reader (the system proxy of `tk-auth-defaults` follows it too):
///
/// 1. the lower-case `<scheme>_proxy`, when set, decides — set to an empty value, it means
///    no proxy at all;
/// 2. else another spelling (`HTTPS_PROXY`, …) with a non-empty value — except
///    `HTTP_PROXY` when `REQUEST_METHOD` is set: under CGI a client's `Proxy:` header
///    arrives as `HTTP_PROXY` (httpoxy, CVE-2016-1000110), as Python's `getproxies` knows;
/// 3. else none.
pub(crate) fn proxy_variable(env: &Env, scheme: &str) -> Option<(String, String)> {
    let lower = format!("{scheme}_proxy");
    if let Some(value) = env.var(&lower) {
        let value = value.trim();
        return (!value.is_empty()).then(|| (lower, value.to_owned()));
    }
    if scheme == "http" && env.is_set(REQUEST_METHOD) {
        return None;
    }
    env.vars()
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(&lower))
        .map(|(name, value)| (name, value.trim().to_owned()))
        .find(|(_, value)| !value.is_empty())
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Whether a `NO_PROXY` list names `host`: `*`, an exact name, a parent domain (with or
/// without a leading dot), an IP address, or an IP network in CIDR form.
pub(crate) fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some(ip) = host_ip {
                if let Some((net, bits)) = entry.split_once('/') {
                    return match (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                        (Ok(net), Ok(bits)) => in_network(ip, net, bits),
                        _ => false,
                    };
                }
                let entry = entry.trim_start_matches('[').trim_end_matches(']');
                return entry.parse::<IpAddr>().is_ok_and(|e| e == ip);
            }
            let domain = entry.trim_start_matches('.');
            host == domain || host.ends_with(&format!(".{domain}"))
        })
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tk_auth_core::HttpProxy;

    fn site(url: &str) -> SiteUrl {
        SiteUrl::parse(url).unwrap()
    }

    #[test]
    fn no_proxy_matches_names_domains_addresses_and_networks() {
        assert!(no_proxy_matches("*", "anything"));
        assert!(no_proxy_matches("example.com", "site.example.com"));
        assert!(no_proxy_matches(" .example.com ", "example.com"));
        assert!(!no_proxy_matches("example.com", "notexample.com"));
        assert!(no_proxy_matches("localhost,127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("10.0.0.0/8", "10.1.2.3"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.1.2.3"));
        assert!(no_proxy_matches("::1", "[::1]"));
        assert!(!no_proxy_matches("", "site"));
    }

    #[test]
    fn the_environment_proxy_follows_the_site_scheme_and_no_proxy() {
        let env = Env::from_pairs([
            ("HTTPS_PROXY", "http://u:p%40ss@secure-proxy:3128"),
            ("http_proxy", "plain-proxy"),
            ("NO_PROXY", "direct.example.com"),
        ]);
        let https = choose(
            &ProxySetting::FromEnvironment,
            &site("https://a.example.com"),
            &env,
        )
        .unwrap()
        .unwrap();
        assert_eq!(https.label.host_port, "secure-proxy:3128");
        assert!(https.label.has_credentials);
        assert_eq!(https.url, "http://u:p%40ss@secure-proxy:3128/");
        let http = choose(
            &ProxySetting::FromEnvironment,
            &site("http://a.example.com"),
            &env,
        )
        .unwrap()
        .unwrap();
        assert_eq!(http.label.host_port, "plain-proxy:80");
        let direct = choose(
            &ProxySetting::FromEnvironment,
            &site("https://direct.example.com"),
            &env,
        )
        .unwrap();
        assert!(direct.is_none());
        assert!(
            choose(&ProxySetting::Direct, &site("https://a.example.com"), &env)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn an_explicit_proxy_keeps_credential_case_and_encodes_them() {
        let proxy = HttpProxy::parse("Bob:MiXeD@Case:pw@proxy.local:3128").unwrap();
        let chosen = choose(
            &ProxySetting::Explicit(proxy),
            &site("https://a.example.com"),
            &Env::empty(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(chosen.label.host_port, "proxy.local:3128");
        let url = Url::parse(&chosen.url).unwrap();
        assert_eq!(url.username(), "Bob");
        let password = percent_encoding::percent_decode_str(url.password().unwrap())
            .decode_utf8()
            .unwrap();
        assert_eq!(password, "MiXeD@Case:pw");
    }

    #[test]
    fn only_http_and_https_proxies_are_accepted() {
        let proxy = HttpProxy::parse("socks5://u:hunter2@proxy.local:1080").unwrap();
        let err = choose(
            &ProxySetting::Explicit(proxy),
            &site("https://a.example.com"),
            &Env::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("only http:// and https://"),
            "{err}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn lower_case_wins_and_an_empty_lower_case_variable_means_no_proxy() {
        let var = |pairs: &[(&str, &str)], scheme| {
            proxy_variable(&Env::from_pairs(pairs.iter().copied()), scheme)
                .map(|(name, value)| format!("{name}={value}"))
        };
        let both = [("HTTPS_PROXY", "upper:1"), ("https_proxy", "lower:2")];
        assert_eq!(var(&both, "https").as_deref(), Some("https_proxy=lower:2"));
        let off = [("HTTPS_PROXY", "upper:1"), ("https_proxy", " ")];
        assert_eq!(var(&off, "https"), None);
        let upper = [("HTTPS_PROXY", " upper:1 ")];
        assert_eq!(var(&upper, "https").as_deref(), Some("HTTPS_PROXY=upper:1"));
        let mixed = [("Http_Proxy", "mixed:1")];
        assert_eq!(var(&mixed, "http").as_deref(), Some("Http_Proxy=mixed:1"));
        assert_eq!(var(&[], "https"), None);
    }

    #[test]
    fn under_cgi_an_upper_case_http_proxy_is_ignored() {
        let env = Env::from_pairs([
            ("HTTP_PROXY", "http://attacker:3128"),
            ("HTTPS_PROXY", "http://secure:3128"),
            ("REQUEST_METHOD", "GET"),
        ]);
        let http = choose(
            &ProxySetting::FromEnvironment,
            &site("http://a.example.com"),
            &env,
        )
        .unwrap();
        assert!(http.is_none());
        // Only HTTP_PROXY can come from a request header; the others still count.
        let https = choose(
            &ProxySetting::FromEnvironment,
            &site("https://a.example.com"),
            &env,
        )
        .unwrap()
        .unwrap();
        assert_eq!(https.label.host_port, "secure:3128");
        let lower = Env::from_pairs([
            ("http_proxy", "http://mine:3128"),
            ("REQUEST_METHOD", "GET"),
        ]);
        let http = choose(
            &ProxySetting::FromEnvironment,
            &site("http://a.example.com"),
            &lower,
        )
        .unwrap()
        .unwrap();
        assert_eq!(http.label.host_port, "mine:3128");
    }

    #[test]
    fn environment_proxy_passwords_with_url_delimiters_never_reach_a_message() {
        for password in [
            "ca/nary",
            "12/canary",
            "ca?nary",
            "ca#nary",
            "ca%zznary",
            "ca@nary",
            "1/canary?#%@:x",
        ] {
            let value = format!("http://u:{password}@proxy.local:3128");
            let env = Env::from_pairs([("HTTPS_PROXY", value.as_str())]);
            let shown = match choose(
                &ProxySetting::FromEnvironment,
                &site("https://a.example.com"),
                &env,
            ) {
                Ok(Some(chosen)) => format!("{:?}", chosen.label),
                Ok(None) => String::new(),
                Err(err) => format!("{err} {err:?}"),
            };
            assert!(!shown.contains("nary"), "{value}: {shown}");
        }
    }

    #[test]
    fn a_bad_environment_proxy_is_reported_without_its_password() {
        let env = Env::from_pairs([("HTTPS_PROXY", "http://u:hunter2@")]);
        let err = choose(
            &ProxySetting::FromEnvironment,
            &site("https://a.example.com"),
            &env,
        )
        .err()
        .unwrap();
        assert!(
            matches!(err, HttpError::InvalidEnvironmentProxy { .. }),
            "{err}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
