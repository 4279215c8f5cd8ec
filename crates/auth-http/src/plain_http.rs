//! When credentials may travel unencrypted: a password, a script key or a browser approval
//! goes to a plain `http://` site only when the site is this computer, or when
//! [`SGTK_AUTH_ALLOW_NO_HTTPS`] is set (as the Python Toolkit allows for legacy local
//! installations).

use crate::env::SGTK_AUTH_ALLOW_NO_HTTPS;
use crate::{Auth, Env, HttpError, SiteClient, SiteUrl};

/// Whether credentials may be sent to `site`, decided once per client.
pub(crate) fn allowed(site: &SiteUrl, env: &Env) -> bool {
    site.scheme() == "https"
        || is_loopback(site.host())
        || env
            .var(SGTK_AUTH_ALLOW_NO_HTTPS)
            .is_some_and(|v| !v.is_empty())
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
        let allowed_for = |url: &str, env: &Env| allowed(&SiteUrl::parse(url).unwrap(), env);
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
}
