//! Flow (Autodesk Platform Services) access tokens, shared with the Python Toolkit through
//! its token file: the façade's side of `sgtk.authentication.flow_auth`.
//!
//! A token is looked for in this order, as in Python: the one this handle holds, the token
//! file, a refresh with the stored refresh token, and last a browser login (PKCE). A token
//! is handed out only with at least five minutes left. The refresh and the login are one
//! renewal of the credential core ([`credential`](crate::credential)): single flight per
//! (application, profile) in the process and, through a lock beside the token file, across
//! tk-auth processes; a refresh token another process already spent is never sent again,
//! since the file is read again under the lock first.

mod browser;
mod kind;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tk_auth_core::{FlowSettings, Secret, Site};
use tk_auth_defaults::{DefaultsError, FlowTokenFile};
use tk_auth_http::{FlowTokenClient, HttpError};

use crate::context::{Context, off_runtime};
use crate::credential;
use crate::{Error, ErrorKind};

/// How much validity a handed-out access token keeps at least: the Flow API can refuse a
/// token that is about to expire (Python's `check_token_expiry` buffer).
pub const FLOW_TOKEN_MIN_VALIDITY: Duration = Duration::from_mins(5);

/// How long a browser login waits for the browser to come back by default (the Python
/// Toolkit's `time_out`).
pub const DEFAULT_FLOW_LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Flow access tokens for one application and profile, obtained through an authenticator
/// (its prompter, browser opener, proxy and renewal wait); see
/// [`ShotgunAuthenticator::flow_auth`](crate::ShotgunAuthenticator::flow_auth).
///
/// Cloning is cheap; clones share the token they hold.
///
/// ```no_run
/// # async fn run(authenticator: tk_auth::ShotgunAuthenticator) -> Result<(), tk_auth::Error> {
/// let flow = authenticator.flow_auth()?;
/// let token = flow.access_token().await?;
/// let header = format!("Bearer {}", token.expose());
/// # let _ = header; Ok(()) }
/// ```
#[derive(Clone)]
pub struct FlowAuth {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Arc<Context>,
    settings: FlowSettings,
    profile: String,
    file: FlowTokenFile,
    client: FlowTokenClient,
    login_timeout: Duration,
    held: Mutex<Option<FlowTokens>>,
}

/// An access token and the refresh token that came with it.
#[derive(Clone)]
pub(crate) struct FlowTokens {
    pub(crate) access: Secret,
    pub(crate) refresh: Option<Secret>,
}

/// What is known of the stored Flow tokens of a profile, without any request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowStatus {
    /// The application id.
    pub application_id: String,
    /// The authorization server.
    pub base_url: String,
    /// The profile (by default the account name, as Python's `getpass.getuser()`).
    pub profile: String,
    /// The token file shared with the Python Toolkit.
    pub token_file: PathBuf,
    /// When the stored access token expires (its JWT `exp`), when there is one that says.
    pub access_token_expires_at: Option<SystemTime>,
    /// Whether the stored access token has at least [`FLOW_TOKEN_MIN_VALIDITY`] left.
    pub access_token_usable: bool,
    /// Whether a refresh token is stored.
    pub has_refresh_token: bool,
}

impl FlowAuth {
    /// A handle on `settings` (validated here) for the default profile.
    pub(crate) fn new(ctx: Arc<Context>, settings: FlowSettings) -> Result<Self, Error> {
        let settings = settings.validated().map_err(|e| configuration(&e))?;
        let profile = tk_auth_defaults::default_flow_profile(&ctx.options.env);
        let file = FlowTokenFile::new(ctx.cache.locations());
        let client = FlowTokenClient::new(&settings, ctx.options.client.clone())
            .map_err(|e| flow_error(&settings, &profile, e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                ctx,
                settings,
                profile,
                file,
                client,
                login_timeout: DEFAULT_FLOW_LOGIN_TIMEOUT,
                held: Mutex::new(None),
            }),
        })
    }

    /// The same application for another profile (tokens are stored per profile).
    #[must_use]
    pub fn with_profile(&self, profile: impl Into<String>) -> Self {
        self.rebuilt(|inner| inner.profile = profile.into())
    }

    /// The same, waiting up to `timeout` for the browser in a login.
    #[must_use]
    pub fn with_login_timeout(&self, timeout: Duration) -> Self {
        self.rebuilt(|inner| inner.login_timeout = timeout)
    }

    fn rebuilt(&self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            ctx: Arc::clone(&self.inner.ctx),
            settings: self.inner.settings.clone(),
            profile: self.inner.profile.clone(),
            file: self.inner.file.clone(),
            client: self.inner.client.clone(),
            login_timeout: self.inner.login_timeout,
            held: Mutex::new(None),
        };
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The settings in use (Python's `FlowAuthSettings`), normalised.
    pub fn settings(&self) -> &FlowSettings {
        &self.inner.settings
    }

    /// The profile the tokens are stored under.
    pub fn profile(&self) -> &str {
        &self.inner.profile
    }

    /// The token file shared with the Python Toolkit.
    pub fn token_file(&self) -> PathBuf {
        self.inner.file.path()
    }

    /// An access token with at least [`FLOW_TOKEN_MIN_VALIDITY`] left: held, stored,
    /// refreshed, or from a browser login, in that order (Python's `get_flow_access_token`).
    pub async fn access_token(&self) -> Result<Secret, Error> {
        if let Some(held) = self.held().filter(|t| usable(&t.access)) {
            return Ok(held.access);
        }
        let stored = self.read_file().await?;
        if let Some(access) = stored.access_token.as_ref().filter(|a| usable(a)) {
            self.adopt(FlowTokens {
                access: access.clone(),
                refresh: stored.refresh_token.clone(),
            });
            return Ok(access.clone());
        }
        let stale = self.held().unwrap_or(FlowTokens {
            access: stored.access_token.unwrap_or_default(),
            refresh: stored.refresh_token,
        });
        self.renew(kind::Mode::Refresh, &stale).await
    }

    /// A new access token now, from the refresh token (or a login when it is refused),
    /// even if the one held is still valid (Python's `force_refresh`). One that another
    /// process saved in the meantime is taken instead.
    pub async fn refresh(&self) -> Result<Secret, Error> {
        let stale = if let Some(held) = self.held() {
            held
        } else {
            let stored = self.read_file().await?;
            FlowTokens {
                access: stored.access_token.unwrap_or_default(),
                refresh: stored.refresh_token,
            }
        };
        self.renew(kind::Mode::Refresh, &stale).await
    }

    /// Logs in through the browser now, replacing the stored tokens (Python's
    /// `force_reauthentication`).
    pub async fn login(&self) -> Result<Secret, Error> {
        let stale = self.held().unwrap_or(FlowTokens {
            access: Secret::default(),
            refresh: None,
        });
        self.renew(kind::Mode::Login, &stale).await
    }

    /// Forgets this profile's tokens, here and in the token file (Python's
    /// `clear_stored_tokens`); whether the file had any.
    pub async fn logout(&self) -> Result<bool, Error> {
        *self
            .inner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        let (file, app, profile) = self.file_scope();
        off_runtime(move || file.delete(&app, &profile))
            .await?
            .map_err(|e| self.defaults_error(e))
    }

    /// What the token file holds for this profile.
    pub async fn status(&self) -> Result<FlowStatus, Error> {
        let stored = self.read_file().await?;
        let access = stored.access_token.as_ref();
        Ok(FlowStatus {
            application_id: self.inner.settings.application_id.clone(),
            base_url: self.inner.settings.base_url.clone(),
            profile: self.inner.profile.clone(),
            token_file: self.token_file(),
            access_token_expires_at: access.and_then(|a| expiry_time(a.expose())),
            access_token_usable: access.is_some_and(usable),
            has_refresh_token: stored.refresh_token.is_some(),
        })
    }

    async fn renew(&self, mode: kind::Mode, stale: &FlowTokens) -> Result<Secret, Error> {
        let kind = kind::FlowKind::new(self.clone(), mode);
        let renewed = credential::renew(&kind, stale).await?;
        // A program that ends after this call leaves the token saved for the next one.
        renewed.saved.wait().await;
        Ok(renewed.token.access)
    }

    fn held(&self) -> Option<FlowTokens> {
        self.inner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn adopt(&self, tokens: FlowTokens) {
        *self
            .inner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(tokens);
    }

    fn file_scope(&self) -> (FlowTokenFile, String, String) {
        (
            self.inner.file.clone(),
            self.inner.settings.application_id.clone(),
            self.inner.profile.clone(),
        )
    }

    async fn read_file(&self) -> Result<tk_auth_defaults::FlowTokens, Error> {
        let (file, app, profile) = self.file_scope();
        off_runtime(move || file.tokens(&app, &profile)).await
    }

    /// The authorization server, as errors name it.
    fn site(&self) -> Site {
        Site::from(self.inner.settings.base_url.clone())
    }

    fn defaults_error(&self, e: DefaultsError) -> Error {
        Error::new(ErrorKind::FlowAuth)
            .at(&self.site())
            .of(Some(&self.inner.profile))
            .caused_by(e)
    }
}

impl std::fmt::Debug for FlowAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowAuth")
            .field("settings", &self.inner.settings)
            .field("profile", &self.inner.profile)
            .field("token_file", &self.inner.file.path())
            .finish_non_exhaustive()
    }
}

/// Whether `token` has at least [`FLOW_TOKEN_MIN_VALIDITY`] left (unreadable: no).
pub(crate) fn usable(token: &Secret) -> bool {
    !token.is_empty()
        && !tk_auth_core::expires_within(token.expose(), FLOW_TOKEN_MIN_VALIDITY, SystemTime::now())
}

fn expiry_time(token: &str) -> Option<SystemTime> {
    let exp = tk_auth_core::jwt_expiry(token)?;
    (exp.is_finite() && exp >= 0.0)
        .then(|| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs_f64(exp)))
        .flatten()
}

/// A configuration error from the core's validation, in its words.
fn configuration(e: &tk_auth_core::Error) -> Error {
    Error::new(ErrorKind::FlowAuthConfiguration {
        details: e.to_string(),
    })
}

/// A client error of the Flow path, as a `FlowAuthError` about the server and profile.
pub(crate) fn flow_error(settings: &FlowSettings, profile: &str, e: HttpError) -> Error {
    Error::new(ErrorKind::FlowAuth)
        .at(&Site::from(settings.base_url.clone()))
        .of(Some(profile))
        .caused_by(e)
}
