//! The command's async runtime: one thread, made when a command needs the façade.
//!
//! A command is one short task, so a current-thread runtime does: it starts several times
//! faster than the façade's blocking API, whose own runtime starts worker threads —
//! measurable when the whole command takes a few milliseconds (`cargo xtask bench`).

use std::future::Future;

use anyhow::Context as _;

/// Runs `future` to completion on a new current-thread runtime.
pub(crate) fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(runtime.block_on(future))
}
