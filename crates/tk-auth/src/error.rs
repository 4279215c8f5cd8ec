//! The façade's one error type: what kind of failure, the site and login it concerns, and
//! its cause, with the Python class it stands for.

use std::fmt;
use std::sync::Arc;

use tk_auth_core::Site;
use tk_auth_defaults::DefaultsError;
use tk_auth_prompt::PromptError;

/// What went wrong, in the words of the Python `ShotgunAuthenticationError` family (see
/// [`Error::python_class`]). The site and login are on the [`Error`], never here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Python `AuthenticationError`: the site rejected the credentials, or a login could not
    /// be completed.
    Authentication,
    /// Python `IncompleteCredentials`: a user cannot be built from what was given.
    IncompleteCredentials {
        /// What is missing (`missing host`, `missing login.`, `missing session_token` …).
        what: String,
    },
    /// Python `AuthenticationCancelled`: the person cancelled a login or renewal.
    Cancelled,
    /// Python `ConsoleLoginNotSupportedError`: the site takes neither login and password nor
    /// browser approval.
    ConsoleLoginNotSupported {
        /// How the site authenticates (`Single Sign-On`).
        site_auth_type: String,
    },
    /// Python `UnresolvableHumanUser`: the person cannot be looked up on the site.
    UnresolvableHumanUser,
    /// Python `UnresolvableScriptUser`: the script cannot be looked up on the site (the
    /// error's login is the script name).
    UnresolvableScriptUser,
    /// A prompt was needed where nobody can answer (Decision 4 in `docs/decisions.md`); the
    /// session has to be renewed elsewhere first.
    NonInteractive {
        /// What would have been asked.
        what: &'static str,
    },
    /// The prompter failed (not a cancellation); the cause is its [`PromptError`].
    Prompt,
    /// The site cannot be reached (network, proxy, TLS, 5xx): the credentials may be fine,
    /// so no renewal is attempted.
    Unreachable,
    /// A call to the site failed for another reason; the cause is the client's error.
    Request,
    /// Python `AuthenticationError` from browser approval: the request was refused, expired,
    /// timed out, or the site does not offer it.
    Approval,
    /// A password login to a plain `http://` site that is not on this machine.
    InsecureSite,
    /// A renewal logged in another person than the one whose session expired; nothing was
    /// changed (Decision 3 in `docs/decisions.md`). The error's login is the expected one.
    LoginMismatch {
        /// The login the renewal returned.
        actual: String,
    },
    /// The session cache or the defaults could not be read or written; the cause is the
    /// [`DefaultsError`].
    Defaults,
    /// A user payload, URL or proxy that cannot be used; the cause is the
    /// [`tk_auth_core::Error`].
    InvalidUser,
    /// Python `FlowAuthError`: a Flow (Autodesk Platform Services) access token could not
    /// be obtained; the error's site is the authorization server, its login the profile,
    /// and the cause says why (the browser, the callback, the token endpoint, the token
    /// file).
    FlowAuth,
    /// Python `FlowAuthConfigurationError`: the Flow settings are missing or invalid.
    FlowAuthConfiguration {
        /// What is wrong, in the Python Toolkit's words.
        details: String,
    },
    /// A REST API access token could not be obtained or refreshed; the cause is the
    /// client's error.
    RestToken,
    /// The blocking API's runtime could not start, or a background task died.
    Runtime {
        /// What stopped.
        what: &'static str,
    },
}

type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Everything the authenticator, its users and their connections can fail with: an
/// [`ErrorKind`], the site and login it concerns (each kept once, when known), and the cause
/// as a typed source chain.
///
/// Cloning is cheap, so every caller that waited for one shared renewal gets the renewal's
/// own error. Messages never contain a secret.
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    site: Option<Site>,
    login: Option<String>,
    cause: Option<Cause>,
}

impl Error {
    /// An error of `kind`, about no site or login yet.
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self(Box::new(Inner {
            kind,
            site: None,
            login: None,
            cause: None,
        }))
    }

    /// The same error about `site`.
    #[must_use]
    pub(crate) fn at(mut self, site: &Site) -> Self {
        self.0.site = Some(site.clone());
        self
    }

    /// The same error about `login`, when known.
    #[must_use]
    pub(crate) fn of(mut self, login: Option<&str>) -> Self {
        self.0.login = login.map(str::to_owned);
        self
    }

    /// The same error caused by `cause`.
    #[must_use]
    pub(crate) fn caused_by(
        mut self,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.cause = Some(Arc::new(cause));
        self
    }

    /// The same error as another kind.
    #[must_use]
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The site this error concerns, when known.
    pub fn site(&self) -> Option<&Site> {
        self.0.site.as_ref()
    }

    /// The login (or script name) this error concerns, when known.
    pub fn login(&self) -> Option<&str> {
        self.0.login.as_deref()
    }

    /// The cause, to downcast to the lower crate's error (a
    /// [`tk_auth_http::HttpError`], [`PromptError`], [`DefaultsError`] or
    /// [`tk_auth_core::Error`]).
    pub fn get_ref(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.0.cause.as_deref()
    }

    fn cause_as<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.get_ref()?.downcast_ref::<E>()
    }

    /// Whether the message is the cause's own: the cause then stands in for this error in
    /// the source chain, so that a chain printed in full says it once.
    fn speaks_for_cause(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Authentication | ErrorKind::InvalidUser
        ) && self.0.cause.is_some()
    }

    /// The name of the Python exception class this error corresponds to: the one place the
    /// Python hierarchy is written for the façade.
    pub fn python_class(&self) -> &'static str {
        match &self.0.kind {
            ErrorKind::Authentication
            | ErrorKind::Approval
            | ErrorKind::InsecureSite
            | ErrorKind::LoginMismatch { .. } => "AuthenticationError",
            ErrorKind::IncompleteCredentials { .. } => "IncompleteCredentials",
            ErrorKind::Cancelled => "AuthenticationCancelled",
            ErrorKind::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupportedError",
            ErrorKind::UnresolvableHumanUser => "UnresolvableHumanUser",
            ErrorKind::UnresolvableScriptUser => "UnresolvableScriptUser",
            ErrorKind::Defaults => self
                .cause_as::<DefaultsError>()
                .and_then(DefaultsError::tank_error_class)
                .unwrap_or("ShotgunAuthenticationError"),
            ErrorKind::InvalidUser => self.cause_as::<tk_auth_core::Error>().map_or(
                "ShotgunAuthenticationError",
                tk_auth_core::Error::python_class,
            ),
            ErrorKind::FlowAuth => "FlowAuthError",
            ErrorKind::FlowAuthConfiguration { .. } => "FlowAuthConfigurationError",
            ErrorKind::NonInteractive { .. }
            | ErrorKind::RestToken
            | ErrorKind::Prompt
            | ErrorKind::Unreachable
            | ErrorKind::Request
            | ErrorKind::Runtime { .. } => "ShotgunAuthenticationError",
        }
    }

    /// Whether Python would raise this as a `ShotgunAuthenticationError` (the family callers
    /// catch to handle authentication problems).
    pub fn is_shotgun_authentication_error(&self) -> bool {
        match &self.0.kind {
            ErrorKind::InvalidUser => self
                .cause_as::<tk_auth_core::Error>()
                .is_none_or(tk_auth_core::Error::is_shotgun_authentication_error),
            ErrorKind::Defaults => self
                .cause_as::<DefaultsError>()
                .is_none_or(|e| e.tank_error_class().is_none()),
            // `TankError`s in the Python Toolkit, outside that family.
            ErrorKind::FlowAuth | ErrorKind::FlowAuthConfiguration { .. } => false,
            _ => true,
        }
    }

    /// Whether the person cancelled (directly, or in a renewal this call waited for).
    pub fn is_cancelled(&self) -> bool {
        self.0.kind == ErrorKind::Cancelled
    }

    /// Whether the site could not be reached.
    pub fn is_unreachable(&self) -> bool {
        self.0.kind == ErrorKind::Unreachable
    }

    /// Maps a client error for `site` and `login` to the Python hierarchy.
    pub(crate) fn from_http(site: &Site, login: Option<&str>, e: tk_auth_http::HttpError) -> Self {
        use tk_auth_http::HttpError as H;
        let kind = match &e {
            H::IncompleteCredentials { what } => ErrorKind::IncompleteCredentials {
                what: (*what).to_owned(),
            },
            H::AuthenticationFailed { .. } | H::SsoRequired { .. } | H::IdentityRequired { .. } => {
                ErrorKind::Authentication
            }
            e if e.is_unreachable() => ErrorKind::Unreachable,
            _ => ErrorKind::Request,
        };
        Self::new(kind).at(site).of(login).caused_by(e)
    }

    /// Maps a prompter error for `site` and `login`.
    pub(crate) fn from_prompt(site: &Site, login: Option<&str>, e: PromptError) -> Self {
        let error = match e {
            PromptError::Cancelled => Self::new(ErrorKind::Cancelled),
            PromptError::NonInteractive { what, .. } => {
                Self::new(ErrorKind::NonInteractive { what })
            }
            source => Self::new(ErrorKind::Prompt).caused_by(source),
        };
        error.at(site).of(login)
    }

    /// Wraps a defaults error with the site and login it concerns.
    pub(crate) fn defaults(
        site: Option<&Site>,
        login: Option<&str>,
        source: DefaultsError,
    ) -> Self {
        let mut error = Self::new(ErrorKind::Defaults).of(login).caused_by(source);
        error.0.site = site.cloned();
        error
    }

    /// A background task or runtime that stopped, with its cause when known.
    pub(crate) fn runtime(what: &'static str) -> Self {
        Self::new(ErrorKind::Runtime { what })
    }

    /// The site as messages show it.
    fn site_text(&self) -> String {
        self.0
            .site
            .as_ref()
            .map_or_else(|| "the site".to_owned(), ToString::to_string)
    }
}

/// A defaults error about no particular site or login, as the authenticator reports its
/// defaults manager's failures.
impl From<DefaultsError> for Error {
    fn from(e: DefaultsError) -> Self {
        Self::defaults(None, None, e)
    }
}

impl From<tk_auth_core::Error> for Error {
    fn from(e: tk_auth_core::Error) -> Self {
        Self::new(ErrorKind::InvalidUser).caused_by(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.speaks_for_cause()
            && let Some(cause) = &self.0.cause
        {
            return cause.fmt(f);
        }
        let site = self.site_text();
        let login = self.login().unwrap_or("the person");
        match &self.0.kind {
            ErrorKind::Authentication => f.write_str("Authentication failed"),
            ErrorKind::IncompleteCredentials { what } => {
                write!(f, "Incomplete credentials: {what}")
            }
            ErrorKind::Cancelled => f.write_str("Authentication was cancelled by the user."),
            ErrorKind::ConsoleLoginNotSupported { site_auth_type } => write!(
                f,
                "Authentication using username/password is not supported on the console {site} for sites using {site_auth_type}."
            ),
            ErrorKind::UnresolvableHumanUser => write!(
                f,
                "The person named '{login}' could not be resolved. Check if the permissions for the current user are hiding the field 'HumanUser.login'."
            ),
            ErrorKind::UnresolvableScriptUser => write!(
                f,
                "The script named '{login}' could not be resolved. Check if the permissions for the current user are hiding the field 'ApiUser.firstname'."
            ),
            ErrorKind::NonInteractive { what } => {
                let of = self.login().map(|l| format!(" of {l}")).unwrap_or_default();
                write!(
                    f,
                    "cannot ask for {what}{of} on {site}: nobody can answer a prompt here (no terminal or display, or TK_AUTH_NONINTERACTIVE=1); log in first with `tk-auth login --site {site}`"
                )
            }
            ErrorKind::Prompt => match &self.0.site {
                Some(s) => write!(f, "the login prompt failed for {s}"),
                None => f.write_str("the login prompt failed"),
            },
            ErrorKind::Unreachable => write!(f, "{site} is unreachable"),
            ErrorKind::Request => write!(f, "the request to {site} failed"),
            ErrorKind::Approval => write!(f, "the browser approval on {site} failed"),
            ErrorKind::InsecureSite => write!(
                f,
                "refusing to send a password to {site} over plain http: use https://, or set SGTK_AUTH_ALLOW_NO_HTTPS=1 if this site cannot do better"
            ),
            ErrorKind::LoginMismatch { actual } => write!(
                f,
                "the session of {login} on {site} was renewed as {actual}: log in again as {login}; nothing was changed"
            ),
            ErrorKind::Defaults => match (&self.0.site, self.login()) {
                (Some(s), Some(l)) => {
                    write!(f, "the session cache could not be used for {l} on {s}")
                }
                (Some(s), None) => write!(f, "the session cache could not be used for {s}"),
                _ => f.write_str("the Toolkit defaults could not be read"),
            },
            ErrorKind::InvalidUser => f.write_str("the user cannot be used"),
            ErrorKind::FlowAuth => match self.login() {
                Some(profile) => write!(
                    f,
                    "a Flow access token could not be obtained from {site} for profile {profile}"
                ),
                None => write!(f, "a Flow access token could not be obtained from {site}"),
            },
            ErrorKind::FlowAuthConfiguration { details } => {
                write!(f, "the Flow authentication settings are invalid: {details}")
            }
            ErrorKind::RestToken => write!(
                f,
                "a REST API access token for {login} could not be obtained from {site}"
            ),
            ErrorKind::Runtime { what } => write!(f, "the {what} stopped unexpectedly"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("site", &self.0.site)
            .field("login", &self.0.login)
            .field("source", &self.0.cause)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let cause = self.0.cause.as_deref()?;
        if self.speaks_for_cause() {
            cause.source()
        } else {
            Some(cause)
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
