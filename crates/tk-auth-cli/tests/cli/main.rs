//! Behaviour tests of the `tk-auth` command, run as a real process.

mod emulator;
mod payload;
mod session;
