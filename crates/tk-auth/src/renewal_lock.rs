//! Taking the renewal lock of (site, login) across processes, and showing the wait through
//! the prompter while another process holds it.

use std::sync::Arc;

use tk_auth_defaults::{DefaultsError, RenewalLock};
use tk_auth_prompt::RenewalWaitNotice;

use crate::Error;
use crate::context::{Context, off_runtime, renewal_step};

/// The renewal lock of `login` on `host`, or why it could not be had (the caller decides
/// what to do without it).
///
/// A free lock is taken at once, at the cost of one try, run in place on the renewal
/// runtime. A lock that another process holds
/// (it is renewing this session, and may be asking its person, for minutes) is waited for,
/// up to `AuthOptions::renewal_wait`, while the prompter shows the wait; its showing is
/// dropped as soon as the lock is free or the wait's limit passes.
pub(crate) async fn take(
    ctx: &Arc<Context>,
    host: &str,
    login: &str,
) -> Result<Result<RenewalLock, DefaultsError>, Error> {
    let tried = {
        let (cache, host, login) = (ctx.cache.clone(), host.to_owned(), login.to_owned());
        // The try is short and starts every renewal: in place, no hop to a blocking thread.
        renewal_step(move || {
            cache
                .try_lock_session_renewal(&host, &login)
                .map(|lock| lock.ok_or_else(|| who_holds(&cache, &host, &login)))
        })
        .await?
    };
    let holder = match tried {
        Ok(Ok(lock)) => return Ok(Ok(lock)),
        Ok(Err(holder)) => holder,
        Err(e) => return Ok(Err(e)),
    };
    tracing::info!(site = %host, login = %login, holder = holder.as_deref().unwrap_or("unknown"), "another process is renewing this session: waiting for it");
    let waiting = {
        let (cache, host, login, wait) = (
            ctx.cache.clone(),
            host.to_owned(),
            login.to_owned(),
            ctx.options.renewal_wait,
        );
        off_runtime(move || cache.lock_session_renewal(&host, &login, wait))
    };
    let notice = RenewalWaitNotice {
        site: host.to_owned(),
        login: login.to_owned(),
        holder,
    };
    let showing = ctx.prompter.wait_for_other_renewal(&notice);
    let mut waiting = std::pin::pin!(waiting);
    tokio::select! {
        // The lock first: once it is free, the showing ends at once.
        biased;
        lock = &mut waiting => lock,
        // The prompter stopped showing early; the wait goes on unseen.
        () = showing => waiting.await,
    }
}

/// Who holds the renewal lock, for the person: a record that cannot be read is no reason
/// to fail.
fn who_holds(cache: &tk_auth_defaults::SessionCache, host: &str, login: &str) -> Option<String> {
    cache
        .session_renewal_holder(host, login)
        .inspect_err(|e| tracing::debug!(error = %e, "the renewal lock's holder is unknown"))
        .ok()
        .flatten()
}
