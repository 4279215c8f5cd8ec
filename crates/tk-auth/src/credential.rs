//! The self-renewing credential core: one renewal for every caller that needs it, in this
//! process and in the other processes of the same person.
//!
//! A credential of any kind — a session token, the single sign-on claims of a session, an
//! access token with its single-use refresh token — is renewed the same way, by
//! [`renew`], for a kind that says how to lock, read, obtain and save it ([`Renewable`]):
//!
//! 1. **Single flight in the process.** Callers with equal [`FlightKey`]s join one renewal,
//!    which runs as a task of its own on the runtime of the caller that started it: it goes
//!    on for the others if that caller is dropped.
//! 2. **One renewal across processes.** The renewal holds the kind's lock while it works.
//!    While another process holds it (renewing, perhaps asking its person for minutes), the
//!    wait is shown through the prompter, up to `AuthOptions::renewal_wait`.
//! 3. **What another process saved is taken first**, under the lock, before anyone is asked
//!    and before a refresh token is spent.
//! 4. Otherwise the kind **obtains** a new credential. The waiters get it at once; it is
//!    **saved before the lock is released**, so the next process finds it, and a waiter
//!    that must not go on before it is saved waits for that ([`Saved::wait`]).
//! 5. **A failure or a cancellation reaches every waiter**; the next caller after a failed
//!    renewal starts a new one.
//!
//! Blocking steps (locks, files) run on tokio's blocking threads, two hops per renewal: the
//! lock with the read of what was saved, and the save with the release.

mod flight;
mod lock;
#[cfg(test)]
mod single_use_tests;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tk_auth_defaults::DefaultsError;
use tk_auth_prompt::Prompter;

pub(crate) use flight::{FlightKey, Saved};

use tk_auth_core::Site;

use crate::Error;
use crate::context::off_runtime;

/// Where a renewed credential came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The holder already had a newer one (renewed through another of its handles).
    Held,
    /// Another process saved it.
    Saved,
    /// The kind obtained it: the person logged in again, a refresh token was spent.
    Obtained,
}

/// Who a renewal is for, as the person and the logs know it.
#[derive(Clone, Debug)]
pub(crate) struct Subject {
    /// The site, or what stands for it (an authorization server).
    pub(crate) site: Site,
    /// The login, or what stands for it (a profile).
    pub(crate) login: String,
    /// What the credential is called in messages: "session", "access token".
    pub(crate) what: &'static str,
}

/// One kind of credential the core renews. The blocking methods are called on tokio's
/// blocking threads; the lock is held from [`try_lock`](Self::try_lock) (or
/// [`lock`](Self::lock)) until after [`save`](Self::save).
#[async_trait]
pub(crate) trait Renewable: Clone + Send + Sync + 'static {
    /// The credential.
    type Token: Clone + Send + Sync + 'static;
    /// The cross-process lock on renewing it, released when dropped.
    type Lock: Send + 'static;

    /// Which callers share a renewal: those with equal keys.
    fn flight_key(&self) -> FlightKey;
    /// Who the credential is for.
    fn subject(&self) -> Subject;
    /// Who is shown a wait for another process's renewal.
    fn prompter(&self) -> Arc<dyn Prompter>;
    /// How long to wait for another process's renewal.
    fn renewal_wait(&self) -> Duration;

    /// A credential this holder already has in place of `stale`.
    fn held(&self, stale: &Self::Token) -> Option<Self::Token>;
    /// Takes the lock when no other process holds it (`Ok(None)` when one does). Blocking.
    fn try_lock(&self) -> Result<Option<Self::Lock>, DefaultsError>;
    /// Takes the lock, waiting up to `wait` for the process holding it. Blocking.
    fn lock(&self, wait: Duration) -> Result<Self::Lock, DefaultsError>;
    /// Who holds the lock, for the person; `None` when unknown. Blocking.
    fn lock_holder(&self) -> Option<String>;
    /// A credential another process saved in place of `stale`. Blocking; a store that
    /// cannot be read is logged and counts as nothing saved.
    fn saved(&self, stale: &Self::Token) -> Option<Self::Token>;
    /// A new credential: a prompt, a refresh.
    async fn obtain(&self, stale: &Self::Token) -> Result<Self::Token, Error>;
    /// Saves a credential this process obtained. Blocking; failures are logged.
    fn save(&self, token: &Self::Token);
    /// Makes the holder use `token` from now on.
    fn adopt(&self, token: &Self::Token);
}

/// A renewed credential, and the wait for its renewal to have saved it.
pub(crate) struct Renewed<T> {
    pub(crate) token: T,
    pub(crate) source: Source,
    pub(crate) saved: Saved,
}

/// A valid credential in place of `stale`, renewed once for every caller (see the module
/// documentation). The caller's own holder adopts it.
pub(crate) async fn renew<K: Renewable>(
    kind: &K,
    stale: &K::Token,
) -> Result<Renewed<K::Token>, Error> {
    if let Some(current) = kind.held(stale) {
        return Ok(Renewed {
            token: current,
            source: Source::Held,
            saved: Saved::done(),
        });
    }
    let joined = flight::join_or_start(kind.flight_key(), |handover| {
        let (kind, stale) = (kind.clone(), stale.clone());
        async move {
            let outcome = run(&kind, &stale, &handover).await;
            handover.land(outcome);
        }
    });
    // Every waiter gets the renewal's own error: the same kind, site and cause.
    let (token, source, saved) = joined.wait().await?;
    kind.adopt(&token);
    Ok(Renewed {
        token,
        source,
        saved,
    })
}

/// The renewal itself, once per flight: the lock, what was saved, else a new credential,
/// saved before the lock goes.
async fn run<K: Renewable>(
    kind: &K,
    stale: &K::Token,
    handover: &flight::Handover<K::Token>,
) -> Result<(K::Token, Source), Error> {
    let (lock, saved) = lock::take_and_read(kind, stale).await?;
    // Under the lock: whoever held it before may have renewed through this holder.
    if let Some(current) = kind.held(stale) {
        return Ok((current, Source::Held));
    }
    if let Some(token) = saved {
        let subject = kind.subject();
        tracing::debug!(site = %subject.site, login = %subject.login, "taking what another process saved");
        kind.adopt(&token);
        drop(lock);
        return Ok((token, Source::Saved));
    }
    let token = kind.obtain(stale).await?;
    kind.adopt(&token);
    handover.hand(&token, Source::Obtained);
    let (saving, saved) = (kind.clone(), token.clone());
    // Only after the save may other processes look: the lock goes with it.
    off_runtime(move || {
        saving.save(&saved);
        drop(lock);
        let subject = saving.subject();
        tracing::debug!(site = %subject.site, login = %subject.login, "renewal lock released");
    })
    .await?;
    Ok((token, Source::Obtained))
}
