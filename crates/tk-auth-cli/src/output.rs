//! The command's output on stdout.

use std::io::Write as _;

/// Prints one line of the command's output. A closed stdout (`tk-auth status | head -1`)
/// ends the output quietly instead of panicking.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Writes bytes to stdout as they are.
pub(crate) fn write_all(bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("writing to standard output")
}
