//! Cancelling a wait from elsewhere: a button, a signal handler, another task.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Stops a browser approval that is waiting; clones share the same state.
///
/// ```
/// use tk_auth_http::CancelHandle;
///
/// let cancel = CancelHandle::new();
/// let for_the_button = cancel.clone();
/// for_the_button.cancel();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelHandle(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelHandle {
    /// A handle not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the wait; the approval ends with [`ApprovalError::Cancelled`](crate::ApprovalError::Cancelled).
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`CancelHandle::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancelling_wakes_a_waiter() {
        let cancel = CancelHandle::new();
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.cancelled().await }
        });
        tokio::task::yield_now().await;
        cancel.cancel();
        waiter.await.unwrap();
        // A late waiter returns at once.
        cancel.cancelled().await;
    }
}
