//! How a command's outcome becomes an exit code and one line on stderr.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success |
//! | 1    | the operation failed (site unreachable, credentials refused, …) |
//! | 2    | bad usage or input (a malformed payload, a bad argument) |
//! | 4    | authentication required: no stored session, or one that has expired where nobody can answer a prompt |
//! | 130  | the person cancelled the login (Ctrl-C, Esc, an empty password) |

use std::process::ExitCode;

use tk_auth::PromptError;
use tk_auth::prompt::terminal_safe;

/// The exit codes, as `--help` lists them.
pub(crate) const EXIT_CODES_HELP: &str = "Exit codes:
  0    success
  1    the operation failed (site unreachable, credentials refused, ...)
  2    bad usage or input
  4    authentication required: not logged in, or the session expired and nobody can
       answer a prompt here (run `tk-auth login`)
  130  the login was cancelled (Ctrl-C, Esc, an empty password)";

/// What a command returns: success, or a failure with its exit code.
pub(crate) type Outcome = Result<(), Failure>;

/// A command that did not succeed: the error to print and the exit code to leave with.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
    hint: Option<String>,
}

impl Failure {
    fn with_code(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Self {
            code,
            error: error.into(),
            hint: None,
        }
    }

    /// The operation failed (site unreachable, nothing stored, …): exit code 1.
    pub(crate) fn failed(error: impl Into<anyhow::Error>) -> Self {
        Self::with_code(1, error)
    }

    /// The input was bad (a malformed payload, an unreadable file): exit code 2.
    pub(crate) fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Self::with_code(2, error)
    }

    /// Nobody is logged in, or a session cannot be renewed here: exit code 4.
    pub(crate) fn auth_required(error: impl Into<anyhow::Error>) -> Self {
        Self::with_code(4, error)
    }

    /// Adds a line that says what to do about it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The exit code.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "read by the tests of the commands")
    )]
    pub(crate) fn code(&self) -> u8 {
        self.code
    }

    /// A failure of the authentication library, with the code its kind calls for.
    pub(crate) fn from_auth(error: tk_auth::Error) -> Self {
        let code = code_of(&error);
        Self::with_code(code, error)
    }
}

/// The exit code for an error of the authentication library.
pub(crate) fn code_of(error: &tk_auth::Error) -> u8 {
    use tk_auth::ErrorKind as K;
    match error.kind() {
        K::Cancelled => 130,
        K::NonInteractive { .. } | K::IncompleteCredentials { .. } => 4,
        K::Prompt => match error
            .get_ref()
            .and_then(|e| e.downcast_ref::<PromptError>())
        {
            Some(
                PromptError::UnknownPromptMode { .. }
                | PromptError::UnknownTheme { .. }
                | PromptError::NoGui
                | PromptError::InvalidAnswer { .. },
            ) => 2,
            Some(PromptError::NonInteractive { .. }) => 4,
            _ => 1,
        },
        K::InvalidUser | K::FlowAuthConfiguration { .. } => 2,
        // A Flow login needed where nobody can answer: log in first, as for a session.
        K::FlowAuth
            if error
                .get_ref()
                .and_then(|e| e.downcast_ref::<PromptError>())
                .is_some_and(PromptError::is_non_interactive) =>
        {
            4
        }
        _ => 1,
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::failed(error)
    }
}

/// Prints a failure as one line on stderr (and its hint, if any) and turns the outcome into
/// the exit code.
pub(crate) fn report(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, error, hint }) => {
            // `{:#}` joins the cause chain on one line: "decoding the payload: …: …". The
            // chain can quote a site's text, kept to one line a terminal only shows.
            #[allow(clippy::print_stderr)] // the binary's one place that reports errors
            {
                eprintln!("tk-auth: error: {}", terminal_safe(&format!("{error:#}")));
                if let Some(hint) = hint {
                    eprintln!("hint: {}", terminal_safe(&hint));
                }
            }
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_errors_map_to_their_exit_codes() {
        // Made as the library makes them: a prompter's answer, a payload that cannot be read.
        let home = tempfile::tempdir().unwrap();
        let env = tk_auth::Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
        let auth = tk_auth::blocking::ShotgunAuthenticator::with_options(
            tk_auth::Defaults::from_env_with(&env).unwrap(),
            tk_auth::NonInteractivePrompter,
            tk_auth::AuthOptions::new().environment(env),
        );
        let nobody = auth
            .get_user_from_prompt(tk_auth::LoginPrompt::new().host_fixed(tk_auth::HostFixed::Asked))
            .unwrap_err();
        assert_eq!(code_of(&nobody), 4, "{nobody}");
        let unreadable = auth.deserialize_user("not a payload").unwrap_err();
        assert_eq!(code_of(&unreadable), 2, "{unreadable}");
    }
}
