//! The user model: a person logged in with a session token, or a script with an api key.

use std::fmt;

use crate::{Error, Secret, Site, cookies};

/// Which Python `ShotgunUser` class a user is: decided by the cookies in a session user's
/// metadata (SAML claims win over a web session); script users are always `ShotgunUser`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserClass {
    /// A user with no web-login cookies (login/password, or a script).
    ShotgunUser,
    /// A session user whose cookies hold a Unified Login Flow session.
    ShotgunWebUser,
    /// A session user whose cookies hold SSO/SAML claims; these need claims renewal.
    ShotgunSamlUser,
}

impl UserClass {
    /// The Python class name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShotgunUser => "ShotgunUser",
            Self::ShotgunWebUser => "ShotgunWebUser",
            Self::ShotgunSamlUser => "ShotgunSamlUser",
        }
    }
}

impl fmt::Display for UserClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Python's `ShotgunUser` check, shared by both kinds of user.
fn require_host(site: &Site) -> Result<(), Error> {
    if site.is_empty() {
        return Err(Error::IncompleteCredentials("missing host".to_owned()));
    }
    Ok(())
}

/// The proxy as `Debug` shows it: a proxy setting may carry a password.
fn redacted_proxy(http_proxy: Option<&str>) -> Option<String> {
    http_proxy.map(crate::redact_proxy_password)
}

/// A person logged in to a site with a session token (Python's `SessionUser`).
///
/// `Debug` shows the host, login and proxy but never the token, the cookies or a password
/// the host or proxy carries.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionUser {
    site: Site,
    login: String,
    session_token: Secret,
    http_proxy: Option<String>,
    session_metadata: Option<Secret>,
}

impl SessionUser {
    /// A session user; the host, login and token must not be empty (Python's
    /// `IncompleteCredentials`: `missing host`, `missing login.`, `missing session_token`).
    pub fn new(
        site: impl Into<Site>,
        login: impl Into<String>,
        session_token: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let (site, login, session_token) = (site.into(), login.into(), session_token.into());
        require_host(&site)?;
        if login.is_empty() {
            return Err(Error::IncompleteCredentials("missing login.".to_owned()));
        }
        if session_token.is_empty() {
            return Err(Error::IncompleteCredentials(
                "missing session_token".to_owned(),
            ));
        }
        Ok(Self {
            site,
            login,
            session_token,
            http_proxy: None,
            session_metadata: None,
        })
    }

    /// The same user going through an http proxy (stored as given, not sanitized).
    #[must_use]
    pub fn with_http_proxy(mut self, http_proxy: Option<String>) -> Self {
        self.http_proxy = http_proxy;
        self
    }

    /// The same user with web-login session metadata (the encoded cookie jar).
    #[must_use]
    pub fn with_session_metadata(mut self, session_metadata: Option<Secret>) -> Self {
        self.session_metadata = session_metadata;
        self
    }

    /// The site URL, as given (what payloads keep).
    pub fn host(&self) -> &str {
        self.site.given()
    }
    /// The site.
    pub fn site(&self) -> &Site {
        &self.site
    }
    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The session token.
    pub fn session_token(&self) -> &Secret {
        &self.session_token
    }
    /// The http proxy, as given.
    pub fn http_proxy(&self) -> Option<&str> {
        self.http_proxy.as_deref()
    }
    /// The web-login cookies, base64-encoded, if the session came from a browser login.
    pub fn session_metadata(&self) -> Option<&Secret> {
        self.session_metadata.as_ref()
    }

    /// Replaces the session token (after a renewal).
    pub fn set_session_token(&mut self, session_token: Secret) {
        self.session_token = session_token;
    }
    /// Replaces the session metadata (after a web renewal).
    pub fn set_session_metadata(&mut self, session_metadata: Option<Secret>) {
        self.session_metadata = session_metadata;
    }

    /// The Python class for this user, from its cookies. A jar with sessions of two sites is
    /// an error, as in Python.
    pub fn class(&self) -> Result<UserClass, Error> {
        let Some(metadata) = &self.session_metadata else {
            return Ok(UserClass::ShotgunUser);
        };
        let metadata = Some(metadata.expose());
        if cookies::has_sso_info_in_cookies(metadata)? {
            Ok(UserClass::ShotgunSamlUser)
        } else if cookies::has_unified_login_flow_info_in_cookies(metadata) {
            Ok(UserClass::ShotgunWebUser)
        } else {
            Ok(UserClass::ShotgunUser)
        }
    }
}

impl fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionUser")
            .field("host", &crate::redact_url_credentials(self.site.given()))
            .field("login", &self.login)
            .field("session_token", &self.session_token)
            .field("http_proxy", &redacted_proxy(self.http_proxy.as_deref()))
            .field("session_metadata", &self.session_metadata)
            .finish()
    }
}

/// A script (API user) authenticating with its name and api key (Python's `ScriptUser`).
///
/// `Debug` never shows the key, or a password the host or proxy carries.
#[derive(Clone, PartialEq, Eq)]
pub struct ScriptUser {
    site: Site,
    api_script: String,
    api_key: Secret,
    http_proxy: Option<String>,
}

impl ScriptUser {
    /// A script user; the host, script name and key must not be empty (Python's
    /// `IncompleteCredentials`: `missing host`, `missing api_script and/or api_key`).
    pub fn new(
        site: impl Into<Site>,
        api_script: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let (site, api_script, api_key) = (site.into(), api_script.into(), api_key.into());
        require_host(&site)?;
        if api_script.is_empty() || api_key.is_empty() {
            return Err(Error::IncompleteCredentials(
                "missing api_script and/or api_key".to_owned(),
            ));
        }
        Ok(Self {
            site,
            api_script,
            api_key,
            http_proxy: None,
        })
    }

    /// The same user going through an http proxy (stored as given, not sanitized).
    #[must_use]
    pub fn with_http_proxy(mut self, http_proxy: Option<String>) -> Self {
        self.http_proxy = http_proxy;
        self
    }

    /// The site URL, as given (what payloads keep).
    pub fn host(&self) -> &str {
        self.site.given()
    }
    /// The site.
    pub fn site(&self) -> &Site {
        &self.site
    }
    /// The script name (the `ApiUser`'s `firstname`).
    pub fn api_script(&self) -> &str {
        &self.api_script
    }
    /// The api key.
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }
    /// The http proxy, as given.
    pub fn http_proxy(&self) -> Option<&str> {
        self.http_proxy.as_deref()
    }
}

impl fmt::Debug for ScriptUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptUser")
            .field("host", &crate::redact_url_credentials(self.site.given()))
            .field("api_script", &self.api_script)
            .field("api_key", &self.api_key)
            .field("http_proxy", &redacted_proxy(self.http_proxy.as_deref()))
            .finish()
    }
}

/// A Toolkit user: what Python processes hand each other as a serialized payload.
///
/// `Display` is the login or the script name (Python's `str(user)`); [`User::repr`] is
/// Python's `repr(user)`.
///
/// ```
/// use tk_auth_core::{User, SessionUser, UserClass};
///
/// let user = User::from(SessionUser::new("https://mysite.shotgunstudio.com", "jdoe", "tok")?);
/// assert_eq!(user.to_string(), "jdoe");
/// assert_eq!(user.repr(), "<SessionUser jdoe @ https://mysite.shotgunstudio.com>");
/// assert_eq!(user.class()?, UserClass::ShotgunUser);
/// assert!(!format!("{user:?}").contains("tok\""));
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum User {
    /// A person with a session token.
    Session(SessionUser),
    /// A script with an api key.
    Script(ScriptUser),
}

impl User {
    /// The site URL, as given (what payloads keep).
    pub fn host(&self) -> &str {
        self.site().given()
    }
    /// The site.
    pub fn site(&self) -> &Site {
        match self {
            Self::Session(u) => u.site(),
            Self::Script(u) => u.site(),
        }
    }
    /// The login; `None` for a script user, as in Python.
    pub fn login(&self) -> Option<&str> {
        match self {
            Self::Session(u) => Some(u.login()),
            Self::Script(_) => None,
        }
    }
    /// The http proxy, as given.
    pub fn http_proxy(&self) -> Option<&str> {
        match self {
            Self::Session(u) => u.http_proxy(),
            Self::Script(u) => u.http_proxy(),
        }
    }
    /// The session metadata; `None` for a script user.
    pub fn session_metadata(&self) -> Option<&Secret> {
        match self {
            Self::Session(u) => u.session_metadata(),
            Self::Script(_) => None,
        }
    }
    /// The Python implementation class name: `SessionUser` or `ScriptUser` (the payload's
    /// `type`).
    pub fn impl_type(&self) -> &'static str {
        match self {
            Self::Session(_) => "SessionUser",
            Self::Script(_) => "ScriptUser",
        }
    }
    /// The Python `ShotgunUser` class of this user (see [`SessionUser::class`]).
    pub fn class(&self) -> Result<UserClass, Error> {
        match self {
            Self::Session(u) => u.class(),
            Self::Script(_) => Ok(UserClass::ShotgunUser),
        }
    }
    /// Python's `repr(user)`: `<SessionUser login @ host>` or `<ScriptUser name @ host>`.
    pub fn repr(&self) -> String {
        format!("<{} {self} @ {}>", self.impl_type(), self.host())
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(u) => f.write_str(u.login()),
            Self::Script(u) => f.write_str(u.api_script()),
        }
    }
}

impl From<SessionUser> for User {
    fn from(user: SessionUser) -> Self {
        Self::Session(user)
    }
}

impl From<ScriptUser> for User {
    fn from(user: ScriptUser) -> Self {
        Self::Script(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_checks_like_python() {
        let msg = |r: Result<SessionUser, Error>| r.unwrap_err().to_string();
        assert_eq!(
            msg(SessionUser::new("", "l", "t")),
            "Incomplete credentials: missing host"
        );
        assert_eq!(
            msg(SessionUser::new("h", "", "t")),
            "Incomplete credentials: missing login."
        );
        assert_eq!(
            msg(SessionUser::new("h", "l", "")),
            "Incomplete credentials: missing session_token"
        );
        assert_eq!(
            ScriptUser::new("h", "", "k").unwrap_err().to_string(),
            "Incomplete credentials: missing api_script and/or api_key"
        );
    }

    #[test]
    fn script_users_show_their_name() {
        let user = User::from(ScriptUser::new("https://h", "Toolkit", "key").unwrap());
        assert_eq!(user.to_string(), "Toolkit");
        assert_eq!(user.repr(), "<ScriptUser Toolkit @ https://h>");
        assert_eq!(user.login(), None);
    }
}
