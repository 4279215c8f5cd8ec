//! `ShotgunAuthenticator`: default users, prompted logins, users from credentials.

mod current_user;
mod local;

pub(crate) use local::DefaultUser;

use std::sync::Arc;

use tk_auth_core::{FlowSettings, Secret, Site};
use tk_auth_defaults::DefaultsManager;
use tk_auth_prompt::Prompter;

use crate::context::{Context, off_runtime};
use crate::login::{self, LoginOutcome, LoginRequest};
use crate::{AuthOptions, Error, FlowAuth, LoginPrompt, ShotgunUser, UserOptions};

/// What a session user is made from (the arguments of Python's `create_session_user`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SessionCredentials {
    /// A session token (and the web-login cookies that came with it, if any).
    Token {
        /// The token.
        session_token: Secret,
        /// The encoded cookies.
        session_metadata: Option<Secret>,
    },
    /// A password: a token is generated on the site, then cached.
    Password {
        /// The password.
        password: Secret,
    },
    /// Neither: the token is taken from the session cache.
    Cached,
}

impl SessionCredentials {
    /// A token without metadata.
    pub fn token(token: impl Into<Secret>) -> Self {
        Self::Token {
            session_token: token.into(),
            session_metadata: None,
        }
    }
    /// A password.
    pub fn password(password: impl Into<Secret>) -> Self {
        Self::Password {
            password: password.into(),
        }
    }
}

/// Where a session user's token comes from.
pub(crate) enum TokenSource {
    /// Given (with its metadata).
    Token(Secret, Option<Secret>),
    /// Generated on the site from a password: the only source that needs the network.
    Password(Secret),
    /// The session cache.
    Cache,
}

impl SessionCredentials {
    /// Where the token comes from: an empty token or password means the session cache, as
    /// in Python.
    pub(crate) fn source(self) -> TokenSource {
        match self {
            Self::Token {
                session_token,
                session_metadata,
            } if !session_token.is_empty() => TokenSource::Token(session_token, session_metadata),
            Self::Password { password } if !password.is_empty() => TokenSource::Password(password),
            _ => TokenSource::Cache,
        }
    }
}

type SharedDefaults = Arc<dyn DefaultsManager + Send + Sync>;

/// Python's `ShotgunAuthenticator`: hands out users — the default one, one from a login
/// prompt, or one built from credentials — on top of any [`DefaultsManager`] and any
/// [`Prompter`].
///
/// The async methods never block a runtime thread: the session cache (file locks, keyring)
/// is used through `spawn_blocking`, so they must run inside a tokio runtime. Synchronous
/// programs use [`blocking::ShotgunAuthenticator`](crate::blocking::ShotgunAuthenticator).
#[derive(Clone)]
pub struct ShotgunAuthenticator {
    defaults: SharedDefaults,
    ctx: Arc<Context>,
}

impl std::fmt::Debug for ShotgunAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShotgunAuthenticator")
            .field("session_cache", &self.ctx.cache)
            .field("options", &self.ctx.options)
            .finish_non_exhaustive()
    }
}

impl ShotgunAuthenticator {
    /// An authenticator on `defaults`, asking through `prompter`, with the process
    /// environment. Where nobody can answer the prompter (see
    /// [`Interactivity`](tk_auth_prompt::Interactivity)) prompts fail at once instead.
    pub fn new<D, P>(defaults: D, prompter: P) -> Self
    where
        D: DefaultsManager + Send + Sync + 'static,
        P: Prompter + 'static,
    {
        Self::with_options(defaults, prompter, AuthOptions::new())
    }

    /// An authenticator with explicit options (environment, client settings …).
    pub fn with_options<D, P>(defaults: D, prompter: P, options: AuthOptions) -> Self
    where
        D: DefaultsManager + Send + Sync + 'static,
        P: Prompter + 'static,
    {
        let cache = defaults.defaults().session_cache().clone();
        Self {
            ctx: Context::new(cache, Arc::new(prompter), options),
            defaults: Arc::new(defaults),
        }
    }

    /// The defaults manager.
    pub fn defaults_manager(&self) -> &(dyn DefaultsManager + Send + Sync) {
        &*self.defaults
    }

    /// Runs work on local files (the defaults, the session cache) off the runtime, through
    /// the same synchronous internals the blocking API calls in place.
    async fn local<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Self) -> Result<T, Error> + Send + 'static,
    {
        let this = self.clone();
        off_runtime(move || work(&this)).await?
    }

    /// The default site (Python's `get_default_host`).
    pub async fn get_default_host(&self) -> Result<Option<Site>, Error> {
        self.local(Self::default_host_sync).await
    }

    /// The default http proxy (Python's `get_default_http_proxy`).
    pub async fn get_default_http_proxy(&self) -> Result<Option<String>, Error> {
        self.local(Self::default_http_proxy_sync).await
    }

    /// A session user (Python's `create_session_user`).
    ///
    /// The site and proxy are the defaults manager's unless `options` gives them.
    /// With a password a token is generated on the site; with neither token nor password
    /// the token (and its metadata) is taken from the session cache. The session is then
    /// stored in the session cache (failures are logged); the current site and user are
    /// not changed.
    pub async fn create_session_user(
        &self,
        login: &str,
        credentials: SessionCredentials,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        let login = login.to_owned();
        match credentials.source() {
            TokenSource::Password(password) => {
                let (site, http_proxy) = {
                    let login = login.clone();
                    self.local(move |a| a.session_site_sync(&login, options))
                        .await?
                };
                let token = self
                    .token_from_password(&site, http_proxy.as_deref(), &login, &password)
                    .await?;
                self.local(move |a| a.new_session_user_sync(site, &login, http_proxy, token, None))
                    .await
            }
            source => {
                self.local(move |a| a.stored_session_user_sync(&login, source, options))
                    .await
            }
        }
    }

    /// A script user (Python's `create_script_user`); nothing is stored.
    pub async fn create_script_user(
        &self,
        api_script: &str,
        api_key: impl Into<Secret>,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        let (api_script, api_key) = (api_script.to_owned(), api_key.into());
        self.local(move |a| a.script_user_sync(&api_script, api_key, options))
            .await
    }

    /// The user the defaults manager's credentials describe, or `None` (Python's
    /// `get_default_user`): a script user, or a session user from the cache.
    pub async fn get_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        match self.local(Self::default_user_sync).await? {
            DefaultUser::Made(user) => Ok(user),
            DefaultUser::Password(login, with, options) => {
                Ok(Some(self.create_session_user(&login, with, options).await?))
            }
        }
    }

    /// The default user, else one from a login prompt, then made the current one through
    /// the defaults manager's `set_host` and `set_login` (Python's `get_user`).
    pub async fn get_user(&self) -> Result<ShotgunUser, Error> {
        if let Some(user) = self.get_default_user().await? {
            return Ok(user);
        }
        let user = self.get_user_from_prompt(LoginPrompt::new()).await?;
        // As Python: the defaults manager is told the site and login, so that a custom
        // manager sees every login.
        self.set_current_user(&user).await?;
        Ok(user)
    }

    /// Logs in through the prompter (Python's `get_user_from_prompt`).
    ///
    /// What `prompt` leaves out comes from the defaults manager. Unlike Python, the proxy
    /// given is the one the user gets, and [`HostFixed::Asked`](crate::HostFixed::Asked)
    /// does unfix the site. On success the session is cached and the login method, current
    /// site and current user are saved.
    ///
    /// ```no_run
    /// # async fn f(auth: tk_auth::ShotgunAuthenticator) -> Result<(), tk_auth::Error> {
    /// use tk_auth::{HostFixed, LoginPrompt};
    ///
    /// let user = auth
    ///     .get_user_from_prompt(
    ///         LoginPrompt::new()
    ///             .site("https://mysite.shotgunstudio.com")
    ///             .host_fixed(HostFixed::Fixed),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_user_from_prompt(&self, prompt: LoginPrompt) -> Result<ShotgunUser, Error> {
        let request = self.local(move |a| a.prompt_request_sync(prompt)).await?;
        let http_proxy = request.http_proxy.clone();
        let outcome = self.login_flow(request).await?;
        self.local(move |a| a.prompted_user_sync(outcome, http_proxy))
            .await
    }

    /// The login flow through this authenticator's prompter: the part of
    /// [`get_user_from_prompt`](Self::get_user_from_prompt) that talks to the site and the
    /// person.
    pub(crate) async fn login_flow(&self, request: LoginRequest) -> Result<LoginOutcome, Error> {
        login::run(&self.ctx, request).await
    }

    /// A new session token of `login` on `site`, for `password`.
    pub(crate) async fn token_from_password(
        &self,
        site: &Site,
        http_proxy: Option<&str>,
        login: &str,
        password: &Secret,
    ) -> Result<Secret, Error> {
        self.ctx
            .client(site, http_proxy)?
            .generate_session_token(login, password, None)
            .await
            .map_err(|e| Error::from_http(site, Some(login), e))
    }

    /// Forgets the default user's cached session and returns that user, or `None` when
    /// there is none (Python's `clear_default_user`). The current user is kept.
    pub async fn clear_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        self.local(Self::clear_default_user_sync).await
    }

    /// Reads a serialized user (see [`deserialize_user`](crate::deserialize_user)); the
    /// user renews through this authenticator's prompter.
    pub async fn deserialize_user(&self, payload: &str) -> Result<ShotgunUser, Error> {
        let payload = payload.to_owned();
        self.local(move |a| a.deserialize_user_sync(&payload)).await
    }

    /// Flow (Autodesk Platform Services) access tokens with the settings of this
    /// authenticator's environment (`TK_FLOW_AUTH_*`, else the Python Toolkit's defaults;
    /// Python's `resolve_flow_auth_settings`), asking through this authenticator's prompter
    /// and browser opener.
    pub fn flow_auth(&self) -> Result<FlowAuth, Error> {
        self.flow_auth_with(FlowSettings::resolve(&self.ctx.options.env))
    }

    /// Flow access tokens with explicit `settings` (validated here: Python's
    /// `init_authentication`).
    pub fn flow_auth_with(&self, settings: FlowSettings) -> Result<FlowAuth, Error> {
        FlowAuth::new(Arc::clone(&self.ctx), settings)
    }
}
