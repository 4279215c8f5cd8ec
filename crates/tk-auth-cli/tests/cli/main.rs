//! Behaviour tests of the `tk-auth` command, run as a real process.

#[cfg(feature = "emulator")]
mod emulator;
mod login;
mod payload;
mod session;
mod snapshots;
