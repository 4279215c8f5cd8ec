//! Flow tokens as a kind of the credential core: the token file is where other processes
//! save theirs, its lock is per (application, profile), and a new token comes from the
//! refresh token or, when that is refused, from a browser login.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tk_auth_defaults::{DefaultsError, RenewalLock};
use tk_auth_prompt::Prompter;

use super::{FlowAuth, FlowTokens, browser, flow_error, usable};
use crate::Error;
use crate::context::off_runtime;
use crate::credential::{FlightKey, Renewable, Subject};

/// What a renewal is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A valid token: a saved one, else a refresh, else a login.
    Refresh,
    /// A new login, whatever is held or saved.
    Login,
}

#[derive(Clone)]
pub(super) struct FlowKind {
    flow: FlowAuth,
    mode: Mode,
}

impl FlowKind {
    pub(super) fn new(flow: FlowAuth, mode: Mode) -> Self {
        Self { flow, mode }
    }

    fn scope(&self) -> (&str, &str) {
        (
            &self.flow.inner.settings.application_id,
            &self.flow.inner.profile,
        )
    }

    /// A refresh, when there is a refresh token to spend: `Ok(None)` when it was refused
    /// (spent or revoked), so that only a login can help.
    async fn refreshed(&self, stale: &FlowTokens) -> Result<Option<FlowTokens>, Error> {
        // The file again, under the lock: another process may have spent and replaced the
        // refresh token since this one was read.
        let stored = self.flow.read_file().await?;
        let Some(refresh) = stored.refresh_token.or_else(|| stale.refresh.clone()) else {
            return Ok(None);
        };
        let inner = &self.flow.inner;
        match inner.client.refresh(&refresh).await {
            Ok(answer) => Ok(Some(FlowTokens {
                access: answer.access_token,
                // A server that sends no new refresh token keeps the old one valid.
                refresh: answer.refresh_token.or(Some(refresh)),
            })),
            Err(tk_auth_http::HttpError::Flow(e)) if e.is_refused_grant() => {
                tracing::info!(profile = %inner.profile, error = %e, "the Flow refresh token was refused: a login is needed");
                Ok(None)
            }
            Err(e) => Err(flow_error(&inner.settings, &inner.profile, e)),
        }
    }
}

#[async_trait]
impl Renewable for FlowKind {
    type Token = FlowTokens;
    type Lock = RenewalLock;

    fn flight_key(&self) -> FlightKey {
        let (app, profile) = self.scope();
        let kind = match self.mode {
            Mode::Refresh => "flow",
            Mode::Login => "flow-login",
        };
        FlightKey::new(
            kind,
            &self.flow.inner.ctx,
            self.flow.inner.file.path(),
            [app.to_owned(), profile.to_owned()],
        )
    }

    fn subject(&self) -> Subject {
        Subject {
            site: self.flow.site(),
            login: self.flow.inner.profile.clone(),
            what: "Flow access token",
        }
    }

    fn prompter(&self) -> Arc<dyn Prompter> {
        Arc::clone(&self.flow.inner.ctx.prompter)
    }

    fn renewal_wait(&self) -> Duration {
        self.flow.inner.ctx.options.renewal_wait
    }

    fn held(&self, stale: &FlowTokens) -> Option<FlowTokens> {
        if self.mode == Mode::Login {
            return None;
        }
        self.flow
            .held()
            .filter(|held| held.access != stale.access && usable(&held.access))
    }

    fn try_lock(&self) -> Result<Option<RenewalLock>, DefaultsError> {
        let (app, profile) = self.scope();
        self.flow.inner.file.try_lock_refresh(app, profile)
    }

    fn lock(&self, wait: Duration) -> Result<RenewalLock, DefaultsError> {
        let (app, profile) = self.scope();
        self.flow.inner.file.lock_refresh(app, profile, wait)
    }

    fn lock_holder(&self) -> Option<String> {
        let (app, profile) = self.scope();
        self.flow.inner.file.refresh_holder(app, profile)
    }

    fn saved(&self, stale: &FlowTokens) -> Option<FlowTokens> {
        if self.mode == Mode::Login {
            return None;
        }
        let (app, profile) = self.scope();
        let stored = self.flow.inner.file.tokens(app, profile);
        let access = stored.access_token?;
        (access != stale.access && usable(&access)).then_some(FlowTokens {
            access,
            refresh: stored.refresh_token,
        })
    }

    async fn obtain(&self, stale: &FlowTokens) -> Result<FlowTokens, Error> {
        if self.mode == Mode::Refresh
            && let Some(tokens) = self.refreshed(stale).await?
        {
            return Ok(tokens);
        }
        if self.mode == Mode::Login {
            // Python forgets the stored tokens before it opens the browser.
            let (file, app, profile) = self.flow.file_scope();
            off_runtime(move || file.delete(&app, &profile))
                .await?
                .map_err(|e| self.flow.defaults_error(e))?;
        }
        browser::login(&self.flow).await
    }

    fn save(&self, token: &FlowTokens) {
        let (app, profile) = self.scope();
        if let Err(e) =
            self.flow
                .inner
                .file
                .persist(app, profile, Some(&token.access), token.refresh.as_ref())
        {
            tracing::warn!(profile = %profile, error = %e, "could not save the Flow tokens");
        }
    }

    fn adopt(&self, token: &FlowTokens) {
        self.flow.adopt(token.clone());
    }
}
