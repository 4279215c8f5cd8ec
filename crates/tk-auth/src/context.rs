//! What an authenticator shares with the users and connections it makes.

use std::sync::Arc;

use tk_auth_defaults::SessionCache;
use tk_auth_http::SiteClient;
use tk_auth_prompt::{Interactivity, NonInteractivePrompter, Prompter};

use crate::{AuthOptions, Error};

/// The session cache, the prompter (already replaced by the non-interactive one where
/// nobody can answer) and the options.
pub(crate) struct Context {
    pub(crate) cache: SessionCache,
    pub(crate) prompter: Arc<dyn Prompter>,
    pub(crate) options: AuthOptions,
}

impl Context {
    pub(crate) fn new(
        cache: SessionCache,
        prompter: Arc<dyn Prompter>,
        options: AuthOptions,
    ) -> Arc<Self> {
        let prompter: Arc<dyn Prompter> =
            match Interactivity::detect(&options.env, prompter.interface()) {
                Interactivity::Interactive => prompter,
                Interactivity::NonInteractive => {
                    tracing::debug!("nobody can answer prompts here: prompts will fail at once");
                    Arc::new(NonInteractivePrompter)
                }
            };
        Arc::new(Self {
            cache,
            prompter,
            options,
        })
    }

    /// The context of users made without an authenticator (deserialized payloads): the
    /// process's session cache, and no prompts.
    pub(crate) fn from_process_env() -> Result<Arc<Self>, Error> {
        let options = AuthOptions::new();
        let cache = SessionCache::from_env_with(&options.env)
            .map_err(|e| Error::defaults(None, None, e))?;
        Ok(Self::new(cache, Arc::new(NonInteractivePrompter), options))
    }

    /// A client for `host` through `http_proxy` (none when `None` or empty).
    pub(crate) fn client(&self, host: &str, http_proxy: Option<&str>) -> Result<SiteClient, Error> {
        let mut options = self.options.client.clone();
        if let Some(proxy) = http_proxy.filter(|p| !p.is_empty()) {
            options = options
                .http_proxy(proxy)
                .map_err(|e| Error::from_http(host, None, e))?;
        }
        SiteClient::new(host, options).map_err(|e| Error::from_http(host, None, e))
    }
}

/// The name of the threads of the runtime renewals run on.
pub(crate) const RENEWAL_THREAD: &str = "tk-auth-renewal";

/// Runs short blocking work of a renewal (reading or writing the session cache) in place
/// when on the renewal runtime: its worker hands its other tasks to another thread and
/// goes on with the work itself. Handing the work to a blocking thread and back costs two
/// wake-ups, and during a storm each waits for a CPU the callers keep busy. Elsewhere it
/// is [`off_runtime`].
pub(crate) async fn renewal_step<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let on_renewal_runtime = std::thread::current().name() == Some(RENEWAL_THREAD)
        && tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if on_renewal_runtime {
        Ok(tokio::task::block_in_place(work))
    } else {
        off_runtime(work).await
    }
}

/// Runs blocking work (file locks, the keyring) on tokio's blocking threads, never on a
/// runtime worker.
pub(crate) async fn off_runtime<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Runtime {
            what: "blocking task",
            source: Some(Box::new(e)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `renewal_step` ran its work on the thread of the task that called it, on a
    /// one-worker runtime whose threads are named `name`.
    fn ran_in_place(name: &str) -> bool {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .build()
            .unwrap();
        runtime.block_on(async {
            tokio::spawn(async {
                let caller = std::thread::current().id();
                renewal_step(move || std::thread::current().id())
                    .await
                    .unwrap()
                    == caller
            })
            .await
            .unwrap()
        })
    }

    #[test]
    fn renewal_steps_run_in_place_on_the_renewal_runtime_and_on_blocking_threads_elsewhere() {
        assert!(ran_in_place(RENEWAL_THREAD));
        assert!(!ran_in_place("callers"));
    }

    #[test]
    fn a_renewal_step_on_a_current_thread_runtime_goes_to_a_blocking_thread() {
        // Such a runtime cannot hand its tasks to another thread: in place would panic.
        let answer = std::thread::Builder::new()
            .name(RENEWAL_THREAD.to_owned())
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap()
                    .block_on(renewal_step(|| 42))
                    .unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(answer, 42);
    }
}
