//! The runtime a blocking authenticator owns: made on the first call that needs one, ended
//! without waiting for its tasks when the last owner is dropped.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::Error;

/// The name of the owned runtime's threads.
pub(crate) const THREAD_NAME: &str = "tk-auth";

/// A runtime made on first use.
#[derive(Debug, Default)]
pub(crate) struct OwnedRuntime {
    runtime: OnceLock<Result<tokio::runtime::Runtime, Arc<std::io::Error>>>,
}

impl OwnedRuntime {
    /// None yet: it is made by the first [`run`](Self::run).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Whether a call has needed the runtime yet.
    #[cfg(test)]
    pub(crate) fn is_started(&self) -> bool {
        self.runtime.get().is_some()
    }

    fn get(&self) -> Result<&tokio::runtime::Runtime, Error> {
        self.runtime
            .get_or_init(|| {
                // Two workers: a renewal may wait for another caller's while this one's
                // site call goes on.
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name(THREAD_NAME)
                    .enable_all()
                    .build()
                    .map_err(Arc::new)
            })
            .as_ref()
            .map_err(|e| Error::runtime("blocking API's runtime").caused_by(Arc::clone(e)))
    }

    /// Runs `future` on the runtime and waits for its output. The future is spawned (not
    /// `block_on`) so that the calling thread may be a runtime's blocking thread.
    pub(crate) fn run<F>(&self, future: F) -> Result<F::Output, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.get()?.spawn(async move {
            let _ = sender.send(future.await);
        });
        receiver
            .recv()
            .map_err(|e| Error::runtime("blocking call").caused_by(e))
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        // A plain drop waits for the worker threads, which panics inside an async context.
        if let Some(Ok(runtime)) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
