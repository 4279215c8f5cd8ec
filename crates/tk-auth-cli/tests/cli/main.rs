//! Behaviour tests of the `tk-auth` command, run as a real process.

#[cfg(feature = "emulator")]
mod emulator;
mod payload;
mod session;
mod snapshots;
