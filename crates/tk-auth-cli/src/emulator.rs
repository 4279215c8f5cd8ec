//! `tk-auth emulator`: a local Flow Production Tracking site.

use clap::Args;

use crate::exit::{Failure, Outcome};

/// Options of `tk-auth emulator`.
#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {}

/// Runs the emulator until interrupted.
pub(crate) fn run(_args: &EmulatorArgs) -> Outcome {
    Err(Failure::failed(anyhow::anyhow!(
        "the emulator is not built yet"
    )))
}
