//! [`Credentials`]: what a defaults manager supplies so that a user is made without asking
//! anyone (Python's `get_user_credentials` dictionary).

use std::fmt;

use tk_auth_core::{Secret, Site};

use crate::session_cache::SessionData;

/// Credentials a defaults manager supplies without asking anyone: a person or a script, and
/// the site and proxy when the manager names them (otherwise the authenticator asks the
/// manager's `get_host` and `get_http_proxy`, as Python does for a dictionary without
/// `host` or `http_proxy`).
///
/// ```
/// use tk_auth_defaults::Credentials;
///
/// // What a studio's manager might hand a farm job: a script on a site of its own.
/// let farm = Credentials::script("farm", "key").with_host("https://render.example.com");
/// assert_eq!(farm.host().unwrap().url(), "https://render.example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// A person: a session token, else a password to log in with, else the session the
    /// cache holds for the login.
    Session {
        /// The login.
        login: String,
        /// The session token, when known.
        session_token: Option<Secret>,
        /// The web-login cookies that came with the token.
        session_metadata: Option<Secret>,
        /// A password, used only when there is no token: the site is asked for one.
        password: Option<Secret>,
        /// The site, when the manager names it.
        host: Option<Site>,
        /// The proxy, when the manager names it.
        http_proxy: Option<String>,
    },
    /// A script user.
    Script {
        /// The script name.
        api_script: String,
        /// The script's key.
        api_key: Secret,
        /// The site, when the manager names it.
        host: Option<Site>,
        /// The proxy, when the manager names it.
        http_proxy: Option<String>,
    },
}

impl Credentials {
    /// A person's session, as the session cache holds it.
    pub fn session(data: SessionData) -> Self {
        Self::Session {
            login: data.login,
            session_token: Some(data.session_token),
            session_metadata: data.session_metadata,
            password: None,
            host: None,
            http_proxy: None,
        }
    }

    /// A person who logs in with a password (a token is generated on the site).
    pub fn password(login: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self::Session {
            login: login.into(),
            session_token: None,
            session_metadata: None,
            password: Some(password.into()),
            host: None,
            http_proxy: None,
        }
    }

    /// A script user.
    pub fn script(api_script: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self::Script {
            api_script: api_script.into(),
            api_key: api_key.into(),
            host: None,
            http_proxy: None,
        }
    }

    /// The same credentials for `site` (an empty one leaves the site to the manager).
    #[must_use]
    pub fn with_host(mut self, site: impl Into<Site>) -> Self {
        let site = Some(site.into()).filter(|s| !s.is_empty());
        match &mut self {
            Self::Session { host, .. } | Self::Script { host, .. } => *host = site,
        }
        self
    }

    /// The same credentials through `proxy` (`""` leaves the proxy to the manager's
    /// `get_http_proxy`, as an empty `http_proxy` in Python's dictionary does).
    #[must_use]
    pub fn with_http_proxy(mut self, proxy: impl Into<String>) -> Self {
        match &mut self {
            Self::Session { http_proxy, .. } | Self::Script { http_proxy, .. } => {
                *http_proxy = Some(proxy.into());
            }
        }
        self
    }

    /// The site the credentials name, if any.
    pub fn host(&self) -> Option<&Site> {
        match self {
            Self::Session { host, .. } | Self::Script { host, .. } => host.as_ref(),
        }
    }

    /// The proxy the credentials name, if any.
    pub fn http_proxy(&self) -> Option<&str> {
        match self {
            Self::Session { http_proxy, .. } | Self::Script { http_proxy, .. } => {
                http_proxy.as_deref()
            }
        }
    }
}

// Secrets show as redacted; a proxy may carry a password.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = crate::proxy::shown_proxy(self.http_proxy());
        match self {
            Self::Session {
                login,
                session_token,
                session_metadata,
                password,
                host,
                ..
            } => f
                .debug_struct("Session")
                .field("login", login)
                .field("session_token", session_token)
                .field("session_metadata", session_metadata)
                .field("password", password)
                .field("host", host)
                .field("http_proxy", &proxy)
                .finish(),
            Self::Script {
                api_script,
                api_key,
                host,
                ..
            } => f
                .debug_struct("Script")
                .field("api_script", api_script)
                .field("api_key", api_key)
                .field("host", host)
                .field("http_proxy", &proxy)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let all = [
            Credentials::password("jdoe", "pw-canary-1")
                .with_host("https://bob:site-canary-2@mysite.shotgunstudio.com")
                .with_http_proxy("user:proxy-canary-3@proxy:3128"),
            Credentials::script("farm", "key-canary-4"),
            Credentials::session(SessionData {
                login: "jdoe".into(),
                session_token: Secret::new("token-canary-5"),
                session_metadata: Some(Secret::new("meta-canary-6")),
            }),
        ];
        for c in &all {
            let shown = format!("{c:?} {c:#?}");
            assert!(!shown.contains("canary"), "{shown}");
        }
    }

    #[test]
    fn an_empty_host_leaves_the_site_to_the_manager_and_an_empty_proxy_means_none() {
        let c = Credentials::script("farm", "key")
            .with_host("")
            .with_http_proxy("");
        assert_eq!(c.host(), None);
        assert_eq!(c.http_proxy(), Some(""));
    }
}
