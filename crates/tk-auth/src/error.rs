//! The façade's one error type: every lower crate's errors mapped to the Python hierarchy.

use std::sync::Arc;

use tk_auth_defaults::DefaultsError;
use tk_auth_prompt::PromptError;

/// Everything the authenticator, its users and their connections can fail with.
///
/// Each variant stands for a class of the Python `ShotgunAuthenticationError` family (see
/// [`python_class`](Self::python_class)), keeps the site and login it concerns, and chains
/// its cause. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Python `AuthenticationError`: the site rejected the credentials, or a login could
    /// not be completed.
    #[error("{message}")]
    Authentication {
        /// The site.
        site: Option<String>,
        /// The login, when known.
        login: Option<String>,
        /// The message, with Python's wording (`Authentication failed: …`).
        message: String,
    },

    /// Python `IncompleteCredentials`: a user cannot be built from what was given.
    #[error("Incomplete credentials: {what}")]
    IncompleteCredentials {
        /// What is missing (`missing host`, `missing login.`, `missing session_token` …).
        what: String,
    },

    /// Python `AuthenticationCancelled`: the person cancelled a login or renewal.
    #[error("Authentication was cancelled by the user.")]
    AuthenticationCancelled {
        /// The site, when known.
        site: Option<String>,
        /// The login, when known.
        login: Option<String>,
    },

    /// Python `ConsoleLoginNotSupportedError`: the site takes neither login and password nor
    /// browser approval.
    #[error(
        "Authentication using username/password is not supported on the console {url} for sites using {site_auth_type}."
    )]
    ConsoleLoginNotSupported {
        /// The site.
        url: String,
        /// How the site authenticates (`Single Sign-On`).
        site_auth_type: String,
    },

    /// Python `UnresolvableHumanUser`.
    #[error(
        "The person named '{login}' could not be resolved. Check if the permissions for the current user are hiding the field 'HumanUser.login'."
    )]
    UnresolvableHumanUser {
        /// The site.
        site: String,
        /// The login looked up.
        login: String,
    },

    /// Python `UnresolvableScriptUser`.
    #[error(
        "The script named '{script}' could not be resolved. Check if the permissions for the current user are hiding the field 'ApiUser.firstname'."
    )]
    UnresolvableScriptUser {
        /// The site.
        site: String,
        /// The script name looked up.
        script: String,
    },

    /// A prompt was needed where nobody can answer (Decision 4 in `docs/decisions.md`); the session has to
    /// be renewed elsewhere first.
    #[error(
        "cannot ask for {what}{} on {site}: nobody can answer a prompt here (no terminal or display, or TK_AUTH_NONINTERACTIVE=1); log in first with `tk-auth login --site {site}`",
        login.as_deref().map(|l| format!(" of {l}")).unwrap_or_default()
    )]
    NonInteractive {
        /// What would have been asked.
        what: &'static str,
        /// The site.
        site: String,
        /// The login, when known.
        login: Option<String>,
    },

    /// The prompter failed (not a cancellation).
    #[error("the login prompt failed{}", site.as_deref().map(|s| format!(" for {s}")).unwrap_or_default())]
    Prompt {
        /// The site, when known.
        site: Option<String>,
        /// The login, when known.
        login: Option<String>,
        /// The prompter's error.
        #[source]
        source: PromptError,
    },

    /// The site cannot be reached (network, proxy, TLS, 5xx): the credentials may be fine,
    /// so no renewal is attempted.
    #[error("{site} is unreachable")]
    Unreachable {
        /// The site.
        site: String,
        /// The login, when known.
        login: Option<String>,
        /// What failed.
        #[source]
        source: Box<tk_auth_http::HttpError>,
    },

    /// A call to the site failed for another reason.
    #[error("the request to {site} failed")]
    Site {
        /// The site.
        site: String,
        /// The login, when known.
        login: Option<String>,
        /// The client's error.
        #[source]
        source: Box<tk_auth_http::HttpError>,
    },

    /// Python `AuthenticationError` from browser approval: the request was refused, expired,
    /// timed out, or the site does not offer it.
    #[error("the browser approval on {site} failed")]
    Approval {
        /// The site.
        site: String,
        /// The login being renewed, when this was a renewal.
        login: Option<String>,
        /// What the site or the wait reported.
        #[source]
        source: Box<tk_auth_http::HttpError>,
    },

    /// A password login to a plain `http://` site that is not on this machine.
    #[error(
        "refusing to send a password to {site} over plain http: use https://, or set SGTK_AUTH_ALLOW_NO_HTTPS=1 if this site cannot do better"
    )]
    InsecureSite {
        /// The site.
        site: String,
    },

    /// A renewal logged in another person than the one whose session expired; nothing was
    /// changed (Decision 3 in `docs/decisions.md`).
    #[error(
        "the session of {expected} on {site} was renewed as {actual}: log in again as {expected}; nothing was changed"
    )]
    LoginMismatch {
        /// The site.
        site: String,
        /// The login whose session expired.
        expected: String,
        /// The login the renewal returned.
        actual: String,
    },

    /// The renewal shared by several callers failed; its error is the source.
    #[error("the session of {login} on {site} could not be renewed")]
    RenewalFailed {
        /// The site.
        site: String,
        /// The login.
        login: String,
        /// The renewal's error, shared by every caller that waited for it.
        #[source]
        source: SharedError,
    },

    /// The session cache or the defaults could not be read or written.
    #[error("{}", defaults_context(site.as_deref(), login.as_deref()))]
    Defaults {
        /// The site, when known.
        site: Option<String>,
        /// The login, when known.
        login: Option<String>,
        /// The cause.
        #[source]
        source: Box<DefaultsError>,
    },

    /// A user payload, URL or proxy that cannot be used.
    #[error(transparent)]
    Core(Box<tk_auth_core::Error>),

    /// The blocking API's runtime could not start, or a background task died.
    #[error("the {what} stopped unexpectedly")]
    Runtime {
        /// What stopped.
        what: &'static str,
        /// The cause, when known.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl From<tk_auth_core::Error> for Error {
    fn from(e: tk_auth_core::Error) -> Self {
        Self::Core(Box::new(e))
    }
}

fn defaults_context(site: Option<&str>, login: Option<&str>) -> String {
    match (site, login) {
        (Some(s), Some(l)) => format!("the session cache could not be used for {l} on {s}"),
        (Some(s), None) => format!("the session cache could not be used for {s}"),
        _ => "the Toolkit defaults could not be read".to_owned(),
    }
}

/// An error shared by every caller that waited for the same renewal.
#[derive(Debug, Clone)]
pub struct SharedError(pub(crate) Arc<Error>);

impl SharedError {
    /// The error.
    pub fn error(&self) -> &Error {
        &self.0
    }
}

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Error {
    /// The name of the Python exception class this error corresponds to.
    pub fn python_class(&self) -> &'static str {
        match self {
            Self::Authentication { .. }
            | Self::Approval { .. }
            | Self::InsecureSite { .. }
            | Self::LoginMismatch { .. } => "AuthenticationError",
            Self::IncompleteCredentials { .. } => "IncompleteCredentials",
            Self::AuthenticationCancelled { .. } => "AuthenticationCancelled",
            Self::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupportedError",
            Self::UnresolvableHumanUser { .. } => "UnresolvableHumanUser",
            Self::UnresolvableScriptUser { .. } => "UnresolvableScriptUser",
            Self::RenewalFailed { source, .. } => source.error().python_class(),
            Self::NonInteractive { .. }
            | Self::Prompt { .. }
            | Self::Unreachable { .. }
            | Self::Site { .. }
            | Self::Runtime { .. } => "ShotgunAuthenticationError",
            Self::Defaults { source, .. } => source
                .tank_error_class()
                .unwrap_or("ShotgunAuthenticationError"),
            Self::Core(e) => e.python_class(),
        }
    }

    /// Whether Python would raise this as a `ShotgunAuthenticationError` (the family callers
    /// catch to handle authentication problems).
    pub fn is_shotgun_authentication_error(&self) -> bool {
        match self {
            Self::Core(e) => e.is_shotgun_authentication_error(),
            Self::Defaults { source, .. } => source.tank_error_class().is_none(),
            Self::RenewalFailed { source, .. } => source.error().is_shotgun_authentication_error(),
            _ => true,
        }
    }

    /// Whether the person cancelled (directly, or in a renewal this call waited for).
    pub fn is_cancelled(&self) -> bool {
        match self {
            Self::AuthenticationCancelled { .. } => true,
            Self::RenewalFailed { source, .. } => source.error().is_cancelled(),
            _ => false,
        }
    }

    /// Whether the site could not be reached.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::RenewalFailed { source, .. } => source.error().is_unreachable(),
            _ => false,
        }
    }

    /// The site this error concerns, when known.
    pub fn site(&self) -> Option<&str> {
        match self {
            Self::Authentication { site, .. }
            | Self::AuthenticationCancelled { site, .. }
            | Self::Prompt { site, .. }
            | Self::Defaults { site, .. } => site.as_deref(),
            Self::ConsoleLoginNotSupported { url, .. } => Some(url),
            Self::UnresolvableHumanUser { site, .. }
            | Self::UnresolvableScriptUser { site, .. }
            | Self::NonInteractive { site, .. }
            | Self::Unreachable { site, .. }
            | Self::Site { site, .. }
            | Self::Approval { site, .. }
            | Self::InsecureSite { site }
            | Self::LoginMismatch { site, .. }
            | Self::RenewalFailed { site, .. } => Some(site),
            Self::IncompleteCredentials { .. } | Self::Core(_) | Self::Runtime { .. } => None,
        }
    }

    /// The login this error concerns, when known.
    pub fn login(&self) -> Option<&str> {
        match self {
            Self::Authentication { login, .. }
            | Self::AuthenticationCancelled { login, .. }
            | Self::Prompt { login, .. }
            | Self::NonInteractive { login, .. }
            | Self::Unreachable { login, .. }
            | Self::Site { login, .. }
            | Self::Approval { login, .. }
            | Self::Defaults { login, .. } => login.as_deref(),
            Self::UnresolvableHumanUser { login, .. }
            | Self::LoginMismatch {
                expected: login, ..
            }
            | Self::RenewalFailed { login, .. } => Some(login),
            _ => None,
        }
    }

    /// Maps a client error for `site` and `login` to the Python hierarchy.
    pub(crate) fn from_http(site: &str, login: Option<&str>, e: tk_auth_http::HttpError) -> Self {
        use tk_auth_http::HttpError as H;
        let login_owned = login.map(str::to_owned);
        match e {
            H::RenewalFailed { source, .. } => match source.downcast::<Error>() {
                Ok(ours) => *ours,
                Err(other) => Self::Runtime {
                    what: "session renewal",
                    source: Some(other),
                },
            },
            H::IncompleteCredentials { what } => Self::IncompleteCredentials {
                what: what.to_owned(),
            },
            e @ (H::AuthenticationFailed { .. }
            | H::SsoRequired { .. }
            | H::IdentityRequired { .. }) => Self::Authentication {
                site: Some(site.to_owned()),
                login: login_owned,
                message: e.to_string(),
            },
            e if e.is_unreachable() => Self::Unreachable {
                site: site.to_owned(),
                login: login_owned,
                source: Box::new(e),
            },
            e => Self::Site {
                site: site.to_owned(),
                login: login_owned,
                source: Box::new(e),
            },
        }
    }

    /// Maps a prompter error; `what` names the question for the non-interactive message.
    pub(crate) fn from_prompt(site: &str, login: Option<&str>, e: PromptError) -> Self {
        match e {
            PromptError::Cancelled => Self::AuthenticationCancelled {
                site: Some(site.to_owned()),
                login: login.map(str::to_owned),
            },
            PromptError::NonInteractive { what, .. } => Self::NonInteractive {
                what,
                site: site.to_owned(),
                login: login.map(str::to_owned),
            },
            source => Self::Prompt {
                site: Some(site.to_owned()),
                login: login.map(str::to_owned),
                source,
            },
        }
    }

    /// Wraps a defaults error with the site and login it concerns.
    pub(crate) fn defaults(site: Option<&str>, login: Option<&str>, source: DefaultsError) -> Self {
        Self::Defaults {
            site: site.map(str::to_owned),
            login: login.map(str::to_owned),
            source: Box::new(source),
        }
    }

    /// What a caller that waited for a shared renewal gets: the error itself when it holds
    /// only text (a cancellation, a refusal, a login mismatch …), else the shared error as
    /// the source of [`Error::RenewalFailed`].
    pub(crate) fn shared(site: &str, login: &str, error: &Arc<Error>) -> Self {
        let (site_owned, login_owned) = (site.to_owned(), login.to_owned());
        match &**error {
            Self::AuthenticationCancelled { .. } => Self::AuthenticationCancelled {
                site: Some(site_owned),
                login: Some(login_owned),
            },
            Self::NonInteractive { what, .. } => Self::NonInteractive {
                what,
                site: site_owned,
                login: Some(login_owned),
            },
            Self::Authentication { message, .. } => Self::Authentication {
                site: Some(site_owned),
                login: Some(login_owned),
                message: message.clone(),
            },
            Self::LoginMismatch {
                expected, actual, ..
            } => Self::LoginMismatch {
                site: site_owned,
                expected: expected.clone(),
                actual: actual.clone(),
            },
            Self::ConsoleLoginNotSupported {
                url,
                site_auth_type,
            } => Self::ConsoleLoginNotSupported {
                url: url.clone(),
                site_auth_type: site_auth_type.clone(),
            },
            Self::InsecureSite { .. } => Self::InsecureSite { site: site_owned },
            _ => Self::RenewalFailed {
                site: site_owned,
                login: login_owned,
                source: SharedError(Arc::clone(error)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "canary-7f3e";

    /// Which variant an error is. Exhaustive on purpose: a new variant does not compile
    /// until it is added to the canary below.
    fn variant(e: &Error) -> &'static str {
        match e {
            Error::Authentication { .. } => "Authentication",
            Error::IncompleteCredentials { .. } => "IncompleteCredentials",
            Error::AuthenticationCancelled { .. } => "AuthenticationCancelled",
            Error::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupported",
            Error::UnresolvableHumanUser { .. } => "UnresolvableHumanUser",
            Error::UnresolvableScriptUser { .. } => "UnresolvableScriptUser",
            Error::NonInteractive { .. } => "NonInteractive",
            Error::Prompt { .. } => "Prompt",
            Error::Unreachable { .. } => "Unreachable",
            Error::Site { .. } => "Site",
            Error::Approval { .. } => "Approval",
            Error::InsecureSite { .. } => "InsecureSite",
            Error::LoginMismatch { .. } => "LoginMismatch",
            Error::RenewalFailed { .. } => "RenewalFailed",
            Error::Defaults { .. } => "Defaults",
            Error::Core(_) => "Core",
            Error::Runtime { .. } => "Runtime",
        }
    }

    fn full_text(e: &Error) -> String {
        let mut text = format!("{e} / {e:?} / {e:#?}");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text.push_str(" / ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    #[test]
    fn no_error_variant_shows_a_secret() {
        let site = || "https://mysite.shotgunstudio.com".to_owned();
        let http = || {
            tk_auth_http::SiteClient::new(
                &format!("https://bob:{SECRET}@mysite.shotgunstudio.com:99999"),
                tk_auth_http::ClientOptions::new().environment(tk_auth_core::Env::empty()),
            )
            .unwrap_err()
        };
        let payload =
            format!(r#"{{"type": "SessionUser", "data": {{"session_token": "{SECRET}"}}}}"#);
        let errors = vec![
            Error::Authentication {
                site: Some(site()),
                login: Some("alice".into()),
                message: "Authentication failed: wrong password".into(),
            },
            Error::IncompleteCredentials {
                what: "missing host".into(),
            },
            Error::AuthenticationCancelled {
                site: Some(site()),
                login: None,
            },
            Error::ConsoleLoginNotSupported {
                url: site(),
                site_auth_type: "Single Sign-On".into(),
            },
            Error::UnresolvableHumanUser {
                site: site(),
                login: "jf".into(),
            },
            Error::UnresolvableScriptUser {
                site: site(),
                script: "robot".into(),
            },
            Error::NonInteractive {
                what: "a password",
                site: site(),
                login: Some("alice".into()),
            },
            Error::Prompt {
                site: Some(site()),
                login: None,
                source: PromptError::Unscripted {
                    asked: "password",
                    expected: None,
                },
            },
            Error::Unreachable {
                site: site(),
                login: None,
                source: Box::new(http()),
            },
            Error::Site {
                site: site(),
                login: None,
                source: Box::new(http()),
            },
            Error::Approval {
                site: site(),
                login: None,
                source: Box::new(http()),
            },
            Error::InsecureSite { site: site() },
            Error::LoginMismatch {
                site: site(),
                expected: "alice".into(),
                actual: "bob".into(),
            },
            Error::RenewalFailed {
                site: site(),
                login: "alice".into(),
                source: SharedError(Arc::new(Error::InsecureSite { site: site() })),
            },
            Error::Defaults {
                site: None,
                login: None,
                source: Box::new(DefaultsError::NoHost),
            },
            Error::from(tk_auth_core::deserialize_user(payload.as_str()).unwrap_err()),
            Error::Runtime {
                what: "blocking call",
                source: None,
            },
        ];
        let mut seen = std::collections::BTreeSet::new();
        for e in &errors {
            let text = full_text(e);
            assert!(!text.contains(SECRET), "{text}");
            seen.insert(variant(e));
        }
        assert_eq!(seen.len(), 17, "every variant is covered: {seen:?}");
    }

    #[test]
    fn waiters_of_a_shared_renewal_get_the_cancellation_itself() {
        let cancelled = Arc::new(Error::AuthenticationCancelled {
            site: None,
            login: None,
        });
        let e = Error::shared("https://s", "alice", &cancelled);
        assert!(matches!(e, Error::AuthenticationCancelled { .. }));
        assert_eq!(e.site(), Some("https://s"));
        assert_eq!(e.login(), Some("alice"));
        let other = Arc::new(Error::Runtime {
            what: "blocking task",
            source: None,
        });
        let e = Error::shared("http://s", "alice", &other);
        assert!(matches!(e, Error::RenewalFailed { .. }));
        assert_eq!(e.python_class(), "ShotgunAuthenticationError");
        assert!(std::error::Error::source(&e).is_some());
    }
}
