//! What [`ShotgunUser::renew_session`](crate::ShotgunUser::renew_session) reports.

use crate::ShotgunUser;

/// Where a renewed session came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewedBy {
    /// Another handle of the same user had renewed it already.
    Held,
    /// Another process (a Python one included) had renewed it and saved it in the session
    /// cache.
    Saved,
    /// The stored cookies were replayed to the site's identity provider, which renewed it
    /// without asking anyone (see `docs/sso.md`).
    Headless,
    /// The person logged in again (a browser approval, a password).
    Login,
}

impl RenewedBy {
    /// A short name for scripts and logs: `held`, `saved`, `headless`, `login`.
    pub fn as_str(self) -> &'static str {
        match self {
            RenewedBy::Held => "held",
            RenewedBy::Saved => "saved",
            RenewedBy::Headless => "headless",
            RenewedBy::Login => "login",
        }
    }
}

/// The outcome of a session renewal: how it was renewed and what the new session's cookies
/// say about its life.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRenewal {
    /// How the session was renewed.
    pub renewed_by: RenewedBy,
    /// When the new session's single sign-on claims expire (seconds since the epoch), when
    /// its cookies say.
    pub claims_expiration: Option<i64>,
    /// When the new web session expires (seconds since the epoch; Unified Login Flow
    /// sites), when its cookies say.
    pub session_expiration: Option<i64>,
}

impl SessionRenewal {
    pub(crate) fn new(renewed_by: RenewedBy, user: &ShotgunUser) -> Self {
        Self {
            renewed_by,
            // A jar holding two sites' sessions names no claims expiration.
            claims_expiration: user.claims_expiration().ok().flatten(),
            session_expiration: user.session_expiration(),
        }
    }
}
