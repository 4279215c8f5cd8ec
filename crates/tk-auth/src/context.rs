//! What an authenticator shares with the users and connections it makes.

use std::sync::Arc;

use tk_auth_core::Site;
use tk_auth_defaults::SessionCache;
use tk_auth_http::{SiteClient, SiteUrl};
use tk_auth_prompt::{Interactivity, NonInteractivePrompter, Prompter};

use crate::{AuthOptions, Error};

/// The session cache, the prompter (already replaced by the non-interactive one where
/// nobody can answer) and the options.
pub(crate) struct Context {
    pub(crate) cache: SessionCache,
    pub(crate) prompter: Arc<dyn Prompter>,
    pub(crate) options: AuthOptions,
}

impl Context {
    pub(crate) fn new(
        cache: SessionCache,
        prompter: Arc<dyn Prompter>,
        options: AuthOptions,
    ) -> Arc<Self> {
        let prompter: Arc<dyn Prompter> =
            match Interactivity::detect(&options.env, prompter.interface()) {
                Interactivity::Interactive => prompter,
                Interactivity::NonInteractive => {
                    tracing::debug!("nobody can answer prompts here: prompts will fail at once");
                    Arc::new(NonInteractivePrompter)
                }
            };
        Arc::new(Self {
            cache,
            prompter,
            options,
        })
    }

    /// The context of users made without an authenticator (deserialized payloads): the
    /// process's session cache, and no prompts.
    pub(crate) fn from_process_env() -> Result<Arc<Self>, Error> {
        let options = AuthOptions::new();
        let cache = SessionCache::from_env_with(&options.env)
            .map_err(|e| Error::defaults(None, None, e))?;
        Ok(Self::new(cache, Arc::new(NonInteractivePrompter), options))
    }

    /// A client for `site` through `http_proxy` (none when `None` or empty).
    pub(crate) fn client(
        &self,
        site: &Site,
        http_proxy: Option<&str>,
    ) -> Result<SiteClient, Error> {
        let failed = |e| Error::from_http(site, None, e);
        let mut options = self.options.client.clone();
        if let Some(proxy) = http_proxy.filter(|p| !p.is_empty()) {
            options = options.http_proxy(proxy).map_err(failed)?;
        }
        SiteClient::for_site(SiteUrl::from_site(site).map_err(failed)?, options).map_err(failed)
    }
}

/// Runs blocking work (file locks, the keyring) on tokio's blocking threads, never on a
/// runtime worker.
pub(crate) async fn off_runtime<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::runtime("blocking task").caused_by(e))
}
