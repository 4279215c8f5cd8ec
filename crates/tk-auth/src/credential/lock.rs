//! Taking a kind's renewal lock across processes, showing the wait through the prompter
//! while another process holds it, and reading what was saved once it is held.

use tk_auth_defaults::DefaultsError;
use tk_auth_prompt::RenewalWaitNotice;

use super::Renewable;
use crate::Error;
use crate::context::off_runtime;

/// What one try at the lock found.
enum Tried<K: Renewable> {
    /// The lock (or, when it cannot be had, none: renewing without it risks a second
    /// prompt, not renewing would be worse) and what was saved.
    Ready(Option<K::Lock>, Option<K::Token>),
    /// Another process holds it; who, when known.
    Held(Option<String>),
}

/// The lock of `kind`'s renewal, when it can be had, and what another process saved in
/// place of `stale`, read under it.
///
/// A free lock is taken at once, with the read, in one step on a blocking thread. A lock
/// that another process holds is waited for, up to [`Renewable::renewal_wait`], while the
/// prompter shows the wait; its showing is dropped as soon as the lock is free or the
/// wait's limit passes.
pub(super) async fn take_and_read<K: Renewable>(
    kind: &K,
    stale: &K::Token,
) -> Result<(Option<K::Lock>, Option<K::Token>), Error> {
    let tried = {
        let (kind, stale) = (kind.clone(), stale.clone());
        off_runtime(move || match kind.try_lock() {
            Ok(Some(lock)) => Tried::<K>::Ready(Some(lock), kind.saved(&stale)),
            Ok(None) => Tried::Held(kind.lock_holder()),
            Err(e) => {
                unavailable(&kind, &e);
                Tried::Ready(None, kind.saved(&stale))
            }
        })
        .await?
    };
    let holder = match tried {
        Tried::Ready(lock, saved) => return Ok((lock, saved)),
        Tried::Held(holder) => holder,
    };
    let subject = kind.subject();
    tracing::info!(site = %subject.site, login = %subject.login, holder = holder.as_deref().unwrap_or("unknown"), "another process is renewing this {}: waiting for it", subject.what);
    let waiting = {
        let (kind, stale, wait) = (kind.clone(), stale.clone(), kind.renewal_wait());
        off_runtime(move || {
            let lock = kind.lock(wait).inspect_err(|e| unavailable(&kind, e)).ok();
            (lock, kind.saved(&stale))
        })
    };
    let notice = RenewalWaitNotice {
        site: subject.site,
        login: subject.login,
        holder,
    };
    let prompter = kind.prompter();
    let showing = prompter.wait_for_other_renewal(&notice);
    let mut waiting = std::pin::pin!(waiting);
    tokio::select! {
        // The lock first: once it is free, the showing ends at once.
        biased;
        taken = &mut waiting => taken,
        // The prompter stopped showing early; the wait goes on unseen.
        () = showing => waiting.await,
    }
}

/// Logs why the renewal goes on without the lock.
fn unavailable<K: Renewable>(kind: &K, error: &DefaultsError) {
    let subject = kind.subject();
    if matches!(error, DefaultsError::LockTimeout { .. }) {
        tracing::warn!(site = %subject.site, login = %subject.login, %error, "renewing without the renewal lock");
    } else {
        tracing::warn!(site = %subject.site, login = %subject.login, %error, "the renewal lock is unavailable");
    }
}
