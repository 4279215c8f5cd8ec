//! The renewals in flight in this process: one per key, its stages broadcast to its waiters.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use tk_auth_prompt::{Interface, Prompter};
use tokio::sync::watch;

use super::Source;
use crate::Error;
use crate::context::Context;

/// Which callers share a renewal: those of one kind of credential, kept in the same place
/// (a credential never crosses into another store's holder), that may ask the same
/// prompter (a caller that can answer is not failed by one that cannot), for one scope
/// (a site and login; an application and profile).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct FlightKey {
    kind: &'static str,
    store: PathBuf,
    asker: Asker,
    scope: Vec<String>,
}

impl FlightKey {
    /// The key of a `kind` of credential saved in `store`, asking through `ctx`'s prompter,
    /// for `scope` (compared exactly: normalise it first).
    pub(crate) fn new(
        kind: &'static str,
        ctx: &Context,
        store: PathBuf,
        scope: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            kind,
            store,
            asker: Asker::of(ctx),
            scope: scope.into_iter().collect(),
        }
    }
}

/// Who a renewal may ask: nobody (every non-interactive caller alike), or one prompter,
/// told apart by identity. The key holds the prompter, so its address is not reused by
/// another while the flight is registered.
#[derive(Clone)]
enum Asker {
    Nobody,
    Prompter(Arc<dyn Prompter>),
}

impl Asker {
    fn of(ctx: &Context) -> Self {
        // The context put the non-interactive prompter in place of any that nobody answers.
        if ctx.prompter.interface() == Interface::Nobody {
            Self::Nobody
        } else {
            Self::Prompter(Arc::clone(&ctx.prompter))
        }
    }

    fn address(&self) -> usize {
        match self {
            Self::Nobody => 0,
            Self::Prompter(prompter) => Arc::as_ptr(prompter).cast::<()>().addr(),
        }
    }
}

impl PartialEq for Asker {
    fn eq(&self, other: &Self) -> bool {
        self.address() == other.address()
    }
}

impl Eq for Asker {}

impl Hash for Asker {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.address().hash(state);
    }
}

type Outcome<T> = Result<(T, Source), Error>;

/// How far a renewal has come, as its waiters see it.
#[derive(Clone)]
enum Stage<T> {
    Pending,
    /// The credential is there; the renewal is still saving it (the lock is held).
    Handed(T, Source),
    /// The renewal is over: saved and unlocked, or failed.
    Landed(Outcome<T>),
}

/// The flights of every kind; each entry is the [`Joined`] of its kind's token type (the
/// kind is part of the key).
static FLIGHTS: LazyLock<Mutex<HashMap<FlightKey, Box<dyn Any + Send + Sync>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn flights() -> MutexGuard<'static, HashMap<FlightKey, Box<dyn Any + Send + Sync>>> {
    FLIGHTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes a flight from the registry when its task ends, even by a panic.
struct Landing(FlightKey);

impl Drop for Landing {
    fn drop(&mut self) {
        flights().remove(&self.0);
    }
}

/// The renewal's side of a flight.
pub(crate) struct Handover<T> {
    sender: watch::Sender<Stage<T>>,
    landed: watch::Sender<bool>,
    landing: Landing,
}

impl<T: Clone> Handover<T> {
    /// Gives the waiters the credential as soon as it is there, so that they go on while
    /// the renewal saves it. The flight stays registered: callers refused meanwhile join it
    /// and get the credential at once.
    pub(crate) fn hand(&self, token: &T, source: Source) {
        self.sender
            .send_replace(Stage::Handed(token.clone(), source));
        tracing::debug!("renewed credential handed to the waiters");
    }

    /// Ends the flight. It leaves the registry before the outcome is published, so the
    /// next failure after a failed renewal starts a new one.
    pub(crate) fn land(self, outcome: Outcome<T>) {
        let Self {
            sender,
            landed,
            landing,
        } = self;
        drop(landing);
        sender.send_replace(Stage::Landed(outcome));
        landed.send_replace(true);
    }
}

/// A waiter's side of a flight.
#[derive(Clone)]
pub(crate) struct Joined<T> {
    stage: watch::Receiver<Stage<T>>,
    landed: watch::Receiver<bool>,
}

/// Joins the flight of `key`, or starts one: `start` is given the flight's handover and
/// returns the renewal, which runs as a task of its own on the current runtime.
pub(crate) fn join_or_start<T, F, Fut>(key: FlightKey, start: F) -> Joined<T>
where
    T: Clone + Send + Sync + 'static,
    F: FnOnce(Handover<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut flights = flights();
    if let Some(joined) = flights
        .get(&key)
        .and_then(|entry| entry.downcast_ref::<Joined<T>>())
    {
        return joined.clone();
    }
    let (sender, stage) = watch::channel(Stage::Pending);
    let (landed_sender, landed) = watch::channel(false);
    let joined = Joined { stage, landed };
    flights.insert(key.clone(), Box::new(joined.clone()));
    drop(flights);
    let handover = Handover {
        sender,
        landed: landed_sender,
        landing: Landing(key),
    };
    drop(tokio::spawn(start(handover)));
    joined
}

impl<T: Clone + Send + Sync + 'static> Joined<T> {
    /// The credential, where it came from and the wait for its save; or the renewal's error,
    /// shared by every waiter.
    pub(crate) async fn wait(mut self) -> Result<(T, Source, Saved), Error> {
        let gone = || Error::runtime("credential renewal");
        let stage = self
            .stage
            .wait_for(|stage| !matches!(stage, Stage::Pending))
            .await
            .map_err(|_| gone())?
            .clone();
        match stage {
            Stage::Handed(token, source) => Ok((token, source, Saved(Some(self.landed)))),
            Stage::Landed(Ok((token, source))) => Ok((token, source, Saved::done())),
            Stage::Landed(Err(e)) => Err(e),
            Stage::Pending => Err(gone()),
        }
    }
}

/// The end of a renewal that handed its credential before saving it.
pub(crate) struct Saved(Option<watch::Receiver<bool>>);

impl Saved {
    /// Nothing to wait for.
    pub(crate) fn done() -> Self {
        Self(None)
    }

    /// Waits until the renewal has saved the credential and released its lock, so that a
    /// program that ends after its call leaves it saved.
    pub(crate) async fn wait(self) {
        if let Some(mut landed) = self.0 {
            // A closed channel means the renewal task is gone: nothing left to wait for.
            let _ = landed.wait_for(|landed| *landed).await;
        }
    }
}
