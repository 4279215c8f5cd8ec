//! Renewing a web-login session without a person: the session's stored cookies are
//! replayed to the site's `/auth/renew`, through the identity provider's redirects and
//! auto-posting forms, by `tk_auth_http`'s renewal engine — what the Python Toolkit does in
//! an off-screen web view. Anything that needs a person ends this step quietly, and the
//! renewal goes on to ask one (see `docs/sso.md`).

use tk_auth_http::{HttpError, WebRenewalError};

use super::{Obtained, Session, deadline_of};
use crate::{Error, ErrorKind, ShotgunUser};

/// How a headless renewal ended, when it did not fail outright.
pub(super) enum Headless {
    /// The identity provider renewed the session.
    Renewed(Session),
    /// The session has no cookies to replay.
    NoCookies,
    /// A person is needed, for this reason.
    NeedsPerson(HttpError),
}

/// A session renewed from `user`'s cookies, or why it could not be.
pub(super) async fn renew(user: &ShotgunUser) -> Result<Headless, Error> {
    let Some(metadata) = user.session_metadata() else {
        return Ok(Headless::NoCookies);
    };
    let (site, login) = (user.site(), user.login());
    let client = user.site_client()?;
    tracing::debug!(site = %site, "renewing the session from its cookies, without a person");
    let options = &user.context().options.web_renewal;
    match client.renew_web_session_with(&metadata, options).await {
        Ok(web) => {
            if let (Some(actual), Some(expected)) = (web.login.as_deref(), login.as_deref())
                && actual.to_lowercase() != expected.to_lowercase()
            {
                return Err(Error::new(ErrorKind::LoginMismatch {
                    actual: actual.to_owned(),
                })
                .at(&site)
                .of(Some(expected)));
            }
            tracing::info!(site = %site, hops = web.hops, "the identity provider renewed the session without a person");
            Ok(Headless::Renewed(Session {
                deadline: deadline_of(Some(&web.metadata)),
                token: web.session_token,
                metadata: Some(web.metadata),
                obtained: Some(Obtained::Headless),
            }))
        }
        Err(HttpError::WebRenewal(WebRenewalError::NoCookies)) => Ok(Headless::NoCookies),
        Err(HttpError::WebRenewal(e)) => {
            tracing::info!(site = %site, reason = %e, "the session cannot be renewed without a person");
            Ok(Headless::NeedsPerson(HttpError::WebRenewal(e)))
        }
        Err(e) => Err(Error::from_http(&site, login.as_deref(), e)),
    }
}
