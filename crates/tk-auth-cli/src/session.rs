//! `tk-auth status|sites|users|logout`: the stored sessions, read and cleared without network.

use clap::Args;

use crate::exit::{Failure, Outcome};

/// Options of `tk-auth status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {}
/// Options of `tk-auth sites`.
#[derive(Debug, Args)]
pub(crate) struct SitesArgs {}
/// Options of `tk-auth users`.
#[derive(Debug, Args)]
pub(crate) struct UsersArgs {}
/// Options of `tk-auth logout`.
#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {}

fn pending() -> Outcome {
    Err(Failure::failed(anyhow::anyhow!(
        "the session cache is not built yet"
    )))
}
/// Runs `tk-auth status`.
pub(crate) fn status(_args: &StatusArgs) -> Outcome {
    pending()
}
/// Runs `tk-auth sites`.
pub(crate) fn sites(_args: &SitesArgs) -> Outcome {
    pending()
}
/// Runs `tk-auth users`.
pub(crate) fn users(_args: &UsersArgs) -> Outcome {
    pending()
}
/// Runs `tk-auth logout`.
pub(crate) fn logout(_args: &LogoutArgs) -> Outcome {
    pending()
}
