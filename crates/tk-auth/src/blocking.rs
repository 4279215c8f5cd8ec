//! The same API for synchronous programs.
//!
//! Where each call runs:
//!
//! - Calls that only read or write local files — the default host, proxy and user, a user
//!   from a given or cached token or from a script key, clearing the default user, making a
//!   user current, reading a payload — run on the calling thread, with no runtime at all.
//! - Calls that talk to the site or to the person — a password or prompted login,
//!   `resolve_entity`, `check_credentials`, renewals, connections — run on a runtime that
//!   the authenticator owns, on its own threads, and the calling thread waits for the
//!   answer (a login's own file reads and writes stay on the calling thread). That makes them safe anywhere: in a plain thread, in a DCC's main thread, and
//!   inside a tokio runtime's blocking context (`spawn_blocking`), without the "cannot
//!   start a runtime from within a runtime" panic. Do not call them from an async task:
//!   that would hold a runtime worker while waiting.
//!
//! The runtime is made by the first call that needs one and shared by the authenticator's
//! clones and by every user and connection made from them; it ends when the last of them is
//! dropped, without waiting for its tasks, so a drop inside an async context is safe (as
//! with `reqwest::blocking::Client`). Two authenticators made separately share nothing.
//!
//! ```no_run
//! use tk_auth::blocking::ShotgunAuthenticator;
//! use tk_auth::{Defaults, NonInteractivePrompter};
//!
//! let authenticator = ShotgunAuthenticator::new(Defaults::from_env()?, NonInteractivePrompter);
//! if let Some(user) = authenticator.get_default_user()? {
//!     let me = user.resolve_entity()?;
//!     println!("{user} is HumanUser {}", me["id"]);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod flow;
mod runtime;

use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};
use tk_auth_core::{Secret, Site};
use tk_auth_defaults::DefaultsManager;
use tk_auth_prompt::Prompter;

use crate::authenticator::{DefaultUser, TokenSource};
use crate::{
    AuthOptions, CredentialState, Entity, Error, LoginPrompt, SessionCredentials, UserOptions,
};
pub use flow::FlowAuth;
pub(crate) use runtime::OwnedRuntime;

/// [`crate::ShotgunAuthenticator`], blocking.
#[derive(Clone, Debug)]
pub struct ShotgunAuthenticator {
    inner: crate::ShotgunAuthenticator,
    runtime: Arc<OwnedRuntime>,
}

impl ShotgunAuthenticator {
    /// See [`crate::ShotgunAuthenticator::new`].
    pub fn new<D, P>(defaults: D, prompter: P) -> Self
    where
        D: DefaultsManager + Send + Sync + 'static,
        P: Prompter + 'static,
    {
        crate::ShotgunAuthenticator::new(defaults, prompter).into()
    }

    /// See [`crate::ShotgunAuthenticator::with_options`].
    pub fn with_options<D, P>(defaults: D, prompter: P, options: AuthOptions) -> Self
    where
        D: DefaultsManager + Send + Sync + 'static,
        P: Prompter + 'static,
    {
        crate::ShotgunAuthenticator::with_options(defaults, prompter, options).into()
    }

    /// The async authenticator underneath.
    pub fn as_async(&self) -> &crate::ShotgunAuthenticator {
        &self.inner
    }

    /// Runs `f` on the owned runtime and waits for its answer.
    fn call<T, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(crate::ShotgunAuthenticator) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.runtime.run(f(self.inner.clone()))?
    }

    /// A blocking user on this authenticator's runtime (or on the one the user's other
    /// blocking wrappers already share).
    fn user(&self, inner: crate::ShotgunUser) -> ShotgunUser {
        let runtime = inner.blocking_runtime(|| Arc::clone(&self.runtime));
        ShotgunUser { inner, runtime }
    }

    /// See [`crate::ShotgunAuthenticator::get_default_host`].
    pub fn get_default_host(&self) -> Result<Option<Site>, Error> {
        self.inner.default_host_sync()
    }

    /// See [`crate::ShotgunAuthenticator::get_default_http_proxy`].
    pub fn get_default_http_proxy(&self) -> Result<Option<String>, Error> {
        self.inner.default_http_proxy_sync()
    }

    /// See [`crate::ShotgunAuthenticator::create_session_user`]. Only a password login
    /// uses the runtime; a given or cached token is read and stored on this thread.
    pub fn create_session_user(
        &self,
        login: &str,
        credentials: SessionCredentials,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        let password = match credentials.source() {
            TokenSource::Password(password) => password,
            local => {
                return self
                    .inner
                    .stored_session_user_sync(login, local, options)
                    .map(|u| self.user(u));
            }
        };
        // Only the token's generation waits on the runtime; the files are read and written
        // here.
        let (site, http_proxy) = self.inner.session_site_sync(login, options)?;
        let token = {
            let (site, proxy, login) = (site.clone(), http_proxy.clone(), login.to_owned());
            self.call(move |a| async move {
                a.token_from_password(&site, proxy.as_deref(), &login, &password)
                    .await
            })?
        };
        self.inner
            .new_session_user_sync(site, login, http_proxy, token, None)
            .map(|u| self.user(u))
    }

    /// See [`crate::ShotgunAuthenticator::create_script_user`].
    pub fn create_script_user(
        &self,
        api_script: &str,
        api_key: impl Into<Secret>,
        options: UserOptions,
    ) -> Result<ShotgunUser, Error> {
        self.inner
            .script_user_sync(api_script, api_key.into(), options)
            .map(|u| self.user(u))
    }

    /// See [`crate::ShotgunAuthenticator::get_default_user`].
    pub fn get_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        match self.inner.default_user_sync()? {
            DefaultUser::Made(user) => Ok(user.map(|u| self.user(u))),
            DefaultUser::Password(login, with, options) => {
                Ok(Some(self.create_session_user(&login, with, options)?))
            }
        }
    }

    /// See [`crate::ShotgunAuthenticator::get_user`].
    pub fn get_user(&self) -> Result<ShotgunUser, Error> {
        if let Some(user) = self.get_default_user()? {
            return Ok(user);
        }
        let user = self.get_user_from_prompt(LoginPrompt::new())?;
        self.set_current_user(&user)?;
        Ok(user)
    }

    /// See [`crate::ShotgunAuthenticator::get_user_from_prompt`].
    pub fn get_user_from_prompt(&self, prompt: LoginPrompt) -> Result<ShotgunUser, Error> {
        let request = self.inner.prompt_request_sync(prompt)?;
        let http_proxy = request.http_proxy.clone();
        // Only the login flow waits on the runtime; the files are read and written here.
        let outcome = self.call(move |a| async move { a.login_flow(request).await })?;
        self.inner
            .prompted_user_sync(outcome, http_proxy)
            .map(|u| self.user(u))
    }

    /// See [`crate::ShotgunAuthenticator::set_current_user`].
    pub fn set_current_user(&self, user: &ShotgunUser) -> Result<(), Error> {
        self.inner.set_current_user_sync(&user.inner)
    }

    /// See [`crate::ShotgunAuthenticator::clear_default_user`].
    pub fn clear_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        self.inner
            .clear_default_user_sync()
            .map(|u| u.map(|u| self.user(u)))
    }

    /// See [`crate::ShotgunAuthenticator::deserialize_user`].
    pub fn deserialize_user(&self, payload: &str) -> Result<ShotgunUser, Error> {
        self.inner
            .deserialize_user_sync(payload)
            .map(|u| self.user(u))
    }
}

impl From<crate::ShotgunAuthenticator> for ShotgunAuthenticator {
    /// A blocking authenticator on `inner`, with a runtime of its own (made when needed).
    fn from(inner: crate::ShotgunAuthenticator) -> Self {
        Self {
            inner,
            runtime: Arc::new(OwnedRuntime::new()),
        }
    }
}

/// [`crate::ShotgunUser`], blocking. Derefs to the async user for the accessors that do
/// not wait (`host`, `login`, …).
#[derive(Clone, Debug)]
pub struct ShotgunUser {
    inner: crate::ShotgunUser,
    runtime: Arc<OwnedRuntime>,
}

impl From<crate::ShotgunUser> for ShotgunUser {
    /// A blocking user on `inner`. Every blocking wrapper of one user (its clones
    /// included) shares one runtime, made when first needed and kept while the user lives:
    /// the user's pooled connections are made on it, and would fail if it ended first.
    fn from(inner: crate::ShotgunUser) -> Self {
        let runtime = inner.blocking_runtime(|| Arc::new(OwnedRuntime::new()));
        Self { inner, runtime }
    }
}

impl std::ops::Deref for ShotgunUser {
    type Target = crate::ShotgunUser;
    fn deref(&self) -> &crate::ShotgunUser {
        &self.inner
    }
}

impl std::fmt::Display for ShotgunUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ShotgunUser {
    /// The async user underneath.
    pub fn into_async(self) -> crate::ShotgunUser {
        self.inner
    }

    fn call<T, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(crate::ShotgunUser) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        self.runtime.run(f(self.inner.clone()))?
    }

    /// See [`crate::ShotgunUser::resolve_entity`].
    pub fn resolve_entity(&self) -> Result<Entity, Error> {
        self.call(|u| async move { u.resolve_entity().await })
    }

    /// See [`crate::ShotgunUser::check_credentials`].
    pub fn check_credentials(&self) -> Result<CredentialState, Error> {
        self.call(|u| async move { u.check_credentials().await })
    }

    /// See [`crate::ShotgunUser::are_credentials_expired`].
    pub fn are_credentials_expired(&self) -> Result<bool, Error> {
        self.call(|u| async move { u.are_credentials_expired().await })
    }

    /// See [`crate::ShotgunUser::refresh_credentials`].
    pub fn refresh_credentials(&self) -> Result<(), Error> {
        self.call(|u| async move { u.refresh_credentials().await })
    }

    /// See [`crate::ShotgunUser::renew_session`].
    pub fn renew_session(&self) -> Result<Option<crate::SessionRenewal>, Error> {
        self.call(|u| async move { u.renew_session().await })
    }

    /// See [`crate::ShotgunUser::set_session_token`].
    pub fn set_session_token(&self, token: Secret) -> Result<(), Error> {
        self.call(|u| async move { u.set_session_token(token).await })
    }

    /// See [`crate::ShotgunUser::start_claims_renewal`]; the renewals run on the blocking
    /// API's runtime. `stop_claims_renewal` and `is_claims_renewal_active` are the async
    /// user's (they do not wait).
    pub fn start_claims_renewal(&self, preemptive_renewal_threshold: f64) -> Result<(), Error> {
        self.call(|u| async move { u.start_claims_renewal(preemptive_renewal_threshold).await })
    }

    /// See [`crate::ShotgunUser::rest_access_token`].
    pub fn rest_access_token(&self) -> Result<tk_auth_http::RestAccessToken, Error> {
        self.call(|u| async move { u.rest_access_token().await })
    }

    /// See [`crate::ShotgunUser::create_sg_connection`].
    pub fn create_sg_connection(&self) -> Result<Connection, Error> {
        self.inner.create_sg_connection().map(|inner| Connection {
            inner,
            runtime: Arc::clone(&self.runtime),
        })
    }
}

/// [`crate::Connection`], blocking.
#[derive(Clone, Debug)]
pub struct Connection {
    inner: crate::Connection,
    runtime: Arc<OwnedRuntime>,
}

impl Connection {
    /// See [`crate::Connection::call`].
    pub fn call(&self, method: &str, params: Option<Value>) -> Result<Value, Error> {
        let (connection, method) = (self.inner.clone(), method.to_owned());
        self.runtime
            .run(async move { connection.call(&method, params).await })?
    }

    /// See [`crate::Connection::find_one`].
    pub fn find_one(
        &self,
        entity_type: &str,
        filters: &Value,
        fields: &[&str],
    ) -> Result<Option<Map<String, Value>>, Error> {
        let (connection, entity_type, filters) =
            (self.inner.clone(), entity_type.to_owned(), filters.clone());
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        self.runtime.run(async move {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            connection.find_one(&entity_type, &filters, &fields).await
        })?
    }

    /// The async connection underneath.
    pub fn as_async(&self) -> &crate::Connection {
        &self.inner
    }
}

#[cfg(test)]
mod tests;
