//! When credentials may travel unencrypted: a password, a script key or a browser approval
//! goes to a plain `http://` site only when the site is this computer, or when
//! [`SGTK_AUTH_ALLOW_NO_HTTPS`] is set (as the Python Toolkit allows for legacy local
//! installations). A name pinned to a loopback address
//! ([`ClientOptions::resolve`](crate::ClientOptions::resolve)) is this computer too. The same
//! rule says where a web-session renewal may go over plain `http://` (its cookies are
//! credentials).

use std::net::SocketAddr;

use url::Url;

use crate::env::SGTK_AUTH_ALLOW_NO_HTTPS;
use crate::{Auth, Env, HttpError, SiteClient, SiteUrl};

/// Whether credentials may be sent to `site`, decided once per client.
pub(crate) fn allowed(site: &SiteUrl, env: &Env, pins: &[(String, SocketAddr)]) -> bool {
    site.scheme() == "https" || is_this_computer(site.host(), pins) || opted_in(env)
}

/// Whether a request to `url` may carry credentials (cookies, a SAML response): `https://`,
/// or plain `http://` to this computer or with [`SGTK_AUTH_ALLOW_NO_HTTPS`] set.
pub(crate) fn hop_allowed(url: &Url, env: &Env, pins: &[(String, SocketAddr)]) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url
            .host_str()
            .is_some_and(|host| is_this_computer(host, pins) || opted_in(env)),
        _ => false,
    }
}

fn opted_in(env: &Env) -> bool {
    env.var(SGTK_AUTH_ALLOW_NO_HTTPS)
        .is_some_and(|v| !v.is_empty())
}

/// A loopback host, or a name pinned to a loopback address.
fn is_this_computer(host: &str, pins: &[(String, SocketAddr)]) -> bool {
    is_loopback(host)
        || pins
            .iter()
            .any(|(name, address)| name.eq_ignore_ascii_case(host) && address.ip().is_loopback())
}

impl SiteClient {
    /// Refuses to send `what` (a password, a script key, a browser approval) over plain
    /// `http://`, unless the site is this computer or [`SGTK_AUTH_ALLOW_NO_HTTPS`] is set.
    /// Nothing has been sent when this fails.
    pub(crate) fn check_secure(&self, what: &'static str) -> Result<(), HttpError> {
        if self.inner().plain_http_allowed {
            return Ok(());
        }
        Err(HttpError::InsecureSite {
            site: self.site_label().to_owned(),
            what,
        })
    }

    /// [`check_secure`](Self::check_secure) for the credentials `auth` would send.
    pub(crate) fn check_auth_secure(&self, auth: Option<&Auth>) -> Result<(), HttpError> {
        match auth {
            Some(Auth::Password { .. }) => self.check_secure("a password"),
            Some(Auth::Script { .. }) => self.check_secure("a script key"),
            _ => Ok(()),
        }
    }
}

/// Whether `host` is this computer: `localhost` or a loopback address.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_computer_https_or_the_variable_allow_credentials() {
        let allowed_for = |url: &str, env: &Env| allowed(&SiteUrl::parse(url).unwrap(), env, &[]);
        let none = Env::empty();
        for url in [
            "https://site.example.com",
            "http://127.0.0.1:8000",
            "http://127.8.9.10",
            "http://localhost:3000",
            "http://LOCALHOST",
            "http://[::1]:8000",
        ] {
            assert!(allowed_for(url, &none), "{url}");
        }
        for url in [
            "http://site.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert!(!allowed_for(url, &none), "{url}");
        }
        let opt_in = Env::from_pairs([(SGTK_AUTH_ALLOW_NO_HTTPS, "1")]);
        assert!(allowed_for("http://site.example.com", &opt_in));
    }

    #[test]
    fn names_pinned_to_loopback_are_this_computer() {
        let pins = [
            ("site.sso.test".to_owned(), "127.0.0.1:0".parse().unwrap()),
            ("far.sso.test".to_owned(), "192.0.2.1:0".parse().unwrap()),
        ];
        let none = Env::empty();
        let hop = |url: &str| hop_allowed(&Url::parse(url).unwrap(), &none, &pins);
        assert!(hop("http://site.sso.test:8000/auth/renew"));
        assert!(hop("http://SITE.sso.test/"));
        assert!(hop("https://anywhere.example.com/"));
        assert!(hop("http://localhost:1/"));
        assert!(!hop("http://far.sso.test/"));
        assert!(!hop("http://other.example.com/"));
        assert!(!hop("ftp://site.sso.test/"));
        let site = SiteUrl::parse("http://site.sso.test:8000").unwrap();
        assert!(allowed(&site, &none, &pins));
        assert!(!allowed(&site, &none, &[]));
    }
}
