//! The one error type of this crate.

use tk_auth_core::Site;

use crate::interactivity::NONINTERACTIVE_HINT;

/// Why a question got no answer.
///
/// Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// The person cancelled (an empty password, end of input, the Cancel button).
    #[error("Authentication was cancelled by the user.")]
    Cancelled,

    /// Nobody can answer here (no terminal, no display, or `TK_AUTH_NONINTERACTIVE=1`), so
    /// the question failed at once instead of waiting.
    #[error(
        "cannot ask for {what}{}{}: {NONINTERACTIVE_HINT}; log in first with `tk-auth login --site {}`",
        login.as_deref().map(|l| format!(" of {l}")).unwrap_or_default(),
        site.as_ref().map(|s| format!(" on {s}")).unwrap_or_default(),
        site.as_ref().map_or_else(|| "<site>".to_owned(), ToString::to_string)
    )]
    NonInteractive {
        /// What would have been asked (`a password`, `the site` …).
        what: &'static str,
        /// The site, when known.
        site: Option<Site>,
        /// The login, when known.
        login: Option<String>,
    },

    /// A window was asked for where none can open.
    #[error("cannot open the login window: {reason}")]
    NoWindow {
        /// Why (no display, a platform that needs the main thread …).
        reason: &'static str,
    },

    /// A scripted prompter was asked something its script did not foresee.
    #[error("no scripted answer for the {asked} question{}", expected.map(|e| format!(" (the next answer is for the {e} question)")).unwrap_or_default())]
    Unscripted {
        /// The question asked.
        asked: &'static str,
        /// The question the next scripted answer is for, if any is left.
        expected: Option<&'static str>,
    },

    /// An answer that cannot be used (e.g. a method that was not offered).
    #[error("invalid answer to the {question} question: {reason}")]
    InvalidAnswer {
        /// The question.
        question: &'static str,
        /// What is wrong with the answer (never the answer itself when it is a secret).
        reason: String,
    },

    /// `TK_AUTH_PROMPT` (or a `--prompt` option) holds a value that names no way of asking.
    #[error("unknown prompt mode {value:?} in {origin}: use gui, console or none")]
    UnknownPromptMode {
        /// The value given.
        value: String,
        /// Where it came from (`TK_AUTH_PROMPT`, an option …).
        origin: &'static str,
    },

    /// `TK_AUTH_THEME` holds a value that names no colours for the login window.
    #[error("unknown window theme {value:?} in TK_AUTH_THEME: use light, dark or system")]
    UnknownTheme {
        /// The value given.
        value: String,
    },

    /// A window was asked for, but this program was built without one.
    #[error("cannot ask in a window: this build has no GUI (the `gui` feature)")]
    NoGui,

    /// The prompter's own input or output failed (a terminal that closed, a window that
    /// could not open).
    #[error("the {question} prompt failed")]
    Io {
        /// The question.
        question: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl PromptError {
    /// Whether the person cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }

    /// Whether the question failed because nobody can answer here.
    pub fn is_non_interactive(&self) -> bool {
        matches!(self, Self::NonInteractive { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_non_interactive_error_names_site_login_and_the_fix() {
        let e = PromptError::NonInteractive {
            what: "a password",
            site: Some("https://mysite.shotgunstudio.com".into()),
            login: Some("alice".into()),
        };
        assert_eq!(
            e.to_string(),
            "cannot ask for a password of alice on https://mysite.shotgunstudio.com: \
             nobody can answer a prompt here (no terminal or display, or TK_AUTH_NONINTERACTIVE=1); \
             log in first with `tk-auth login --site https://mysite.shotgunstudio.com`"
        );
    }
}
