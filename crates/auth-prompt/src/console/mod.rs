//! The console prompter: questions in the terminal, as Python's console login asks them
//! (`docs/cli.md`), with completion from recent sites and logins and a spinner while a browser
//! approval or another program's renewal is awaited. Text from a site or a session file
//! goes through [`terminal_safe`] before it is written.

mod approval_wait;
mod recent_completion;
mod renewal_wait;
mod spinner;
mod terminal;

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use inquire::validator::Validation;
use inquire::{InquireError, Password, PasswordDisplayMode, Text};
use tk_auth_core::{Env, Secret};

use crate::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodChoice, MethodQuestion,
    PasswordQuestion, PromptError, Prompter, RenewalNotice, RenewalWaitNotice, SiteQuestion,
    TwoFactorQuestion, terminal_safe,
};
use recent_completion::RecentCompletion;
use terminal::{Decoration, say};

/// The banner printed before the first question.
const BANNER: &str = "[Flow Production Tracking Authentication]";

/// Asks in the terminal (stderr for the questions, the terminal for the answers).
///
/// Use it only where standard input is a terminal: with a terminal present and standard
/// input piped, the questions would read the terminal and ignore the pipe.
/// [`choose_prompter`](crate::choose_prompter) makes that choice; the authenticator also
/// replaces a console prompter without a terminal by the non-interactive one.
///
/// Each question runs on tokio's blocking threads, never on a runtime worker, so the methods
/// must be called inside a tokio runtime. The password is never echoed and never trimmed;
/// Ctrl-C, Esc or the end of input at any question cancel the login. Colours are used only
/// when stderr is a terminal and `NO_COLOR` is not set.
///
/// ```
/// use tk_auth_prompt::{ConsolePrompter, Interface, Prompter};
///
/// let prompter = ConsolePrompter::new().open_browser(false);
/// assert_eq!(prompter.interface(), Interface::Console);
/// ```
#[derive(Debug)]
pub struct ConsolePrompter {
    env: Env,
    open_browser: bool,
    banner_shown: AtomicBool,
}

impl Default for ConsolePrompter {
    fn default() -> Self {
        Self::new()
    }
}

impl ConsolePrompter {
    /// A console prompter reading the process environment (`NO_COLOR`).
    pub fn new() -> Self {
        Self {
            env: Env::process(),
            open_browser: true,
            banner_shown: AtomicBool::new(false),
        }
    }

    /// The environment to read (`NO_COLOR`) instead of the process's.
    #[must_use]
    pub fn environment(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Whether the approval page is opened in the browser (by the authenticator's opener,
    /// `AuthOptions::open_browser` in the `tk-auth` crate) or only shown, to be opened by
    /// hand; this changes what the browser-approval step says. Default: opened.
    #[must_use]
    pub fn open_browser(mut self, open: bool) -> Self {
        self.open_browser = open;
        self
    }

    fn decoration(&self) -> Decoration {
        Decoration::detect(&self.env)
    }

    /// Prints the banner once, before whatever is asked first.
    fn banner(&self) {
        if !self.banner_shown.swap(true, Ordering::SeqCst) {
            say(&[&self.decoration().heading(BANNER)]);
        }
    }
}

/// Runs a terminal question on a blocking thread.
async fn ask<T: Send + 'static>(
    question: &'static str,
    run: impl FnOnce() -> Result<T, InquireError> + Send + 'static,
) -> Result<T, PromptError> {
    match tokio::task::spawn_blocking(run).await {
        Ok(answer) => answer.map_err(|e| from_inquire(question, e)),
        Err(e) => Err(PromptError::Io {
            question,
            source: std::io::Error::other(e),
        }),
    }
}

/// Maps inquire's outcomes: Ctrl-C, Esc and the end of input are cancellations.
fn from_inquire(question: &'static str, e: InquireError) -> PromptError {
    match e {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => {
            PromptError::Cancelled
        }
        InquireError::IO(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            PromptError::Cancelled
        }
        InquireError::NotTTY => PromptError::NonInteractive {
            what: question_what(question),
            site: None,
            login: None,
        },
        InquireError::IO(source) => PromptError::Io { question, source },
        other => PromptError::Io {
            question,
            source: std::io::Error::other(other.to_string()),
        },
    }
}

fn question_what(question: &'static str) -> &'static str {
    match question {
        "site" => "the site",
        "login" => "the login",
        "password" => "a password",
        "two_factor_code" => "a two-factor code",
        "method" => "the login method",
        _ => "an answer",
    }
}

/// A text question completed from `recent`: Enter takes `default`; without one it is asked
/// again until answered, as Python does.
async fn ask_with_recent(
    question: &'static str,
    label: &'static str,
    default: Option<String>,
    recent: Vec<String>,
    decoration: Decoration,
) -> Result<String, PromptError> {
    ask(question, move || {
        let text = Text::new(label)
            .with_render_config(decoration.render_config())
            .with_autocomplete(RecentCompletion::new(recent));
        match default.as_deref() {
            Some(default) => text.with_default(default).prompt(),
            None => text.with_validator(required).prompt(),
        }
    })
    .await
}

/// Refuses an empty answer (spaces only count as empty).
#[allow(clippy::unnecessary_wraps, reason = "inquire's validator signature")]
fn required(answer: &str) -> Result<Validation, inquire::CustomUserError> {
    Ok(if answer.trim().is_empty() {
        Validation::Invalid("an answer is needed (Esc or Ctrl-C cancels)".into())
    } else {
        Validation::Valid
    })
}

/// The login offered when nothing else is known: the account running this program, as
/// Python offers it.
fn os_login() -> Option<String> {
    whoami::username().ok().filter(|u| !u.is_empty())
}

/// The number typed for a method choice, checked against the choices offered.
fn parse_method(typed: &str, choices: &[MethodChoice]) -> Result<MethodChoice, String> {
    let typed = typed.trim();
    typed
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| choices.get(i).copied())
        .ok_or_else(|| {
            format!(
                "{typed:?} is not one of the choices: type a number from 1 to {}",
                choices.len()
            )
        })
}

#[async_trait]
impl Prompter for ConsolePrompter {
    fn interface(&self) -> Interface {
        Interface::Console
    }

    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        self.banner();
        let decoration = self.decoration();
        if question.recent.len() > 1 {
            let mut lines = vec!["Recent Flow Production Tracking sites:".to_owned()];
            lines.extend(
                question
                    .recent
                    .iter()
                    .map(|s| format!("  - {}", terminal_safe(s.url()))),
            );
            say(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let answer = ask_with_recent(
            "site",
            "Site URL:",
            question.default.as_ref().map(|s| s.url().to_owned()),
            question.recent.iter().map(|s| s.url().to_owned()).collect(),
            decoration,
        )
        .await?;
        Ok(answer.trim().to_owned())
    }

    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
        self.banner();
        let decoration = self.decoration();
        say(&[&format!(
            "Please enter your login credentials for {}",
            terminal_safe(question.site.url())
        )]);
        let default = question.default.clone().or_else(os_login);
        let answer = ask_with_recent(
            "login",
            "Login:",
            default,
            question.recent.clone(),
            decoration,
        )
        .await?;
        Ok(answer.trim().to_owned())
    }

    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        self.banner();
        let decoration = self.decoration();
        if question.renewal && question.attempt == 1 {
            say(&[&format!(
                "Please enter your password to renew your session for {}",
                terminal_safe(question.site.url())
            )]);
        }
        // Not trimmed: spaces are part of a password. Never shown, not even as stars.
        let answer = ask("password", move || {
            Password::new("Password (empty to abort):")
                .with_render_config(decoration.render_config())
                .with_display_mode(PasswordDisplayMode::Hidden)
                .without_confirmation()
                .prompt()
        })
        .await?;
        if answer.is_empty() {
            return Err(PromptError::Cancelled);
        }
        Ok(Secret::new(answer))
    }

    async fn two_factor_code(&self, _question: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        self.banner();
        let decoration = self.decoration();
        let answer = ask("two_factor_code", move || {
            Text::new("Two factor authentication code (empty to abort):")
                .with_render_config(decoration.render_config())
                .prompt()
        })
        .await?;
        let code = answer.trim();
        if code.is_empty() {
            return Err(PromptError::Cancelled);
        }
        Ok(Secret::new(code))
    }

    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        self.banner();
        let decoration = self.decoration();
        let choices = question.choices.clone();
        if choices.is_empty() {
            return Err(PromptError::InvalidAnswer {
                question: "method",
                reason: "no login method was offered".to_owned(),
            });
        }
        let default_number = choices
            .iter()
            .position(|c| *c == question.default)
            .unwrap_or(0)
            + 1;
        let mut lines = vec![format!(
            "How do you want to log in to {}?",
            terminal_safe(question.site.url())
        )];
        lines.extend(
            choices
                .iter()
                .enumerate()
                .map(|(i, c)| format!("  {}. {c}", i + 1)),
        );
        say(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let offered = choices.clone();
        let typed = ask("method", move || {
            let check = offered.clone();
            Text::new("Login method:")
                .with_render_config(decoration.render_config())
                .with_default(&default_number.to_string())
                .with_validator(move |typed: &str| {
                    Ok(match parse_method(typed, &check) {
                        Ok(_) => Validation::Valid,
                        Err(reason) => Validation::Invalid(reason.into()),
                    })
                })
                .prompt()
        })
        .await?;
        parse_method(&typed, &choices).map_err(|reason| PromptError::InvalidAnswer {
            question: "method",
            reason,
        })
    }

    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        self.banner();
        let decoration = self.decoration();
        let opening = if self.open_browser {
            "Approve this program in your browser; if it did not open, visit:"
        } else {
            "Open this page in a browser and approve this program there:"
        };
        say(&[opening, &format!("  {}", terminal_safe(&question.url))]);
        let (guard, wait) = approval_wait::start(decoration);
        let gave_up = tokio::task::spawn_blocking(wait).await;
        drop(guard);
        match gave_up {
            // `false` (stopped without giving up) happens only when this future is dropped,
            // which the caller does once the approval arrives: nobody sees this answer.
            Ok(_) => PromptError::Cancelled,
            Err(e) => PromptError::Io {
                question: "approve_in_browser",
                source: std::io::Error::other(e),
            },
        }
    }

    async fn show_error(&self, notice: &ErrorNotice) {
        self.banner();
        say(&[&self.decoration().error(&terminal_safe(&notice.message))]);
    }

    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        self.banner();
        say(&[&format!(
            "{}, your current session has expired.",
            terminal_safe(&notice.login)
        )]);
        Ok(())
    }

    async fn wait_for_other_renewal(&self, notice: &RenewalWaitNotice) {
        let (guard, wait) = renewal_wait::start(self.decoration(), notice);
        // The spinner's thread runs until this future is dropped; the guard then stops it
        // and waits for its line to be cleared.
        let _ = tokio::task::spawn_blocking(wait).await;
        drop(guard);
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [MethodChoice; 2] = [MethodChoice::BrowserApproval, MethodChoice::Credentials];

    #[test]
    fn a_method_is_chosen_by_its_number_and_a_bad_answer_is_named() {
        assert_eq!(parse_method(" 2 ", &BOTH), Ok(MethodChoice::Credentials));
        assert_eq!(parse_method("1", &BOTH), Ok(MethodChoice::BrowserApproval));
        for typed in ["0", "3", "-1", "42", "wrong", ""] {
            let reason = parse_method(typed, &BOTH).unwrap_err();
            assert!(reason.contains(&format!("{typed:?}")), "{reason}");
            assert!(reason.contains("1 to 2"), "{reason}");
        }
    }

    #[test]
    fn interruptions_and_the_end_of_input_are_cancellations() {
        assert!(from_inquire("site", InquireError::OperationInterrupted).is_cancelled());
        assert!(from_inquire("site", InquireError::OperationCanceled).is_cancelled());
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert!(from_inquire("password", InquireError::IO(eof)).is_cancelled());
        assert!(from_inquire("password", InquireError::NotTTY).is_non_interactive());
        let other = std::io::Error::other("tty gone");
        assert!(matches!(
            from_inquire("login", InquireError::IO(other)),
            PromptError::Io {
                question: "login",
                ..
            }
        ));
    }
}
