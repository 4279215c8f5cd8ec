//! Behaviour tests of the `tk-auth` command, run as a real process.

mod closed_stdout;
mod completions;
mod corrupt_session_file;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
mod export;
mod json_schemas;
mod logging;
mod login;
mod malformed_site;
mod payload;
mod session;
mod site_text;
mod snapshots;
mod sso;
mod status;
mod support;
mod tokens;
