//! Renewing a session once for every caller: single-flight in the process per (session
//! cache, prompter, site, login), a lock per (site, login) of a session cache across
//! processes, the session cache looked at first.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use async_trait::async_trait;
use tk_auth_core::Secret;
use tk_auth_defaults::DefaultsError;
use tk_auth_http::{BoxError, RenewalReason, RenewalRequest, SessionRenewer};
use tk_auth_prompt::{Interface, Prompter};
use tokio::sync::watch;

use crate::context::{Context, RENEWAL_THREAD, renewal_step};
use crate::login::{self, LoginRequest};
use crate::{Error, ShotgunUser};

/// Where a renewed token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// The user already held a newer token (renewed through another connection).
    User,
    /// Another process saved it in the session cache.
    Cache,
    /// The person logged in again.
    Person,
}

type Outcome = Result<(Secret, TokenSource), Arc<Error>>;

/// The callers that may share a renewal: those that keep sessions in the same session
/// cache (a token never crosses into another cache's user) and may ask the same prompter
/// (a caller that can answer is not failed by one that cannot), for one site and login.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    cache_root: PathBuf,
    asker: Asker,
    /// The site, sanitized, and the login, both in lower case.
    site: String,
    login: String,
}

impl Key {
    fn of(ctx: &Arc<Context>, host: &str, login: &str) -> Self {
        Self {
            cache_root: ctx.cache.locations().cache_root().to_path_buf(),
            asker: Asker::of(ctx),
            site: tk_auth_core::sanitize_url(host).to_lowercase(),
            login: login.to_lowercase(),
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

/// How far a renewal has come, as its waiters see it.
#[derive(Clone)]
enum Stage {
    Pending,
    /// The site gave a token; the renewal is still saving it (the lock is held).
    Handed(Secret, TokenSource),
    /// The renewal is over: saved and unlocked, or failed.
    Landed(Outcome),
}

/// The renewals in progress in this process; each one's stages are broadcast to its waiters.
static FLIGHTS: LazyLock<Mutex<HashMap<Key, watch::Receiver<Stage>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn flights() -> std::sync::MutexGuard<'static, HashMap<Key, watch::Receiver<Stage>>> {
    FLIGHTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes a flight from the registry when its task ends, even by a panic.
struct Landing(Key);

impl Drop for Landing {
    fn drop(&mut self) {
        flights().remove(&self.0);
    }
}

/// The renewal's side of a flight.
struct Handover {
    sender: watch::Sender<Stage>,
    landing: Landing,
}

impl Handover {
    /// Gives the waiters a token as soon as the site gave it, so that they repeat their
    /// calls while the renewal saves it. The flight stays registered: callers refused
    /// meanwhile join it and get the token at once.
    fn hand(&self, token: &Secret, source: TokenSource) {
        self.sender
            .send_replace(Stage::Handed(token.clone(), source));
        tracing::debug!("renewed session handed to the waiters");
    }

    /// Ends the flight. It leaves the registry before the outcome is published, so the
    /// next failure after a failed renewal starts a new one.
    fn land(self, outcome: Outcome) {
        let Self { sender, landing } = self;
        drop(landing);
        sender.send_replace(Stage::Landed(outcome));
    }
}

/// A renewed token, and the wait for its renewal to have saved it.
pub(crate) struct Renewed {
    pub(crate) token: Secret,
    pub(crate) source: TokenSource,
    pub(crate) saved: Saved,
}

/// The end of a renewal that handed its token before saving it.
pub(crate) struct Saved(Option<watch::Receiver<Stage>>);

impl Saved {
    /// Waits until the renewal has saved the token in the session cache and released its
    /// lock, so that a program that ends after its call leaves the session saved.
    pub(crate) async fn wait(self) {
        if let Some(mut receiver) = self.0 {
            // A closed channel means the renewal task is gone: nothing left to wait for.
            let _ = receiver
                .wait_for(|stage| matches!(stage, Stage::Landed(_)))
                .await;
        }
    }
}

/// Starts a renewal on a runtime of its own: on the callers' runtime each of its steps
/// would queue behind the very callers that wait for it (a storm of refused calls).
fn spawn_flight(flight: impl Future<Output = ()> + Send + 'static) {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(RENEWAL_THREAD)
            .enable_all()
            .build()
            .inspect_err(|e| {
                tracing::warn!(error = %e, "no runtime for renewals: they share the callers'");
            })
            .ok()
    });
    match runtime {
        Some(runtime) => drop(runtime.spawn(flight)),
        None => drop(tokio::spawn(flight)),
    }
}

/// A valid token for `user`, whose `expired` token the site refused.
///
/// Joins the renewal in progress for the same site and login, session cache and prompter
/// (see [`Key`]), or starts one. Every waiter gets the same token or the same error (a
/// cancellation included); the next failure after a failed renewal starts a new one. The
/// waiter's own user object takes the token.
pub(crate) async fn renew(
    user: &ShotgunUser,
    expired: &Secret,
    reason: RenewalReason,
) -> Result<Renewed, Error> {
    if let Some(current) = user.session_token()
        && current != *expired
    {
        return Ok(Renewed {
            token: current,
            source: TokenSource::User,
            saved: Saved(None),
        });
    }
    let host = user.host();
    let login = user.login().unwrap_or_default();
    let key = Key::of(user.context(), &host, &login);
    let mut receiver = {
        let mut flights = flights();
        if let Some(receiver) = flights.get(&key) {
            receiver.clone()
        } else {
            let (sender, receiver) = watch::channel(Stage::Pending);
            flights.insert(key.clone(), receiver.clone());
            let renewing = user.clone();
            let expired = expired.clone();
            // A task of its own: the renewal goes on for the other waiters even if the
            // caller that started it is dropped.
            spawn_flight(async move {
                let handover = Handover {
                    sender,
                    landing: Landing(key),
                };
                let outcome = run(&renewing, &expired, reason, &handover)
                    .await
                    .map_err(Arc::new);
                handover.land(outcome);
            });
            receiver
        }
    };
    let stage = receiver
        .wait_for(|stage| !matches!(stage, Stage::Pending))
        .await
        .map_err(|e| Error::Runtime {
            what: "session renewal",
            source: Some(Box::new(e)),
        })?
        .clone();
    let (token, source, saved) = match stage {
        Stage::Handed(token, source) => (token, source, Saved(Some(receiver))),
        Stage::Landed(Ok((token, source))) => (token, source, Saved(None)),
        Stage::Landed(Err(e)) => return Err(Error::shared(&host, &login, &e)),
        Stage::Pending => {
            return Err(Error::Runtime {
                what: "session renewal",
                source: None,
            });
        }
    };
    user.adopt_token(&token);
    Ok(Renewed {
        token,
        source,
        saved,
    })
}

/// The renewal itself, run once per flight, under the renewal lock.
async fn run(
    user: &ShotgunUser,
    expired: &Secret,
    reason: RenewalReason,
    handover: &Handover,
) -> Result<(Secret, TokenSource), Error> {
    let ctx = Arc::clone(user.context());
    let host = user.host();
    let login = user.login().unwrap_or_default();
    let lock = match crate::renewal_lock::take(&ctx, &host, &login).await? {
        Ok(lock) => Some(lock),
        // Renewing without the lock risks a second prompt; not renewing would be worse.
        Err(e @ DefaultsError::LockTimeout { .. }) => {
            tracing::warn!(site = %host, login = %login, error = %e, "renewing without the renewal lock");
            None
        }
        Err(e) => {
            tracing::warn!(site = %host, login = %login, error = %e, "the renewal lock is unavailable");
            None
        }
    };
    let outcome = renew_locked(user, expired, reason, handover).await;
    // Only now may other processes look in the cache: the token is there.
    drop(lock);
    tracing::debug!(site = %host, login = %login, "renewal lock released");
    outcome
}

/// The cache, else the person; a token from the person is handed to the waiters, then
/// saved.
async fn renew_locked(
    user: &ShotgunUser,
    expired: &Secret,
    reason: RenewalReason,
    handover: &Handover,
) -> Result<(Secret, TokenSource), Error> {
    let ctx = Arc::clone(user.context());
    let host = user.host();
    let login = user.login().unwrap_or_default();
    // Under the lock: whoever held it before may have renewed already.
    if let Some(current) = user.session_token()
        && current != *expired
    {
        return Ok((current, TokenSource::User));
    }
    let cached = {
        let (cache, host, login) = (ctx.cache.clone(), host.clone(), login.clone());
        renewal_step(move || cache.get_session_data(&host, &login)).await?
    };
    match cached {
        Ok(Some(data)) if !data.session_token.is_empty() && data.session_token != *expired => {
            tracing::debug!(site = %host, login = %login, "taking the session another process saved");
            // In memory only, as in Python: the cache already holds it. Its cookies come
            // along (they carry the claims expiration of that renewal).
            match data.session_metadata {
                Some(metadata) => user.adopt_session(&data.session_token, Some(metadata)),
                None => user.adopt_token(&data.session_token),
            }
            return Ok((data.session_token, TokenSource::Cache));
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(site = %host, login = %login, error = %e, "could not read the session cache");
        }
    }
    tracing::info!(site = %host, login = %login, ?reason, "asking for the session to be renewed");
    let outcome = login::run(
        &ctx,
        LoginRequest {
            host: Some(host.clone()),
            login: Some(login.clone()),
            http_proxy: user.http_proxy(),
            host_fixed: true,
            renewal: true,
            client: user.site_client().ok(),
        },
    )
    .await?;
    if outcome.login.to_lowercase() != login.to_lowercase() {
        return Err(Error::LoginMismatch {
            site: host,
            expected: login,
            actual: outcome.login,
        });
    }
    user.adopt_session(&outcome.token, outcome.metadata.clone());
    handover.hand(&outcome.token, TokenSource::Person);
    user.save_renewal_to_cache(outcome.method).await;
    Ok((outcome.token, TokenSource::Person))
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
        Ok(renewed.token)
    }
}
