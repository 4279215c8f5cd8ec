//! The authenticator's work that only reads or writes local files: the defaults, the session
//! cache, payloads. The async methods run it off the runtime and the blocking API on the
//! calling thread, so the rules are written once.

use std::sync::Arc;

use tk_auth_core::{ScriptUser, Secret, SessionUser, Site, User};
use tk_auth_defaults::{Credentials, DefaultsError, DefaultsManager, MakeCurrent, SessionData};

use super::{ShotgunAuthenticator, TokenSource};
use crate::login::{LoginOutcome, LoginRequest};
use crate::{Error, ErrorKind, LoginPrompt, SessionCredentials, ShotgunUser, UserOptions};

impl ShotgunAuthenticator {
    /// A defaults-manager call, its failure as an [`Error`].
    pub(crate) fn defaults_sync<T>(
        &self,
        call: impl FnOnce(&dyn DefaultsManager) -> Result<T, DefaultsError>,
    ) -> Result<T, Error> {
        call(&*self.defaults).map_err(|e| Error::defaults(None, None, e))
    }

    /// See [`get_default_host`](Self::get_default_host).
    pub(crate) fn default_host_sync(&self) -> Result<Option<Site>, Error> {
        self.defaults_sync(|d| d.get_host())
    }

    /// See [`get_default_http_proxy`](Self::get_default_http_proxy).
    pub(crate) fn default_http_proxy_sync(&self) -> Result<Option<String>, Error> {
        self.defaults_sync(|d| d.get_http_proxy())
    }

    /// The site and proxy of a user: those given, else the defaults'.
    fn site_sync(&self, options: UserOptions) -> Result<(Site, Option<String>), Error> {
        let site = match options.site {
            Some(site) => site,
            None => self.default_host_sync()?.unwrap_or_default(),
        };
        let http_proxy = match options.http_proxy {
            Some(p) => Some(p),
            None => self.default_http_proxy_sync()?,
        };
        Ok((site, http_proxy))
    }

    /// The site and proxy of a session user of `login`, checked in Python's order: site,
    /// then login (the token is checked by the caller).
    pub(crate) fn session_site_sync(
        &self,
        login: &str,
        options: UserOptions,
    ) -> Result<(Site, Option<String>), Error> {
        let (site, http_proxy) = self.site_sync(options)?;
        let missing = |what: &str| {
            Error::new(ErrorKind::IncompleteCredentials {
                what: what.to_owned(),
            })
        };
        if site.is_empty() {
            return Err(missing("missing host"));
        }
        if login.is_empty() {
            return Err(missing("missing login.").at(&site));
        }
        Ok((site, http_proxy))
    }

    /// A session user whose token is given or cached (see
    /// [`create_session_user`](Self::create_session_user)); a password is refused here, as
    /// it needs the site.
    pub(crate) fn stored_session_user_sync(
        &self,
        login: &str,
        source: TokenSource,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        let (site, http_proxy) = self.session_site_sync(login, options)?;
        let (token, metadata) = match source {
            TokenSource::Token(token, metadata) => (token, metadata),
            // The async and blocking callers log in with a password before they get here.
            TokenSource::Password(_) => {
                return Err(Error::new(ErrorKind::IncompleteCredentials {
                    what: "missing session_token (a password login needs the site)".to_owned(),
                })
                .at(&site)
                .of(Some(login)));
            }
            TokenSource::Cache => match self
                .ctx
                .cache
                .get_session_data(&site, login)
                .map_err(|e| Error::defaults(Some(&site), Some(login), e))?
            {
                Some(data) if !data.session_token.is_empty() => {
                    (data.session_token, data.session_metadata)
                }
                _ => {
                    return Err(Error::new(ErrorKind::IncompleteCredentials {
                        what: "missing session_token".to_owned(),
                    })
                    .at(&site)
                    .of(Some(login)));
                }
            },
        };
        self.new_session_user_sync(site, login, http_proxy, token, metadata)
    }

    /// A session user, its session stored in the session cache (failures are logged, as
    /// Python's `_try_save`); the current site and user are not changed. A session the
    /// cache already holds as it is (the default user's) is not written again: reading a
    /// user leaves the files as they are.
    pub(crate) fn new_session_user_sync(
        &self,
        site: Site,
        login: &str,
        http_proxy: Option<String>,
        token: Secret,
        metadata: Option<Secret>,
    ) -> Result<ShotgunUser, Error> {
        let user = SessionUser::new(site, login, token)?
            .with_http_proxy(http_proxy)
            .with_session_metadata(metadata);
        let user = ShotgunUser::new(Arc::clone(&self.ctx), User::Session(user));
        if let Some((site, data)) = user.cached_session()
            && !self.holds(&site, &data)
            && let Err(e) = self
                .ctx
                .cache
                .record_login(&site, &data, None, MakeCurrent::Nothing)
        {
            tracing::warn!(site = %site, login = %data.login, error = %e, "could not save the session");
        }
        Ok(user)
    }

    /// Whether the session cache holds `data`'s token and metadata for its login on `site`.
    fn holds(&self, site: &Site, data: &SessionData) -> bool {
        matches!(
            self.ctx.cache.get_session_data(site, &data.login),
            Ok(Some(stored)) if stored.session_token == data.session_token
                && stored.session_metadata == data.session_metadata
        )
    }

    /// What a prompted login starts from: what `prompt` gives, else the defaults manager's
    /// site, login and proxy, and whether the site is fixed.
    pub(crate) fn prompt_request_sync(&self, prompt: LoginPrompt) -> Result<LoginRequest, Error> {
        let LoginPrompt {
            user: UserOptions { site, http_proxy },
            login,
            host_fixed,
        } = prompt;
        Ok(LoginRequest {
            site: site.map_or_else(|| self.default_host_sync(), |s| Ok(Some(s)))?,
            login: login.map_or_else(|| self.defaults_sync(|d| d.get_login()), |l| Ok(Some(l)))?,
            http_proxy: http_proxy
                .map_or_else(|| self.default_http_proxy_sync(), |p| Ok(Some(p)))?,
            host_fixed: host_fixed.resolve(|| self.defaults.is_host_fixed()),
            renewal: false,
            client: None,
        })
    }

    /// The user a prompted login made: its session cached, the login method and the
    /// current site and user saved through the defaults manager, each file written once.
    pub(crate) fn prompted_user_sync(
        &self,
        outcome: LoginOutcome,
        http_proxy: Option<String>,
    ) -> Result<ShotgunUser, Error> {
        let user = SessionUser::new(outcome.site, outcome.login, outcome.token)?
            .with_http_proxy(http_proxy)
            .with_session_metadata(outcome.metadata);
        let user = ShotgunUser::new(Arc::clone(&self.ctx), User::Session(user));
        if let Some((site, session)) = user.cached_session() {
            self.defaults_sync(|d| d.record_login(&site, &session, Some(outcome.method)))?;
        }
        Ok(user)
    }

    /// See [`create_script_user`](Self::create_script_user).
    pub(crate) fn script_user_sync(
        &self,
        api_script: &str,
        api_key: Secret,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        let (site, http_proxy) = self.site_sync(options)?;
        let user = ScriptUser::new(site, api_script, api_key)?.with_http_proxy(http_proxy);
        Ok(ShotgunUser::new(Arc::clone(&self.ctx), User::Script(user)))
    }

    /// The user of the defaults manager's credentials, as Python's `get_default_user` makes
    /// it through `create_script_user` or `create_session_user`; a password login is left to
    /// the caller, as it needs the site.
    pub(crate) fn default_user_sync(&self) -> Result<DefaultUser, Error> {
        use DefaultUser::{Made, Password};
        let options = |site: Option<Site>, http_proxy: Option<String>| {
            let options = UserOptions::new();
            let options = match site {
                Some(site) => options.site(site),
                None => options,
            };
            match http_proxy {
                Some(proxy) => options.http_proxy(proxy),
                None => options,
            }
        };
        let user = match self.defaults_sync(|d| d.get_user_credentials())? {
            None => return Ok(Made(None)),
            Some(Credentials::Script {
                api_script,
                api_key,
                host: site,
                http_proxy,
            }) => self.script_user_sync(&api_script, api_key, options(site, http_proxy))?,
            Some(Credentials::Session {
                login,
                session_token,
                session_metadata,
                password,
                host: site,
                http_proxy,
            }) => {
                // A token wins over a password, as in Python.
                let source = match (session_token, password) {
                    (Some(token), _) => TokenSource::Token(token, session_metadata),
                    (None, Some(password)) => {
                        let credentials = SessionCredentials::password(password);
                        return Ok(Password(login, credentials, options(site, http_proxy)));
                    }
                    (None, None) => TokenSource::Cache,
                };
                self.stored_session_user_sync(&login, source, options(site, http_proxy))?
            }
            Some(_) => {
                return Err(Error::new(ErrorKind::IncompleteCredentials {
                    what: "unknown credentials configuration".to_owned(),
                }));
            }
        };
        Ok(Made(Some(user)))
    }

    /// See [`clear_default_user`](Self::clear_default_user).
    pub(crate) fn clear_default_user_sync(&self) -> Result<Option<ShotgunUser>, Error> {
        let (Some(site), Some(login)) = (
            self.default_host_sync()?,
            self.defaults_sync(|d| d.get_login())?,
        ) else {
            return Ok(None);
        };
        let user = match self.stored_session_user_sync(
            &login,
            TokenSource::Cache,
            UserOptions::new().site(&site),
        ) {
            Ok(user) => user,
            Err(e) if matches!(e.kind(), ErrorKind::IncompleteCredentials { .. }) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        self.ctx
            .cache
            .delete_session_data(&site, &login)
            .map_err(|e| Error::defaults(Some(&site), Some(&login), e))?;
        Ok(Some(user))
    }

    /// See [`deserialize_user`](Self::deserialize_user).
    pub(crate) fn deserialize_user_sync(&self, payload: &str) -> Result<ShotgunUser, Error> {
        crate::serialization::deserialize_sync(Arc::clone(&self.ctx), payload)
    }
}

/// What the defaults manager's credentials make.
pub(crate) enum DefaultUser {
    /// The user read from local files, or none (no credentials).
    Made(Option<ShotgunUser>),
    /// A person to log in with a password (only the site can turn it into a token): the
    /// arguments of `create_session_user`.
    Password(String, SessionCredentials, UserOptions),
}
