//! Connections that keep working when the session expires (Python's `ShotgunWrapper`).

use std::future::Future;

use serde_json::{Map, Value};
use tk_auth_http::{Auth, RenewalReason, SiteClient};

use crate::credential::{Saved, Source};
use crate::renewal;
use crate::{Error, ShotgunUser};

/// A connection to a site as one user.
///
/// For a session user every call is made with the user's current token (a token renewed
/// through another connection is picked up), and a call the site refuses because the
/// session expired is repeated once after a renewal: first with a token another process
/// saved in the session cache, else after asking the person through the prompter — once
/// for all the callers waiting on that site and login, in this process and in others.
/// Calls of a script user are plain.
///
/// Cloning is cheap; clones share the connection pool.
#[derive(Clone, Debug)]
pub struct Connection {
    user: ShotgunUser,
    client: SiteClient,
}

impl Connection {
    pub(crate) fn new(user: ShotgunUser, client: SiteClient) -> Self {
        Self { user, client }
    }

    /// The user the calls are made as.
    pub fn user(&self) -> &ShotgunUser {
        &self.user
    }

    /// The underlying client (without renewal).
    pub fn site_client(&self) -> &SiteClient {
        &self.client
    }

    /// Calls any API method (see [`SiteClient::call`]).
    pub async fn call(&self, method: &str, params: Option<Value>) -> Result<Value, Error> {
        self.with_auth(|auth| {
            let params = params.clone();
            async move { self.client.call(method, params, Some(&auth)).await }
        })
        .await
    }

    /// The first entity of `entity_type` matching `filters`, with `fields` (see
    /// [`SiteClient::find_one`]).
    pub async fn find_one(
        &self,
        entity_type: &str,
        filters: &Value,
        fields: &[&str],
    ) -> Result<Option<Map<String, Value>>, Error> {
        self.with_auth(|auth| async move {
            self.client
                .find_one(&auth, entity_type, filters, fields)
                .await
        })
        .await
    }

    /// Runs `op` with the user's credentials, renewing as described on the type.
    async fn with_auth<T, F, Fut>(&self, op: F) -> Result<T, Error>
    where
        F: Fn(Auth) -> Fut,
        Fut: Future<Output = Result<T, tk_auth_http::HttpError>>,
    {
        // Only the token is read on the way out; names are looked up when a call fails.
        let Some(mut token) = self.user.session_token() else {
            // A script user: plain calls.
            let auth = match self.user.to_user() {
                tk_auth_core::User::Script(s) => Auth::script(s.api_script(), s.api_key().clone()),
                tk_auth_core::User::Session(s) => Auth::SessionToken(s.session_token().clone()),
            };
            return op(auth)
                .await
                .map_err(|e| Error::from_http(&self.user.site(), None, e));
        };
        let failed = |err| {
            let login = self.user.login();
            Error::from_http(&self.user.site(), login.as_deref(), err)
        };
        // A token from the user or the cache may be stale too; one that a person just gave
        // is final. Two renewals at most, so a site that refuses everything cannot loop.
        let mut renewals = 0;
        // A renewal hands its token before it has saved it: the call is repeated meanwhile,
        // and returns once the session is saved.
        let mut saving: Option<Saved> = None;
        let result = loop {
            let err = match op(Auth::SessionToken(token.clone())).await {
                Ok(value) => break Ok(value),
                Err(e) => e,
            };
            let reason = match &err {
                tk_auth_http::HttpError::SessionExpired { .. } => RenewalReason::SessionExpired,
                tk_auth_http::HttpError::SamlClaimsExpired { .. } => {
                    RenewalReason::SamlClaimsExpired
                }
                _ => break Err(failed(err)),
            };
            if renewals == 2 {
                break Err(failed(err));
            }
            tracing::debug!(site = %self.client.site(), ?reason, "session refused: renewing");
            let renewed = match renewal::renew(&self.user, &token, reason).await {
                Ok(renewed) => renewed,
                Err(e) => break Err(e),
            };
            renewals = if renewed.source == Source::Obtained {
                2
            } else {
                renewals + 1
            };
            token = renewed.token.token;
            if let Some(earlier) = saving.replace(renewed.saved) {
                earlier.wait().await;
            }
        };
        if let Some(saved) = saving {
            saved.wait().await;
        }
        result
    }
}
