//! `tk-auth login --method browser` where standard input is not a terminal: the page to
//! open is shown on stderr and the approval awaited, with Ctrl-C (SIGINT) to give up, since
//! a browser approval needs nobody to type anything here.

use std::io::Write as _;

use async_trait::async_trait;
use tk_auth::core::env::TK_AUTH_NONINTERACTIVE;
use tk_auth::prompt::PromptMode;
use tk_auth::prompt::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodQuestion, PasswordQuestion,
    RenewalNotice, SiteQuestion, TwoFactorQuestion,
};
use tk_auth::{MethodChoice, PromptError, Prompter, Secret};

use crate::authenticator::Setup;

/// Shows the approval page and waits; every question that needs typing fails at once, as
/// where nobody can answer.
pub(crate) struct BrowserWait {
    /// Whether the page is also opened in the browser (this changes what is said).
    opened: bool,
}

impl BrowserWait {
    pub(crate) fn new(opened: bool) -> Self {
        Self { opened }
    }
}

/// `prompter`, or where nobody can type, the browser wait: a browser login needs nobody to
/// type, so without a terminal its page is shown and the browser awaited. Being told that
/// nobody is here (`TK_AUTH_PROMPT=none`, `TK_AUTH_NONINTERACTIVE=1`) still refuses it.
pub(crate) fn or_browser_wait(
    setup: &Setup,
    prompter: Box<dyn Prompter>,
    open_browser: bool,
) -> Box<dyn Prompter> {
    if prompter.interface() == Interface::Nobody && may_wait(setup) {
        Box::new(BrowserWait::new(open_browser))
    } else {
        prompter
    }
}

/// Whether a browser may be awaited without a terminal: not when told that nobody is here.
pub(crate) fn may_wait(setup: &Setup) -> bool {
    matches!(PromptMode::from_env(&setup.env), Ok(None)) && !setup.env.flag(TK_AUTH_NONINTERACTIVE)
}

fn refuse(what: &'static str) -> PromptError {
    PromptError::NonInteractive {
        what,
        site: None,
        login: None,
    }
}

/// Writes lines for the person on stderr, where the command's questions go (stdout holds
/// the result); a closed stderr only loses them.
fn say(lines: &[&str]) {
    let mut err = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "{line}");
    }
    let _ = err.flush();
}

/// Completes when the process gets Ctrl-C (SIGINT). The listener is in place when this
/// returns, so a signal that arrives after the page is shown is never the default one,
/// which would end the process without a word.
#[cfg(unix)]
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt())?;
    Ok(async move {
        sigint.recv().await;
    })
}

#[cfg(windows)]
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
    })
}

#[async_trait]
impl Prompter for BrowserWait {
    fn interface(&self) -> Interface {
        Interface::Program
    }
    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        // The current site, as Enter would take it; without one the site must be given.
        question
            .default
            .as_ref()
            .map(|site| site.url().to_owned())
            .ok_or_else(|| refuse("the site"))
    }
    async fn login(&self, _: &LoginQuestion) -> Result<String, PromptError> {
        Err(refuse("the login"))
    }
    async fn password(&self, _: &PasswordQuestion) -> Result<Secret, PromptError> {
        Err(refuse("a password"))
    }
    async fn two_factor_code(&self, _: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        Err(refuse("a two-factor code"))
    }
    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        if question.choices.contains(&MethodChoice::BrowserApproval) {
            Ok(MethodChoice::BrowserApproval)
        } else {
            Err(refuse("a password"))
        }
    }
    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        let interrupted = match interrupted() {
            Ok(interrupted) => interrupted,
            Err(source) => {
                return PromptError::Io {
                    question: "approve_in_browser",
                    source,
                };
            }
        };
        let opening = if self.opened {
            "Approve this program in your browser; if it did not open, visit:"
        } else {
            "Open this page in a browser and approve this program there:"
        };
        say(&[
            opening,
            &format!("  {}", question.url),
            "Waiting for the approval (Ctrl-C to cancel)",
        ]);
        // The login drops this wait once the site answers (approved, refused or expired).
        interrupted.await;
        PromptError::Cancelled
    }
    async fn show_error(&self, notice: &ErrorNotice) {
        say(&[&notice.message]);
    }
    async fn session_expired(&self, _: &RenewalNotice) -> Result<(), PromptError> {
        Ok(())
    }
}
