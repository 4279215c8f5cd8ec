//! Session tokens as a kind of the credential core: a renewal first replays the session's
//! cookies to the site's identity provider without a person (`renewal/headless.rs`), then
//! asks the person again; the session cache is where other processes save theirs, and the
//! lock is per (site, login) of a session cache.
//!
//! A session's single sign-on claims are part of the session, not a credential of their
//! own: a claims renewal (a `302` to the SAML login, or the background rounds of
//! `claims_renewal.rs`) is a renewal of the same kind, so it shares one flight — and one
//! identity-provider round trip — with every other renewal of that session.

mod headless;
mod outcome;

use headless::Headless;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tk_auth_core::{Secret, Site};
use tk_auth_defaults::{DefaultsError, LoginMethod, RenewalLock};
use tk_auth_http::{BoxError, RenewalReason, RenewalRequest, SessionRenewer};
use tk_auth_prompt::Prompter;

pub use outcome::{RenewedBy, SessionRenewal};

use crate::credential::{self, FlightKey, Renewable, Renewed, Source, Subject};
use crate::login::{self, LoginRequest};
use crate::{Error, ErrorKind, ShotgunUser};

/// Why a session is renewed; it decides what counts as newer than the stale session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    /// The site refused the call (an expired session, or lapsed claims).
    Refused(RenewalReason),
    /// Its claims (or, on a Unified Login Flow site, its web session) near their end.
    ClaimsDue,
    /// Someone asked for it (`ShotgunUser::renew_session`).
    Requested,
}

impl Why {
    /// Whether a session with the same token but a later deadline is a renewal: not when
    /// the site refused the token itself.
    fn later_deadline_counts(&self) -> bool {
        !matches!(self, Why::Refused(RenewalReason::SessionExpired))
    }
}

/// How this process obtained a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Obtained {
    /// Replaying the stored cookies to the identity provider, with nobody asked.
    Headless,
    /// A person logged in again, this way.
    Login(LoginMethod),
}

/// A session, as the core renews it.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) token: Secret,
    /// Its cookies, when they came with it.
    metadata: Option<Secret>,
    /// When it must be renewed by, from its cookies (see [`deadline_of`]).
    deadline: Option<i64>,
    /// How this process obtained it, when it did.
    obtained: Option<Obtained>,
}

impl Session {
    /// The session `user` holds now.
    fn held_by(user: &ShotgunUser) -> Option<Self> {
        let token = user.session_token()?;
        let metadata = user.session_metadata();
        Some(Self::from_cache(token, metadata))
    }

    fn from_cache(token: Secret, metadata: Option<Secret>) -> Self {
        Self {
            deadline: deadline_of(metadata.as_ref()),
            token,
            metadata,
            obtained: None,
        }
    }

    /// Whether this session replaces `stale` for a renewal made for `why`.
    fn is_newer_than(&self, stale: &Session, why: &Why) -> bool {
        if self.token.is_empty() {
            return false;
        }
        self.token != stale.token
            || (why.later_deadline_counts()
                && self
                    .deadline
                    .is_some_and(|new| stale.deadline.is_none_or(|old| new > old)))
    }
}

/// When a session must be renewed by, from its cookies: its single sign-on claims'
/// expiration, else (a Unified Login Flow site) its web session's expiration. A jar that
/// cannot be read has none.
pub(crate) fn deadline_of(metadata: Option<&Secret>) -> Option<i64> {
    let jar = metadata.map(Secret::expose);
    tk_auth_core::cookies::get_saml_claims_expiration(jar)
        .inspect_err(
            |e| tracing::debug!(error = %e, "the session's cookies name no claims expiration"),
        )
        .ok()
        .flatten()
        .or_else(|| tk_auth_core::cookies::get_session_expiration(jar))
}

/// The session of one user, renewed from its cookies or through its authenticator's
/// prompter.
#[derive(Clone)]
struct SessionKind {
    user: ShotgunUser,
    why: Why,
}

impl SessionKind {
    fn site_and_login(&self) -> (Site, String) {
        (self.user.site(), self.user.login().unwrap_or_default())
    }

    /// A new session from a person's login.
    async fn login(&self) -> Result<Session, Error> {
        let (site, login) = self.site_and_login();
        tracing::info!(site = %site, login = %login, why = ?self.why, "asking for the session to be renewed");
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
            deadline: deadline_of(outcome.metadata.as_ref()),
            token: outcome.token,
            metadata: outcome.metadata,
            obtained: Some(Obtained::Login(outcome.method)),
        })
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
        Session::held_by(&self.user).filter(|held| held.is_newer_than(stale, &self.why))
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
            Ok(Some(data)) => Some(Session::from_cache(
                data.session_token,
                data.session_metadata,
            ))
            .filter(|saved| saved.is_newer_than(stale, &self.why)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(site = %site, login = %login, error = %e, "could not read the session cache");
                None
            }
        }
    }

    async fn obtain(&self, _stale: &Session) -> Result<Session, Error> {
        match headless::renew(&self.user).await? {
            Headless::Renewed(session) => Ok(session),
            Headless::NoCookies => self.login().await,
            // Where nobody can be asked, the error says why the cookies were not enough.
            Headless::NeedsPerson(why) => self.login().await.map_err(|e| {
                if matches!(e.kind(), ErrorKind::NonInteractive { .. }) {
                    e.caused_by(why)
                } else {
                    e
                }
            }),
        }
    }

    fn save(&self, session: &Session) {
        // The renewal has adopted it: the user's session is the one to save. A headless
        // renewal does not change how the person prefers to log in.
        let method = match session.obtained {
            Some(Obtained::Login(method)) => Some(method),
            Some(Obtained::Headless) | None => None,
        };
        self.user.record_in_cache(method);
    }

    fn adopt(&self, session: &Session) {
        // A session obtained here replaces the cookies too (none means none); one saved
        // by another process brings its own; a held one keeps the user's.
        if session.obtained.is_some() || session.metadata.is_some() {
            self.user
                .adopt_session(&session.token, session.metadata.clone());
        } else {
            self.user.adopt_token(&session.token);
        }
    }
}

/// A session for `user` in place of `stale`, renewed once for every caller by the
/// credential core (see [`credential`]), and adopted by `user`.
async fn renew_from(
    user: &ShotgunUser,
    stale: Session,
    why: Why,
) -> Result<Renewed<Session>, Error> {
    let kind = SessionKind {
        user: user.clone(),
        why,
    };
    credential::renew(&kind, &stale).await
}

/// A valid token for `user`, whose `expired` token the site refused.
pub(crate) async fn renew(
    user: &ShotgunUser,
    expired: &Secret,
    reason: RenewalReason,
) -> Result<Renewed<Session>, Error> {
    let metadata = user
        .session_token()
        .filter(|held| held == expired)
        .and_then(|_| user.session_metadata());
    let stale = Session::from_cache(expired.clone(), metadata);
    renew_from(user, stale, Why::Refused(reason)).await
}

/// Renews the session `user` holds now, for `why` (claims due, or asked for), and waits
/// until it is saved. `None` for a user without a session.
pub(crate) async fn renew_held(
    user: &ShotgunUser,
    why: Why,
) -> Result<Option<SessionRenewal>, Error> {
    let Some(stale) = Session::held_by(user) else {
        return Ok(None);
    };
    let renewed = renew_from(user, stale, why).await?;
    renewed.saved.wait().await;
    let by = match (renewed.source, renewed.token.obtained) {
        (Source::Held, _) => RenewedBy::Held,
        (Source::Saved, _) => RenewedBy::Saved,
        (Source::Obtained, Some(Obtained::Headless)) => RenewedBy::Headless,
        (Source::Obtained, _) => RenewedBy::Login,
    };
    Ok(Some(SessionRenewal::new(by, user)))
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

impl ShotgunUser {
    /// Renews the session now, once for every caller of this session in this process and,
    /// through the session cache's lock, in the person's other processes: a newer session
    /// another process saved is taken first; else the stored cookies are replayed to the
    /// site's identity provider, which renews the session without a person when it still
    /// knows them (see `docs/sso.md`); else the person is asked through the prompter. The
    /// new session is saved in the session cache before this returns.
    ///
    /// Returns how it was renewed and the new session's expirations; `None` for a script
    /// user, which has no session.
    pub async fn renew_session(&self) -> Result<Option<SessionRenewal>, Error> {
        renew_held(self, Why::Requested).await
    }
}
