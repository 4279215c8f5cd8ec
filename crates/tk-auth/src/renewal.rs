//! Session tokens as a kind of the credential core: a renewal asks the person again, the
//! session cache is where other processes save theirs, and the lock is per (site, login)
//! of a session cache.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tk_auth_core::{Secret, Site};
use tk_auth_defaults::{DefaultsError, LoginMethod, RenewalLock};
use tk_auth_http::{BoxError, RenewalReason, RenewalRequest, SessionRenewer};
use tk_auth_prompt::Prompter;

use crate::credential::{self, FlightKey, Renewable, Renewed, Subject};
use crate::login::{self, LoginRequest};
use crate::{Error, ErrorKind, ShotgunUser};

/// A session, as the core renews it.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) token: Secret,
    /// Its cookies, when they came with it.
    metadata: Option<Secret>,
    /// How the person logged in, when this process obtained it.
    method: Option<LoginMethod>,
}

impl Session {
    fn stale(token: &Secret) -> Self {
        Self {
            token: token.clone(),
            metadata: None,
            method: None,
        }
    }
}

/// The session of one user, renewed through its authenticator's prompter.
#[derive(Clone)]
struct SessionKind {
    user: ShotgunUser,
    reason: RenewalReason,
}

impl SessionKind {
    fn site_and_login(&self) -> (Site, String) {
        (self.user.site(), self.user.login().unwrap_or_default())
    }
}

#[async_trait]
impl Renewable for SessionKind {
    type Token = Session;
    type Lock = RenewalLock;

    fn flight_key(&self) -> FlightKey {
        let ctx = self.user.context();
        let (site, login) = self.site_and_login();
        FlightKey::new(
            "session",
            ctx,
            ctx.cache.locations().cache_root().to_path_buf(),
            [site.url().to_owned(), login.to_lowercase()],
        )
    }

    fn subject(&self) -> Subject {
        let (site, login) = self.site_and_login();
        Subject {
            site,
            login,
            what: "session",
        }
    }

    fn prompter(&self) -> Arc<dyn Prompter> {
        Arc::clone(&self.user.context().prompter)
    }

    fn renewal_wait(&self) -> Duration {
        self.user.context().options.renewal_wait
    }

    fn held(&self, stale: &Session) -> Option<Session> {
        self.user
            .session_token()
            .filter(|current| *current != stale.token)
            .map(|current| Session::stale(&current))
    }

    fn try_lock(&self) -> Result<Option<RenewalLock>, DefaultsError> {
        let (site, login) = self.site_and_login();
        self.user
            .context()
            .cache
            .try_lock_session_renewal(&site, &login)
    }

    fn lock(&self, wait: Duration) -> Result<RenewalLock, DefaultsError> {
        let (site, login) = self.site_and_login();
        self.user
            .context()
            .cache
            .lock_session_renewal(&site, &login, wait)
    }

    fn lock_holder(&self) -> Option<String> {
        let (site, login) = self.site_and_login();
        // A record that cannot be read is no reason to fail.
        self.user
            .context()
            .cache
            .session_renewal_holder(&site, &login)
            .inspect_err(|e| tracing::debug!(error = %e, "the renewal lock's holder is unknown"))
            .ok()
            .flatten()
    }

    fn saved(&self, stale: &Session) -> Option<Session> {
        let (site, login) = self.site_and_login();
        match self.user.context().cache.get_session_data(&site, &login) {
            // Its cookies come along: they carry the claims expiration of that renewal.
            Ok(Some(data))
                if !data.session_token.is_empty() && data.session_token != stale.token =>
            {
                Some(Session {
                    token: data.session_token,
                    metadata: data.session_metadata,
                    method: None,
                })
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(site = %site, login = %login, error = %e, "could not read the session cache");
                None
            }
        }
    }

    async fn obtain(&self, _stale: &Session) -> Result<Session, Error> {
        let (site, login) = self.site_and_login();
        tracing::info!(site = %site, login = %login, reason = ?self.reason, "asking for the session to be renewed");
        let outcome = login::run(
            self.user.context(),
            LoginRequest {
                site: Some(site.clone()),
                login: Some(login.clone()),
                http_proxy: self.user.http_proxy(),
                host_fixed: true,
                renewal: true,
                client: self.user.site_client().ok(),
            },
        )
        .await?;
        if outcome.login.to_lowercase() != login.to_lowercase() {
            return Err(Error::new(ErrorKind::LoginMismatch {
                actual: outcome.login,
            })
            .at(&site)
            .of(Some(&login)));
        }
        Ok(Session {
            token: outcome.token,
            metadata: outcome.metadata,
            method: Some(outcome.method),
        })
    }

    fn save(&self, session: &Session) {
        // The renewal has adopted it: the user's session is the one to save.
        self.user.record_in_cache(session.method);
    }

    fn adopt(&self, session: &Session) {
        // A session obtained here replaces the cookies too (none means none); one saved
        // by another process brings its own; a held one keeps the user's.
        if session.method.is_some() || session.metadata.is_some() {
            self.user
                .adopt_session(&session.token, session.metadata.clone());
        } else {
            self.user.adopt_token(&session.token);
        }
    }
}

/// A valid token for `user`, whose `expired` token the site refused: renewed once for every
/// caller by the credential core (see [`credential`]), and adopted by `user`.
pub(crate) async fn renew(
    user: &ShotgunUser,
    expired: &Secret,
    reason: RenewalReason,
) -> Result<Renewed<Session>, Error> {
    let kind = SessionKind {
        user: user.clone(),
        reason,
    };
    credential::renew(&kind, &Session::stale(expired)).await
}

/// The [`SessionRenewer`] of one user, for clients used directly.
pub(crate) struct UserRenewer {
    user: ShotgunUser,
}

impl UserRenewer {
    pub(crate) fn new(user: ShotgunUser) -> Self {
        Self { user }
    }
}

#[async_trait]
impl SessionRenewer for UserRenewer {
    async fn renew(&self, request: &RenewalRequest) -> Result<Secret, BoxError> {
        let renewed = renew(&self.user, &request.expired_token, request.reason.clone())
            .await
            .map_err(|e| Box::new(e) as BoxError)?;
        // The client repeats its call after this returns: the session is saved first.
        renewed.saved.wait().await;
        Ok(renewed.token.token)
    }
}
