//! [`crate::FlowAuth`] for synchronous programs, on the authenticator's runtime.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tk_auth_core::{FlowSettings, Secret};

use super::{OwnedRuntime, ShotgunAuthenticator};
use crate::{Error, FlowStatus};

/// [`crate::FlowAuth`], blocking.
#[derive(Clone, Debug)]
pub struct FlowAuth {
    inner: crate::FlowAuth,
    runtime: Arc<OwnedRuntime>,
}

impl ShotgunAuthenticator {
    /// See [`crate::ShotgunAuthenticator::flow_auth`].
    pub fn flow_auth(&self) -> Result<FlowAuth, Error> {
        Ok(self.flow(self.inner.flow_auth()?))
    }

    /// See [`crate::ShotgunAuthenticator::flow_auth_with`].
    pub fn flow_auth_with(&self, settings: FlowSettings) -> Result<FlowAuth, Error> {
        Ok(self.flow(self.inner.flow_auth_with(settings)?))
    }

    fn flow(&self, inner: crate::FlowAuth) -> FlowAuth {
        FlowAuth {
            inner,
            runtime: Arc::clone(&self.runtime),
        }
    }
}

impl FlowAuth {
    /// The async handle underneath.
    pub fn as_async(&self) -> &crate::FlowAuth {
        &self.inner
    }

    /// See [`crate::FlowAuth::with_profile`].
    #[must_use]
    pub fn with_profile(&self, profile: impl Into<String>) -> Self {
        self.wrap(self.inner.with_profile(profile))
    }

    /// See [`crate::FlowAuth::with_login_timeout`].
    #[must_use]
    pub fn with_login_timeout(&self, timeout: Duration) -> Self {
        self.wrap(self.inner.with_login_timeout(timeout))
    }

    fn wrap(&self, inner: crate::FlowAuth) -> Self {
        Self {
            inner,
            runtime: Arc::clone(&self.runtime),
        }
    }

    /// See [`crate::FlowAuth::settings`].
    pub fn settings(&self) -> &FlowSettings {
        self.inner.settings()
    }

    /// See [`crate::FlowAuth::profile`].
    pub fn profile(&self) -> &str {
        self.inner.profile()
    }

    /// See [`crate::FlowAuth::token_file`].
    pub fn token_file(&self) -> PathBuf {
        self.inner.token_file()
    }

    /// See [`crate::FlowAuth::access_token`].
    pub fn access_token(&self) -> Result<Secret, Error> {
        let flow = self.inner.clone();
        self.runtime.run(async move { flow.access_token().await })?
    }

    /// See [`crate::FlowAuth::refresh`].
    pub fn refresh(&self) -> Result<Secret, Error> {
        let flow = self.inner.clone();
        self.runtime.run(async move { flow.refresh().await })?
    }

    /// See [`crate::FlowAuth::login`].
    pub fn login(&self) -> Result<Secret, Error> {
        let flow = self.inner.clone();
        self.runtime.run(async move { flow.login().await })?
    }

    /// See [`crate::FlowAuth::logout`].
    pub fn logout(&self) -> Result<bool, Error> {
        let flow = self.inner.clone();
        self.runtime.run(async move { flow.logout().await })?
    }

    /// See [`crate::FlowAuth::status`].
    pub fn status(&self) -> Result<FlowStatus, Error> {
        let flow = self.inner.clone();
        self.runtime.run(async move { flow.status().await })?
    }
}
