//! Who a call is made as, and the `auth_params` object that says so on the wire.

use serde_json::{Map, Value};
use tk_auth_core::Secret;

use crate::{HttpError, ServerVersion};

/// The credentials a call is made with.
///
/// `Debug` never shows a password, key, code or token.
///
/// ```
/// use tk_auth_http::Auth;
///
/// let auth = Auth::password("alice", "pw", None);
/// assert!(!format!("{auth:?}").contains("pw\""));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// A session token from a login or a browser approval.
    SessionToken(Secret),
    /// A script (API user) name and its key.
    Script {
        /// The script's name (`ApiUser.firstname`).
        name: String,
        /// The script's application key.
        key: Secret,
    },
    /// A person's login and password, with a two-factor code (or backup code) when the site
    /// asks for one.
    Password {
        /// The person's login.
        login: String,
        /// The password.
        password: Secret,
        /// A time-based or backup code, sent as `auth_token`.
        two_factor_code: Option<Secret>,
    },
}

impl Auth {
    /// A session token.
    pub fn session_token(token: impl Into<Secret>) -> Self {
        Self::SessionToken(token.into())
    }

    /// A script name and key.
    pub fn script(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        Self::Script {
            name: name.into(),
            key: key.into(),
        }
    }

    /// A login and password, with an optional two-factor code.
    pub fn password(
        login: impl Into<String>,
        password: impl Into<Secret>,
        two_factor_code: Option<Secret>,
    ) -> Self {
        Self::Password {
            login: login.into(),
            password: password.into(),
            two_factor_code,
        }
    }

    /// Whether this is a session token (the only kind a renewal can replace).
    pub fn is_session_token(&self) -> bool {
        matches!(self, Self::SessionToken(_))
    }

    /// Refuses empty credentials before anything is sent, as `shotgun_api3`'s constructor
    /// does.
    pub(crate) fn check(&self) -> Result<(), HttpError> {
        let missing = |what: &'static str| Err(HttpError::IncompleteCredentials { what });
        match self {
            Self::SessionToken(token) if token.is_empty() => missing("the session token is empty"),
            Self::Script { name, .. } if name.trim().is_empty() => {
                missing("the script name is empty")
            }
            Self::Script { key, .. } if key.is_empty() => missing("the script key is empty"),
            Self::Password { login, .. } if login.trim().is_empty() => {
                missing("the login is empty")
            }
            Self::Password { password, .. } if password.is_empty() => {
                missing("the password is empty")
            }
            _ => Ok(()),
        }
    }
}

impl From<&tk_auth_core::User> for Auth {
    /// A session user's token, or a script user's name and key — what calls made as that
    /// user send. (The user's host and proxy configure the [`SiteClient`](crate::SiteClient).)
    ///
    /// ```
    /// use tk_auth_core::{ScriptUser, User};
    /// use tk_auth_http::Auth;
    ///
    /// let farm = User::Script(ScriptUser::new("https://site.example.com", "farm", "key-1")?);
    /// assert_eq!(Auth::from(&farm), Auth::script("farm", "key-1"));
    /// # Ok::<(), tk_auth_core::Error>(())
    /// ```
    fn from(user: &tk_auth_core::User) -> Self {
        match user {
            tk_auth_core::User::Session(session) => {
                Self::SessionToken(session.session_token().clone())
            }
            tk_auth_core::User::Script(script) => Self::Script {
                name: script.api_script().to_owned(),
                key: script.api_key().clone(),
            },
        }
    }
}

/// The parameters merged into every authenticated call.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExtraAuthParams {
    pub(crate) session_uuid: Option<String>,
    pub(crate) sudo_as_login: Option<String>,
    pub(crate) extra: Map<String, Value>,
}

/// The version from which sessions can be told to fail when expired (`reject_if_expired`).
const REJECT_IF_EXPIRED_AFTER: ServerVersion = ServerVersion::new(5, 4, 3);
/// The first version that accepts session tokens.
const SESSION_TOKEN_SINCE: ServerVersion = ServerVersion::new(5, 3, 0);
/// The first version that accepts `sudo_as_login`.
const SUDO_AS_LOGIN_SINCE: ServerVersion = ServerVersion::new(5, 3, 12);

/// Builds `auth_params` as `shotgun_api3` does: the credentials, then `session_uuid`,
/// `sudo_as_login` and the extra parameters. `version` is the site's, when the caller needed
/// to know it (session tokens and `sudo_as_login` depend on it).
pub(crate) fn auth_params(
    auth: &Auth,
    extra: &ExtraAuthParams,
    version: Option<ServerVersion>,
) -> Result<Map<String, Value>, HttpError> {
    auth.check()?;
    let mut params = Map::new();
    let text = |s: &str| Value::String(s.to_owned());
    match auth {
        Auth::Password {
            login,
            password,
            two_factor_code,
        } => {
            params.insert("user_login".into(), text(login));
            params.insert("user_password".into(), text(password.expose()));
            if let Some(code) = two_factor_code.as_ref().filter(|c| !c.is_empty()) {
                params.insert("auth_token".into(), text(code.expose()));
            }
        }
        Auth::Script { name, key } => {
            params.insert("script_name".into(), text(name));
            params.insert("script_key".into(), text(key.expose()));
        }
        Auth::SessionToken(token) => {
            if let Some(v) = version.filter(|v| *v < SESSION_TOKEN_SINCE) {
                return Err(HttpError::UnsupportedByServer {
                    feature: "session token authentication",
                    required: SESSION_TOKEN_SINCE,
                    actual: v,
                });
            }
            params.insert("session_token".into(), text(token.expose()));
            if version.is_some_and(|v| v > REJECT_IF_EXPIRED_AFTER) {
                params.insert("reject_if_expired".into(), Value::Bool(true));
            }
        }
    }
    if let Some(uuid) = extra.session_uuid.as_deref().filter(|s| !s.is_empty()) {
        params.insert("session_uuid".into(), text(uuid));
    }
    if let Some(login) = extra.sudo_as_login.as_deref().filter(|s| !s.is_empty()) {
        if let Some(v) = version.filter(|v| *v < SUDO_AS_LOGIN_SINCE) {
            return Err(HttpError::UnsupportedByServer {
                feature: "sudo_as_login",
                required: SUDO_AS_LOGIN_SINCE,
                actual: v,
            });
        }
        params.insert("sudo_as_login".into(), text(login));
    }
    for (key, value) in &extra.extra {
        params.insert(key.clone(), value.clone());
    }
    Ok(params)
}

/// Whether building `auth_params` for `auth` needs the site's version.
pub(crate) fn needs_version(auth: &Auth, extra: &ExtraAuthParams) -> bool {
    auth.is_session_token()
        || extra
            .sudo_as_login
            .as_deref()
            .is_some_and(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(auth: &Auth, extra: &ExtraAuthParams, v: Option<ServerVersion>) -> Value {
        Value::Object(auth_params(auth, extra, v).unwrap())
    }

    #[test]
    fn session_tokens_ask_for_rejection_only_above_5_4_3() {
        let auth = Auth::session_token("tok");
        let none = ExtraAuthParams::default();
        assert_eq!(
            params(&auth, &none, Some(ServerVersion::new(5, 4, 3))),
            json!({"session_token": "tok"})
        );
        assert_eq!(
            params(&auth, &none, Some(ServerVersion::new(5, 4, 4))),
            json!({"session_token": "tok", "reject_if_expired": true})
        );
        let err = auth_params(&auth, &none, Some(ServerVersion::new(5, 2, 9))).unwrap_err();
        assert!(
            matches!(err, HttpError::UnsupportedByServer { .. }),
            "{err}"
        );
    }

    #[test]
    fn password_params_carry_the_code_and_extras_in_python_order() {
        let extra = ExtraAuthParams {
            session_uuid: Some("uuid-1".into()),
            sudo_as_login: Some("bob".into()),
            extra: [("product".to_owned(), json!("rv"))].into_iter().collect(),
        };
        let auth = Auth::password("alice", "pw", Some(Secret::new("123456")));
        let got = auth_params(&auth, &extra, Some(ServerVersion::new(8, 0, 0))).unwrap();
        let keys: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "user_login",
                "user_password",
                "auth_token",
                "session_uuid",
                "sudo_as_login",
                "product"
            ]
        );
        assert_eq!(
            Value::Object(got),
            json!({"user_login": "alice", "user_password": "pw", "auth_token": "123456",
                   "session_uuid": "uuid-1", "sudo_as_login": "bob", "product": "rv"})
        );
    }

    #[test]
    fn sudo_as_login_needs_5_3_12() {
        let extra = ExtraAuthParams {
            sudo_as_login: Some("bob".into()),
            ..ExtraAuthParams::default()
        };
        let auth = Auth::script("farm", "key");
        assert!(needs_version(&auth, &extra));
        let err = auth_params(&auth, &extra, Some(ServerVersion::new(5, 3, 11))).unwrap_err();
        assert!(err.to_string().contains("5.3.12"), "{err}");
    }

    #[test]
    fn users_become_their_session_token_or_script_credentials() {
        use tk_auth_core::{ScriptUser, SessionUser, User};

        let session = User::Session(
            SessionUser::new("https://site.example.com", "alice", Secret::new("tok-1")).unwrap(),
        );
        assert_eq!(Auth::from(&session), Auth::session_token("tok-1"));
        let script = User::Script(
            ScriptUser::new("https://site.example.com", "farm", Secret::new("key-1")).unwrap(),
        );
        assert_eq!(Auth::from(&script), Auth::script("farm", "key-1"));
    }

    #[test]
    fn empty_credentials_are_refused_without_showing_secrets() {
        for auth in [
            Auth::session_token(""),
            Auth::script("", "key-canary"),
            Auth::script("farm", ""),
            Auth::password(" ", "pw-canary", None),
            Auth::password("alice", "", None),
        ] {
            let err = auth_params(&auth, &ExtraAuthParams::default(), None).unwrap_err();
            assert!(matches!(err, HttpError::IncompleteCredentials { .. }));
            assert!(!err.to_string().contains("canary"));
            assert!(!format!("{auth:?}").contains("canary"));
        }
    }
}
