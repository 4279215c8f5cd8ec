//! Blocking work off the GIL, interruptible from Python.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use pyo3::prelude::*;

/// How often a waiting call looks for a pending signal (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Runs `work` on a worker thread and waits for it without holding the GIL, checking for
/// signals every [`SIGNAL_CHECK`]: a signal handler that raises (Ctrl-C's
/// `KeyboardInterrupt`) ends the wait with its exception. The worker is then left to finish
/// on its own; whatever it was writing is either written whole or not at all (tk-auth's
/// writes are atomic renames).
pub(crate) fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("tk_auth-io".to_owned())
        .spawn(move || {
            // The receiver may be gone (the caller was interrupted): nothing to do then.
            let _ = tx.send(work());
        });
    if let Err(e) = spawned {
        return Err(pyo3::exceptions::PyOSError::new_err(format!(
            "could not start a worker thread: {e}"
        )));
    }
    let mut rx = rx;
    loop {
        // The receiver is not `Sync`: it moves into the GIL-free wait and back out.
        let (answer, back) = py.detach(move || (rx.recv_timeout(SIGNAL_CHECK), rx));
        rx = back;
        match answer {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(crate::errors::own(
                    py,
                    "Error",
                    "the tk_auth worker thread stopped without an answer".to_owned(),
                ));
            }
        }
    }
}
