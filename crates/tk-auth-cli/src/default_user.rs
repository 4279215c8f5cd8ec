//! The default user without a runtime: what `ShotgunAuthenticator::get_default_user` gives,
//! for the commands that need no network (`status`, `payload export`).
//!
//! The façade hands file reads to a blocking thread and back; for a command that runs a few
//! milliseconds those thread hand-offs cost more than the work on a busy machine
//! (`cargo xtask bench`). The rules are the façade's, from the same defaults-manager
//! credentials, and the tests compare both on Python-written homes
//! (`tests/cli/export.rs`).

use anyhow::{Context as _, anyhow};
use tk_auth::{Credentials, Defaults, DefaultsManager as _, ScriptUser, SessionUser, User};

/// The default user, or `None` when the defaults name no stored session.
pub(crate) fn default_user(defaults: &Defaults) -> anyhow::Result<Option<User>> {
    let credentials = defaults
        .get_user_credentials()
        .context("reading the default user")?;
    let Some(credentials) = credentials else {
        return Ok(None);
    };
    let host = defaults
        .get_host()
        .context("reading the current site")?
        .unwrap_or_default();
    let http_proxy = defaults
        .get_http_proxy()
        .context("reading the http proxy")?
        .filter(|p| !p.is_empty());
    // Python checks in this order: host, then the credentials.
    if host.is_empty() {
        return Err(anyhow!("incomplete credentials: missing host"));
    }
    Ok(Some(match credentials {
        Credentials::Session(data) if !data.session_token.is_empty() => User::Session(
            SessionUser::new(host, data.login, data.session_token)?
                .with_http_proxy(http_proxy)
                .with_session_metadata(data.session_metadata),
        ),
        Credentials::Session(_) => {
            return Err(anyhow!("incomplete credentials: missing session_token"));
        }
        Credentials::Script {
            api_script,
            api_key,
        } => User::Script(ScriptUser::new(host, api_script, api_key)?.with_http_proxy(http_proxy)),
        _ => return Err(anyhow!("unknown credentials configuration")),
    }))
}
