//! The command's output on stdout: every command, and clap's `--help` and `--version`,
//! write through here.
//!
//! A closed stdout (`tk-auth token | head -c0`) is not an error: the output stops at the
//! first write that finds it closed, nothing is said about it on stderr, and the command
//! still ends with its own exit code (the reader chose to stop reading). Any other write
//! error (`> /dev/full`) is reported once the command is done, with exit code 1.

use std::io::{self, Write as _};
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use crate::exit::{Failure, Outcome};

/// What became of stdout so far.
enum State {
    Open,
    /// The reader went away: later output is dropped.
    Closed,
    /// A write failed otherwise: later output is dropped and the error reported at the end.
    Failed(io::Error),
}

// One state for the process: stdout is one stream, whichever part of the command writes.
static STATE: Mutex<State> = Mutex::new(State::Open);

/// Prints one line of the command's output.
pub(crate) fn print(text: &str) {
    write_parts(&[text.as_bytes(), b"\n"]);
}

/// Writes bytes to stdout as they are.
pub(crate) fn write_all(bytes: &[u8]) {
    write_parts(&[bytes]);
}

fn write_parts(parts: &[&[u8]]) {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if !matches!(*state, State::Open) {
        return;
    }
    let mut out = io::stdout().lock();
    let written = parts
        .iter()
        .try_for_each(|part| out.write_all(part))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        *state = if e.kind() == io::ErrorKind::BrokenPipe {
            State::Closed
        } else {
            State::Failed(e)
        };
    }
}

/// Whether stdout still takes the output: not once its reader has gone away, nor after a
/// failed write.
pub(crate) fn writable() -> bool {
    matches!(
        *STATE.lock().unwrap_or_else(PoisonError::into_inner),
        State::Open
    )
}

/// The command's outcome once its output is done: a write error other than a closed stdout
/// fails a command that otherwise succeeded (exit code 1).
pub(crate) fn finish(outcome: Outcome) -> Outcome {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    match std::mem::replace(&mut *state, State::Closed) {
        State::Failed(e) if outcome.is_ok() => Err(Failure::failed(
            anyhow::Error::new(e).context("writing to standard output"),
        )),
        _ => outcome,
    }
}

/// Ends the process for what clap found instead of a command: `--help` and `--version` go
/// to stdout through [`write_all`] (coloured only for a terminal when `colour` allows it);
/// usage errors go to stderr as clap writes them, with exit code 2.
pub(crate) fn clap_exit(error: &clap::Error, colour: bool) -> ExitCode {
    use std::io::IsTerminal as _;
    let code = u8::try_from(error.exit_code()).unwrap_or(2);
    if error.use_stderr() {
        // A closed stderr leaves nothing to tell.
        let _ = error.print();
        return ExitCode::from(code);
    }
    let text = error.render();
    let text = if colour && io::stdout().is_terminal() {
        text.ansi().to_string()
    } else {
        text.to_string()
    };
    write_all(text.as_bytes());
    match finish(Ok(())) {
        Ok(()) => ExitCode::from(code),
        failed => crate::exit::report(failed),
    }
}
