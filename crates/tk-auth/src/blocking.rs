//! The same API for synchronous programs.
//!
//! Calls run on a runtime of tk-auth's own, on its own threads, and the calling thread
//! waits for the answer. That makes them safe anywhere — in a plain thread, in a DCC's
//! main thread, and inside a tokio runtime's blocking context (`spawn_blocking`) — without
//! the "cannot start a runtime from within a runtime" panic. Do not call them from an async
//! task: that would hold a runtime worker while waiting.
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

use std::future::Future;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use tk_auth_core::Secret;
use tk_auth_defaults::DefaultsManager;
use tk_auth_prompt::Prompter;

use crate::{AuthOptions, CredentialState, Entity, Error, SessionCredentials};

/// Runs `future` on the shared runtime and waits for its output.
fn run<F>(future: F) -> Result<F::Output, Error>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    let runtime = RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("tk-auth")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Runtime {
            what: "blocking API's runtime",
            source: Some(e.clone().into()),
        })?;
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = sender.send(future.await);
    });
    receiver.recv().map_err(|e| Error::Runtime {
        what: "blocking call",
        source: Some(Box::new(e)),
    })
}

/// [`crate::ShotgunAuthenticator`], blocking.
#[derive(Clone, Debug)]
pub struct ShotgunAuthenticator {
    inner: crate::ShotgunAuthenticator,
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

    fn call<T, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(crate::ShotgunAuthenticator) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        run(f(self.inner.clone()))?
    }

    /// See [`crate::ShotgunAuthenticator::get_default_host`].
    pub fn get_default_host(&self) -> Result<Option<String>, Error> {
        self.call(|a| async move { a.get_default_host().await })
    }

    /// See [`crate::ShotgunAuthenticator::get_default_http_proxy`].
    pub fn get_default_http_proxy(&self) -> Result<Option<String>, Error> {
        self.call(|a| async move { a.get_default_http_proxy().await })
    }

    /// See [`crate::ShotgunAuthenticator::create_session_user`].
    pub fn create_session_user(
        &self,
        login: &str,
        credentials: SessionCredentials,
        host: Option<&str>,
        http_proxy: Option<&str>,
    ) -> Result<ShotgunUser, Error> {
        let (login, host, proxy) = (
            login.to_owned(),
            host.map(str::to_owned),
            http_proxy.map(str::to_owned),
        );
        self.call(|a| async move {
            a.create_session_user(&login, credentials, host.as_deref(), proxy.as_deref())
                .await
        })
        .map(ShotgunUser::from)
    }

    /// See [`crate::ShotgunAuthenticator::create_script_user`].
    pub fn create_script_user(
        &self,
        api_script: &str,
        api_key: impl Into<Secret>,
        host: Option<&str>,
        http_proxy: Option<&str>,
    ) -> Result<ShotgunUser, Error> {
        let (script, key, host, proxy) = (
            api_script.to_owned(),
            api_key.into(),
            host.map(str::to_owned),
            http_proxy.map(str::to_owned),
        );
        self.call(|a| async move {
            a.create_script_user(&script, key, host.as_deref(), proxy.as_deref())
                .await
        })
        .map(ShotgunUser::from)
    }

    /// See [`crate::ShotgunAuthenticator::get_default_user`].
    pub fn get_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        self.call(|a| async move { a.get_default_user().await })
            .map(|u| u.map(ShotgunUser::from))
    }

    /// See [`crate::ShotgunAuthenticator::get_user`].
    pub fn get_user(&self) -> Result<ShotgunUser, Error> {
        self.call(|a| async move { a.get_user().await })
            .map(ShotgunUser::from)
    }

    /// See [`crate::ShotgunAuthenticator::get_user_from_prompt`].
    pub fn get_user_from_prompt(
        &self,
        host: Option<&str>,
        login: Option<&str>,
        http_proxy: Option<&str>,
        is_host_fixed: Option<bool>,
    ) -> Result<ShotgunUser, Error> {
        let (host, login, proxy) = (
            host.map(str::to_owned),
            login.map(str::to_owned),
            http_proxy.map(str::to_owned),
        );
        self.call(|a| async move {
            a.get_user_from_prompt(
                host.as_deref(),
                login.as_deref(),
                proxy.as_deref(),
                is_host_fixed,
            )
            .await
        })
        .map(ShotgunUser::from)
    }

    /// See [`crate::ShotgunAuthenticator::clear_default_user`].
    pub fn clear_default_user(&self) -> Result<Option<ShotgunUser>, Error> {
        self.call(|a| async move { a.clear_default_user().await })
            .map(|u| u.map(ShotgunUser::from))
    }

    /// See [`crate::ShotgunAuthenticator::deserialize_user`].
    pub fn deserialize_user(&self, payload: &str) -> Result<ShotgunUser, Error> {
        let payload = payload.to_owned();
        self.call(|a| async move { a.deserialize_user(&payload).await })
            .map(ShotgunUser::from)
    }
}

impl From<crate::ShotgunAuthenticator> for ShotgunAuthenticator {
    fn from(inner: crate::ShotgunAuthenticator) -> Self {
        Self { inner }
    }
}

/// [`crate::ShotgunUser`], blocking. Derefs to the async user for the accessors that do
/// not wait (`host`, `login`, …).
#[derive(Clone, Debug)]
pub struct ShotgunUser {
    inner: crate::ShotgunUser,
}

impl From<crate::ShotgunUser> for ShotgunUser {
    fn from(inner: crate::ShotgunUser) -> Self {
        Self { inner }
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
        run(f(self.inner.clone()))?
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

    /// See [`crate::ShotgunUser::create_sg_connection`].
    pub fn create_sg_connection(&self) -> Result<Connection, Error> {
        self.inner
            .create_sg_connection()
            .map(|inner| Connection { inner })
    }
}

/// [`crate::Connection`], blocking.
#[derive(Clone, Debug)]
pub struct Connection {
    inner: crate::Connection,
}

impl Connection {
    /// See [`crate::Connection::call`].
    pub fn call(&self, method: &str, params: Option<Value>) -> Result<Value, Error> {
        let (connection, method) = (self.inner.clone(), method.to_owned());
        run(async move { connection.call(&method, params).await })?
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
        run(async move {
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            connection.find_one(&entity_type, &filters, &fields).await
        })?
    }

    /// The async connection underneath.
    pub fn as_async(&self) -> &crate::Connection {
        &self.inner
    }
}
