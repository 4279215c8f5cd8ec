//! `ShotgunAuthenticator`: default users, prompted logins, users from credentials.

use std::sync::Arc;

use tk_auth_core::{ScriptUser, Secret, SessionUser, User};
use tk_auth_defaults::{Credentials, DefaultsError, DefaultsManager};
use tk_auth_prompt::Prompter;

use crate::context::{Context, off_runtime};
use crate::login::{self, LoginRequest};
use crate::{AuthOptions, Error, ShotgunUser};

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

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
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

    /// Runs a defaults-manager call off the runtime.
    async fn defaults<T, F>(&self, call: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&dyn DefaultsManager) -> Result<T, DefaultsError> + Send + 'static,
    {
        let defaults = Arc::clone(&self.defaults);
        off_runtime(move || call(&*defaults))
            .await?
            .map_err(|e| Error::defaults(None, None, e))
    }

    /// The default site (Python's `get_default_host`).
    pub async fn get_default_host(&self) -> Result<Option<String>, Error> {
        self.defaults(|d| d.get_host()).await
    }

    /// The default http proxy (Python's `get_default_http_proxy`).
    pub async fn get_default_http_proxy(&self) -> Result<Option<String>, Error> {
        self.defaults(|d| d.get_http_proxy()).await
    }

    /// A session user (Python's `create_session_user`).
    ///
    /// `host` and `http_proxy` default to the defaults manager's when `None` or empty.
    /// With a password a token is generated on the site; with neither token nor password
    /// the token (and its metadata) is taken from the session cache. The session is then
    /// stored in the session cache (failures are logged); the current site and user are
    /// not changed.
    pub async fn create_session_user(
        &self,
        login: &str,
        credentials: SessionCredentials,
        host: Option<&str>,
        http_proxy: Option<&str>,
    ) -> Result<ShotgunUser, Error> {
        let host = match non_empty(host) {
            Some(h) => h,
            None => self.get_default_host().await?.unwrap_or_default(),
        };
        let http_proxy = match non_empty(http_proxy) {
            Some(p) => Some(p),
            None => self.get_default_http_proxy().await?,
        };
        // Python checks in this order: host, login, token.
        if host.is_empty() {
            return Err(Error::IncompleteCredentials {
                what: "missing host".to_owned(),
            });
        }
        if login.is_empty() {
            return Err(Error::IncompleteCredentials {
                what: "missing login.".to_owned(),
            });
        }
        let (token, metadata) = match credentials {
            SessionCredentials::Token {
                session_token,
                session_metadata,
            } if !session_token.is_empty() => (session_token, session_metadata),
            SessionCredentials::Password { password } if !password.is_empty() => {
                let client = self.ctx.client(&host, http_proxy.as_deref())?;
                let token = client
                    .generate_session_token(login, &password, None)
                    .await
                    .map_err(|e| Error::from_http(&host, Some(login), e))?;
                (token, None)
            }
            _ => {
                let (cache, h, l) = (self.ctx.cache.clone(), host.clone(), login.to_owned());
                match off_runtime(move || cache.get_session_data(&h, &l))
                    .await?
                    .map_err(|e| Error::defaults(Some(&host), Some(login), e))?
                {
                    Some(data) if !data.session_token.is_empty() => {
                        (data.session_token, data.session_metadata)
                    }
                    _ => {
                        return Err(Error::IncompleteCredentials {
                            what: "missing session_token".to_owned(),
                        });
                    }
                }
            }
        };
        let user = SessionUser::new(host, login, token)?
            .with_http_proxy(http_proxy)
            .with_session_metadata(metadata);
        let user = ShotgunUser::new(Arc::clone(&self.ctx), User::Session(user));
        user.save_to_cache().await;
        Ok(user)
    }

    /// A script user (Python's `create_script_user`); nothing is stored.
    pub async fn create_script_user(
        &self,
        api_script: &str,
        api_key: impl Into<Secret>,
        host: Option<&str>,
        http_proxy: Option<&str>,
    ) -> Result<ShotgunUser, Error> {
        let api_key = api_key.into();
        let host = match non_empty(host) {
            Some(h) => h,
            None => self.get_default_host().await?.unwrap_or_default(),
        };
        let http_proxy = match non_empty(http_proxy) {
            Some(p) => Some(p),
            None => self.get_default_http_proxy().await?,
        };
        let user = ScriptUser::new(host, api_script, api_key)?.with_http_proxy(http_proxy);
        Ok(ShotgunUser::new(Arc::clone(&self.ctx), User::Script(user)))
    }

    /// The user the defaults manager's credentials describe, or `None` (Python's
    /// `get_default_user`): a script user, or a session user from the cache.
    pub async fn get_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        match self.defaults(|d| d.get_user_credentials()).await? {
            None => Ok(None),
            Some(Credentials::Script {
                api_script,
                api_key,
            }) => self
                .create_script_user(&api_script, api_key, None, None)
                .await
                .map(Some),
            Some(Credentials::Session(data)) => self
                .create_session_user(
                    &data.login,
                    SessionCredentials::Token {
                        session_token: data.session_token,
                        session_metadata: data.session_metadata,
                    },
                    None,
                    None,
                )
                .await
                .map(Some),
            Some(_) => Err(Error::IncompleteCredentials {
                what: "unknown credentials configuration".to_owned(),
            }),
        }
    }

    /// The default user, else one from a login prompt (Python's `get_user`).
    pub async fn get_user(&self) -> Result<ShotgunUser, Error> {
        if let Some(user) = self.get_default_user().await? {
            return Ok(user);
        }
        self.get_user_from_prompt(None, None, None, None).await
    }

    /// Logs in through the prompter (Python's `get_user_from_prompt`).
    ///
    /// Missing arguments come from the defaults manager. Unlike Python, the `http_proxy`
    /// given is the one the user gets, and `is_host_fixed = Some(false)` does unfix the
    /// host. On success the session is cached and the login method, current site and
    /// current user are saved.
    pub async fn get_user_from_prompt(
        &self,
        host: Option<&str>,
        login: Option<&str>,
        http_proxy: Option<&str>,
        is_host_fixed: Option<bool>,
    ) -> Result<ShotgunUser, Error> {
        let host = match non_empty(host) {
            Some(h) => Some(h),
            None => self.get_default_host().await?,
        };
        let login = match non_empty(login) {
            Some(l) => Some(l),
            None => self.defaults(|d| d.get_login()).await?,
        };
        let http_proxy = match non_empty(http_proxy) {
            Some(p) => Some(p),
            None => self.get_default_http_proxy().await?,
        };
        let host_fixed = match is_host_fixed {
            Some(fixed) => fixed,
            None => self.defaults(|d| Ok(d.is_host_fixed())).await?,
        };
        let outcome = login::run(
            &self.ctx,
            LoginRequest {
                host,
                login,
                http_proxy: http_proxy.clone(),
                host_fixed,
                renewal: false,
                client: None,
            },
        )
        .await?;
        let user = SessionUser::new(outcome.host.clone(), outcome.login.clone(), outcome.token)?
            .with_http_proxy(http_proxy)
            .with_session_metadata(outcome.metadata);
        let user = ShotgunUser::new(Arc::clone(&self.ctx), User::Session(user));
        // The session, the method and the current site and user, each file written once.
        if let Some((host, session)) = user.cached_session() {
            let method = outcome.method;
            self.defaults(move |d| d.record_login(&host, &session, Some(method)))
                .await?;
        }
        Ok(user)
    }

    /// Forgets the default user's cached session and returns that user, or `None` when
    /// there is none (Python's `clear_default_user`). The current user is kept.
    pub async fn clear_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        let (Some(host), Some(login)) = (
            self.get_default_host().await?,
            self.defaults(|d| d.get_login()).await?,
        ) else {
            return Ok(None);
        };
        let user = match self
            .create_session_user(&login, SessionCredentials::Cached, Some(&host), None)
            .await
        {
            Ok(user) => user,
            Err(Error::IncompleteCredentials { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let (cache, h, l) = (self.ctx.cache.clone(), host.clone(), login.clone());
        off_runtime(move || cache.delete_session_data(&h, &l))
            .await?
            .map_err(|e| Error::defaults(Some(&host), Some(&login), e))?;
        Ok(Some(user))
    }

    /// Reads a serialized user (see [`deserialize_user`](crate::deserialize_user)); the
    /// user renews through this authenticator's prompter.
    pub async fn deserialize_user(&self, payload: &str) -> Result<ShotgunUser, Error> {
        crate::serialization::deserialize_with(Arc::clone(&self.ctx), payload).await
    }
}
