//! REST API access tokens for a user, as a kind of the credential core: kept in the user,
//! refreshed once for every caller in the process when they near expiry.
//!
//! A session user trades its session token (`session_token` grant), a script user its
//! name and key (`client_credentials`); a refresh spends the refresh token that came with
//! the last token, and falls back to a new grant when the site refuses it. REST tokens are
//! never written to disk: each process gets its own from the session it shares.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tk_auth_core::User;
use tk_auth_defaults::DefaultsError;
use tk_auth_http::{HttpError, RestAccessToken, RestGrant};
use tk_auth_prompt::Prompter;

use crate::credential::{self, FlightKey, Renewable, Subject};
use crate::{Error, ErrorKind, ShotgunUser};

/// How much validity a handed-out REST access token keeps at least, so that a request
/// sent with it does not arrive after it expired.
pub const REST_TOKEN_MARGIN: Duration = Duration::from_mins(1);

impl ShotgunUser {
    /// A REST API access token for this user (`POST /api/v1/auth/access_token`) with at
    /// least [`REST_TOKEN_MARGIN`] left: the one held, else one obtained once for every
    /// caller in the process. Put [`RestAccessToken::bearer`] in the `Authorization` header
    /// of any HTTP client.
    ///
    /// A session user whose session expired is renewed first, as a connection would.
    pub async fn rest_access_token(&self) -> Result<RestAccessToken, Error> {
        if let Some(held) = self.held_rest_token().filter(usable) {
            return Ok(held);
        }
        let stale = self.held_rest_token();
        let kind = RestKind { user: self.clone() };
        let renewed = credential::renew(&kind, &Stale(stale)).await?;
        renewed
            .token
            .0
            .ok_or_else(|| Error::runtime("REST token renewal"))
    }
}

fn usable(token: &RestAccessToken) -> bool {
    !token.expires_within(REST_TOKEN_MARGIN, SystemTime::now())
}

/// The core's token: `None` before the first grant.
#[derive(Clone)]
struct Stale(Option<RestAccessToken>);

impl Stale {
    fn same(&self, other: &RestAccessToken) -> bool {
        self.0
            .as_ref()
            .is_some_and(|t| t.access_token() == other.access_token())
    }
}

#[derive(Clone)]
struct RestKind {
    user: ShotgunUser,
}

impl RestKind {
    fn failed(&self, e: HttpError) -> Error {
        Error::new(ErrorKind::RestToken)
            .at(&self.user.site())
            .of(self
                .user
                .login()
                .as_deref()
                .or(self.script_name().as_deref()))
            .caused_by(e)
    }

    fn script_name(&self) -> Option<String> {
        match self.user.to_user() {
            User::Script(script) => Some(script.api_script().to_owned()),
            User::Session(_) => None,
        }
    }

    /// The grant this user trades for a new token.
    fn grant(&self) -> RestGrant {
        match self.user.to_user() {
            User::Script(script) => RestGrant::ClientCredentials {
                script_name: script.api_script().to_owned(),
                api_key: script.api_key().clone(),
            },
            User::Session(_) => {
                RestGrant::SessionToken(self.user.session_token().unwrap_or_default())
            }
        }
    }

    async fn granted(&self) -> Result<RestAccessToken, Error> {
        let client = self.user.site_client()?;
        match client.rest_access_token(&self.grant()).await {
            Err(e) if e.needs_renewal() && !self.user.is_script_user() => {
                // The session expired: renewed as a connection renews it, then traded.
                tracing::info!(site = %self.user.site(), "the session expired: renewing it for a REST token");
                self.user.refresh_credentials().await?;
                client
                    .rest_access_token(&self.grant())
                    .await
                    .map_err(|e| self.failed(e))
            }
            other => other.map_err(|e| self.failed(e)),
        }
    }
}

#[async_trait]
impl Renewable for RestKind {
    type Token = Stale;
    type Lock = ();

    fn flight_key(&self) -> FlightKey {
        let ctx = self.user.context();
        let who = self
            .user
            .login()
            .map(|l| format!("login:{}", l.to_lowercase()))
            .or_else(|| self.script_name().map(|s| format!("script:{s}")))
            .unwrap_or_default();
        FlightKey::new(
            "rest",
            ctx,
            ctx.cache.locations().cache_root().to_path_buf(),
            [self.user.site().url().to_owned(), who],
        )
    }

    fn subject(&self) -> Subject {
        Subject {
            site: self.user.site(),
            login: self
                .user
                .login()
                .or_else(|| self.script_name())
                .unwrap_or_default(),
            what: "REST access token",
        }
    }

    fn prompter(&self) -> Arc<dyn Prompter> {
        Arc::clone(&self.user.context().prompter)
    }

    fn renewal_wait(&self) -> Duration {
        self.user.context().options.renewal_wait
    }

    fn held(&self, stale: &Stale) -> Option<Stale> {
        self.user
            .held_rest_token()
            .filter(|held| !stale.same(held) && usable(held))
            .map(|held| Stale(Some(held)))
    }

    // Kept in memory only: nothing to lock, nothing another process saved.
    fn try_lock(&self) -> Result<Option<()>, DefaultsError> {
        Ok(Some(()))
    }

    fn lock(&self, _wait: Duration) -> Result<(), DefaultsError> {
        Ok(())
    }

    fn lock_holder(&self) -> Option<String> {
        None
    }

    fn saved(&self, _stale: &Stale) -> Option<Stale> {
        None
    }

    async fn obtain(&self, stale: &Stale) -> Result<Stale, Error> {
        if let Some(refresh) = stale.0.as_ref().and_then(RestAccessToken::refresh_token) {
            let client = self.user.site_client()?;
            match client
                .rest_access_token(&RestGrant::RefreshToken(refresh.clone()))
                .await
            {
                Ok(token) => return Ok(Stale(Some(token))),
                Err(HttpError::RefreshTokenRejected { .. }) => {
                    tracing::debug!(site = %self.user.site(), "the REST refresh token was refused: a new grant");
                }
                Err(e) => return Err(self.failed(e)),
            }
        }
        self.granted().await.map(|token| Stale(Some(token)))
    }

    fn save(&self, _token: &Stale) {}

    fn adopt(&self, token: &Stale) {
        if let Some(token) = &token.0 {
            self.user.adopt_rest_token(token);
        }
    }
}
