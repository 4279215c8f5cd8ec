//! How a command's outcome becomes an exit code and one line on stderr.

use std::process::ExitCode;

/// What a command returns: success, or a failure with its exit code.
pub(crate) type Outcome = Result<(), Failure>;

/// A command that did not succeed: the error to print and the exit code to leave with.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// The operation failed (site unreachable, nothing stored, …): exit code 1.
    pub(crate) fn failed(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }

    /// Nobody is logged in, or the session expired and cannot be renewed here: exit code 4.
    pub(crate) fn auth_required(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 4,
            error: error.into(),
        }
    }

    /// The input was bad (a malformed payload, an unreadable file): exit code 2.
    pub(crate) fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 2,
            error: error.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::failed(error)
    }
}

/// Prints a failure as one line on stderr and turns the outcome into the exit code.
pub(crate) fn report(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, error }) => {
            // `{:#}` joins the cause chain on one line: "decoding the payload: …: …".
            #[allow(clippy::print_stderr)] // the binary's one place that reports errors
            {
                eprintln!("tk-auth: error: {error:#}");
            }
            ExitCode::from(code)
        }
    }
}
