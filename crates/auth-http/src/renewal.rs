//! The hook through which a session is renewed when the site refuses its token.
//!
//! This crate knows nothing of session files or prompts: whoever owns the user (the
//! authenticator façade) implements [`SessionRenewer`] — look for a newer token another
//! process saved, or ask the person to log in again — and hands it to the client with
//! [`ClientOptions::session_renewer`](crate::ClientOptions::session_renewer).
//!
//! The client's policy is deliberately small: when a call made with a session token fails
//! with [`HttpError::SessionExpired`](crate::HttpError::SessionExpired) or
//! [`HttpError::SamlClaimsExpired`](crate::HttpError::SamlClaimsExpired), it calls the renewer once,
//! then repeats the call once with the token the renewer returned. A second failure is
//! returned as it is; a renewer error is returned as
//! [`HttpError::RenewalFailed`](crate::HttpError::RenewalFailed) and the call is not repeated.
//! Sharing one renewal between concurrent callers is the renewer's job.

use async_trait::async_trait;
use tk_auth_core::Secret;

use crate::error::BoxError;

/// Why a session needs renewing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalReason {
    /// The site refused the token: it expired or was revoked.
    SessionExpired,
    /// The single sign-on claims expired (the site redirected to `/saml/saml_login_request`).
    SamlClaimsExpired,
}

/// What the renewer is told about the session to renew.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RenewalRequest {
    /// The site, as [`SiteUrl`](crate::SiteUrl) displays it.
    pub site: String,
    /// The token the site refused.
    pub expired_token: Secret,
    /// Why.
    pub reason: RenewalReason,
}

impl RenewalRequest {
    /// A request to renew the session of `expired_token` on `site`, for a program that asks
    /// a renewer itself rather than through a client.
    pub fn new(site: impl Into<String>, expired_token: Secret, reason: RenewalReason) -> Self {
        Self {
            site: site.into(),
            expired_token,
            reason,
        }
    }
}

/// Renews a session; implemented by the owner of the user (see the module documentation).
#[async_trait]
pub trait SessionRenewer: Send + Sync {
    /// Returns a valid session token for the same site and person, or an error (for
    /// example a cancellation) that ends the call.
    async fn renew(&self, request: &RenewalRequest) -> Result<Secret, BoxError>;
}
