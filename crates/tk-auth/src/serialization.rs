//! Serialized users, as Python processes hand them to each other.

use std::sync::Arc;

use tk_auth_core::{Format, SessionUser, Site, User, UserPayload};

use crate::context::{Context, off_runtime};
use crate::{Error, ShotgunUser};

/// The payload Python's `serialize_user` writes for `user` (JSON by default, pickle
/// protocol 0 on request).
pub fn serialize_user(user: &ShotgunUser, format: Format) -> String {
    tk_auth_core::serialize_user(&user.to_user(), format)
}

/// Reads a serialized user (JSON or pickle), as Python's `deserialize_user`.
///
/// A session payload without a token takes the token from this process's session cache
/// (read only: deserializing never writes the cache — Decision 8 in `docs/decisions.md`). The user renews
/// without prompts (nobody is known to answer); use
/// [`ShotgunAuthenticator::deserialize_user`](crate::ShotgunAuthenticator::deserialize_user)
/// to renew through a prompter.
pub async fn deserialize_user(payload: &str) -> Result<ShotgunUser, Error> {
    let (ctx, payload) = (Context::from_process_env()?, payload.to_owned());
    off_runtime(move || deserialize_sync(ctx, &payload)).await?
}

/// [`deserialize_user`] with `ctx`, on the calling thread (it may read the session cache).
pub(crate) fn deserialize_sync(ctx: Arc<Context>, payload: &str) -> Result<ShotgunUser, Error> {
    let user = match tk_auth_core::deserialize_payload(payload)? {
        UserPayload::Script(script) => User::Script(script),
        UserPayload::Session(session) => {
            // The payload keeps the site as it was given; it is made a `Site` once, here.
            let site = Site::new(session.host);
            let token = if let Some(token) = session.session_token.clone() {
                token
            } else {
                ctx.cache
                    .get_session_data(&site, &session.login)
                    .map_err(|e| Error::defaults(Some(&site), Some(&session.login), e))?
                    .map(|data| data.session_token)
                    .unwrap_or_default()
            };
            User::Session(
                SessionUser::new(site, session.login, token)?
                    .with_http_proxy(session.http_proxy)
                    .with_session_metadata(session.session_metadata),
            )
        }
    };
    Ok(ShotgunUser::new(ctx, user))
}
