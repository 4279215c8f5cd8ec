//! `tk-auth payload encode|decode`: the serialized users Toolkit processes hand each other.

use clap::Subcommand;

use crate::exit::{Failure, Outcome};

/// Encode or decode serialized users.
#[derive(Debug, Subcommand)]
pub(crate) enum PayloadCommand {}

/// Runs a `payload` subcommand.
pub(crate) fn run(cmd: PayloadCommand) -> Outcome {
    match cmd {}
}

#[allow(dead_code)]
fn _unused() -> Failure {
    Failure::bad_input(anyhow::anyhow!("unused"))
}
