//! `GuiPrompter`: the questions of the login flow, asked one at a time, answered by one
//! dialog that shows several of them on one page.
//!
//! The flow asks site → (the site is consulted) → method → login → password → code. The
//! login page shows site, login and password together, so:
//! - the site question shows the login page; OK answers the site and keeps what else was
//!   typed for the questions that follow;
//! - the method question is answered by the person's pick from the menu, else by login and
//!   password when they were typed, else by the flow's default, as in tk-core's login dialog;
//! - the login and password questions take what was typed, and show the page again only for
//!   what is missing (or after a refused password);
//! - a renewal fixes site and login from the request; the page shows only the password.

use std::sync::{Arc, OnceLock, mpsc};

use async_trait::async_trait;
use tk_auth_core::{Env, Secret};
use url::Url;

use super::dialog::{Asking, LoginDialog, Page};
use super::theme::WindowTheme;
use super::window::{Shared, WindowHost};
use crate::interactivity::has_display;
use crate::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodChoice, MethodQuestion,
    PasswordQuestion, PromptError, Prompter, RenewalNotice, SiteDetails, SiteQuestion,
    TwoFactorQuestion,
};

/// Asks for credentials in a window (egui): the login dialog, the two-factor and backup-code
/// pages, the wait for a browser approval, and the renewal of an expired session.
///
/// One dialog serves a whole login: the window opens at the first question and closes when
/// the login ends. Questions may come from any thread; the window runs on its own thread
/// ([`new`](Self::new)), on a thread the program gives it
/// ([`with_window_host`](Self::with_window_host), e.g. the main thread on macOS), or inside
/// the program's own egui interface ([`embedded`](Self::embedded)).
#[derive(Clone)]
pub struct GuiPrompter {
    shared: Arc<Shared>,
    /// A window needs a display; a dialog the program draws is always there.
    interface: Interface,
}

impl std::fmt::Debug for GuiPrompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuiPrompter").finish_non_exhaustive()
    }
}

/// The prompter of the window thread, shared by every [`GuiPrompter::new`].
static WINDOWED: OnceLock<GuiPrompter> = OnceLock::new();

/// The longest a finished login waits for its window to close.
const CLOSE_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where no display exists, the reason given.
const NO_DISPLAY: &str = "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)";

impl GuiPrompter {
    /// A prompter whose window runs on a thread of its own. Every prompter made here shares
    /// that window and its thread, which lives as long as the program: a process has one
    /// event loop.
    ///
    /// Fails with [`PromptError::NoWindow`] where no window can open: no display, or macOS
    /// (whose windows live on the main thread: use [`with_window_host`](Self::with_window_host)),
    /// and with [`PromptError::UnknownTheme`] when `TK_AUTH_THEME` names no theme.
    pub fn new() -> Result<Self, PromptError> {
        Self::new_in(&Env::process())
    }

    /// [`new`](Self::new), with the display taken from `env`.
    pub(crate) fn new_in(env: &Env) -> Result<Self, PromptError> {
        if cfg!(target_os = "macos") {
            return Err(PromptError::NoWindow {
                reason: "on macOS the window runs on the main thread: use GuiPrompter::with_window_host",
            });
        }
        if !has_display(env) {
            return Err(PromptError::NoWindow { reason: NO_DISPLAY });
        }
        if let Some(prompter) = WINDOWED.get() {
            return Ok(prompter.clone());
        }
        let (prompter, host) = Self::with_window_host_in(env)?;
        std::thread::Builder::new()
            .name("tk-auth-login-window".to_owned())
            .spawn(move || host.run())
            .map_err(|source| PromptError::Io {
                question: "login window",
                source,
            })?;
        Ok(WINDOWED.get_or_init(|| prompter).clone())
    }

    /// A prompter and the host of its window, to run with [`WindowHost::run`] on a thread
    /// of the program's choosing (the main thread on macOS). The window's colours follow
    /// `TK_AUTH_THEME` (see [`new`](Self::new)).
    pub fn with_window_host() -> Result<(Self, WindowHost), PromptError> {
        Self::with_window_host_in(&Env::process())
    }

    fn with_window_host_in(env: &Env) -> Result<(Self, WindowHost), PromptError> {
        if !has_display(env) {
            return Err(PromptError::NoWindow { reason: NO_DISPLAY });
        }
        let theme = WindowTheme::from_env(env)?;
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared::new(
            LoginDialog::new(Arc::new({
                let env = env.clone();
                move |url: &Url| crate::open_in_browser_with(&env, url)
            })),
            Some(sender),
        ));
        let host = WindowHost::new(Arc::clone(&shared), receiver, theme);
        let prompter = Self {
            shared,
            interface: Interface::Gui,
        };
        Ok((prompter, host))
    }

    /// A prompter whose dialog the program draws itself, in its own egui interface, by
    /// calling [`LoginDialog::ui`] on the returned handle every frame. `open_link` opens the
    /// "forgot password" page and says whether it could.
    pub fn embedded(
        open_link: impl Fn(&Url) -> bool + Send + Sync + 'static,
    ) -> (Self, EmbeddedDialog) {
        let shared = Arc::new(Shared::new(LoginDialog::new(Arc::new(open_link)), None));
        (
            Self {
                shared: Arc::clone(&shared),
                interface: Interface::Program,
            },
            EmbeddedDialog { shared },
        )
    }

    /// Shows `page` for `asking` after `prepare`, and waits for the answer.
    async fn ask(
        &self,
        asking: Asking,
        page: Page,
        prepare: impl FnOnce(&mut LoginDialog),
    ) -> Result<(), PromptError> {
        let answer = {
            let mut dialog = self.shared.dialog();
            prepare(&mut dialog);
            dialog.ask(asking, page)
        };
        self.shared.wake();
        // A dropped question (a newer one replaced it) is a cancellation.
        answer.await.unwrap_or(Err(PromptError::Cancelled))
    }
}

/// The dialog of an [`embedded`](GuiPrompter::embedded) prompter, for the program to draw.
#[derive(Clone)]
pub struct EmbeddedDialog {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EmbeddedDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedDialog").finish_non_exhaustive()
    }
}

impl EmbeddedDialog {
    /// Draws the dialog (see [`LoginDialog::ui`]).
    pub fn ui(&self, ui: &mut eframe::egui::Ui) {
        self.shared.dialog().ui(ui);
    }

    /// Whether a login or renewal is under way (the dialog has something to show).
    pub fn is_open(&self) -> bool {
        self.shared.dialog().wants_window()
    }
}

/// Guards a browser-approval wait: when the caller stops waiting (the approval arrived),
/// the page goes.
struct Withdraw<'a>(&'a Shared);

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.0.dialog().withdraw(Asking::Approval);
        self.0.wake();
    }
}

#[async_trait]
impl Prompter for GuiPrompter {
    fn interface(&self) -> Interface {
        self.interface
    }

    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        self.ask(Asking::Site, Page::Login, |d| {
            d.recent_sites = question.recent.iter().map(|s| s.url().to_owned()).collect();
            if d.site.is_empty() {
                d.site = question
                    .default
                    .as_ref()
                    .or_else(|| question.recent.first())
                    .map(|s| s.url().to_owned())
                    .unwrap_or_default();
            }
        })
        .await?;
        Ok(self.shared.dialog().site.clone())
    }

    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
        let typed = {
            let mut d = self.shared.dialog();
            question.site.url().clone_into(&mut d.site);
            d.recent_logins.clone_from(&question.recent);
            d.method = MethodChoice::Credentials;
            (!d.login.is_empty()).then(|| d.login.clone())
        };
        let login = if let Some(login) = typed {
            login
        } else {
            self.ask(Asking::Login, Page::Login, |d| {
                if let Some(default) = &question.default {
                    d.login.clone_from(default);
                }
            })
            .await?;
            self.shared.dialog().login.clone()
        };
        // The flow has its login: password retries keep it.
        self.shared.dialog().login_editable = false;
        Ok(login)
    }

    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        {
            let mut d = self.shared.dialog();
            if question.renewal && d.renewal.is_none() {
                d.start_renewal(&RenewalNotice {
                    site: question.site.clone(),
                    login: question.login.clone(),
                });
            }
            // The flow's site and login are the ones shown, whatever was typed.
            question.site.url().clone_into(&mut d.site);
            d.login.clone_from(&question.login);
            d.login_editable = false;
            d.method = MethodChoice::Credentials;
            if d.password_ready && question.attempt <= 1 {
                return Ok(d.take_password());
            }
            d.password.clear();
        }
        self.ask(Asking::Password, Page::Login, |_| {}).await?;
        Ok(self.shared.dialog().take_password())
    }

    async fn two_factor_code(&self, question: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        self.ask(Asking::Code, Page::TwoFactor, |d| {
            question.site.url().clone_into(&mut d.site);
            d.code.clear();
        })
        .await?;
        Ok(self.shared.dialog().take_code())
    }

    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        let offered = |m: MethodChoice| question.choices.contains(&m);
        let decided = {
            let mut d = self.shared.dialog();
            d.methods.clone_from(&question.choices);
            let decided = if d.method_picked && offered(d.method) {
                Some(d.method)
            } else if d.password_ready && offered(MethodChoice::Credentials) {
                // Login and password typed on the page: the person chose them.
                Some(MethodChoice::Credentials)
            } else if d.submitted {
                Some(question.default)
            } else {
                // The page was not shown yet (a fixed site): show it with the default
                // method, which the menu can change.
                None
            };
            d.method = decided.unwrap_or(question.default);
            decided
        };
        if let Some(choice) = decided {
            return Ok(choice);
        }
        self.ask(Asking::Method, Page::Login, |d| {
            question.site.url().clone_into(&mut d.site);
        })
        .await?;
        Ok(self.shared.dialog().method)
    }

    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        let _withdraw = Withdraw(&self.shared);
        let answer = self
            .ask(Asking::Approval, Page::Approval, |d| {
                question.site.url().clone_into(&mut d.site);
                d.approval_url = Some(question.url.clone());
            })
            .await;
        answer.err().unwrap_or(PromptError::Cancelled)
    }

    async fn show_error(&self, notice: &ErrorNotice) {
        tracing::info!(site = %notice.site, message = %notice.message, "login error shown");
        self.shared.dialog().message = Some(notice.message.clone());
        self.shared.wake();
    }

    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        if !self.shared.host_alive() {
            return Err(PromptError::NoWindow {
                reason: "the window's host thread has stopped",
            });
        }
        self.shared.dialog().start_renewal(notice);
        Ok(())
    }

    async fn site_details(&self, details: &SiteDetails) {
        let mut d = self.shared.dialog();
        d.auth_type.clone_from(&details.auth_type);
        if !details.methods.is_empty() {
            d.methods.clone_from(&details.methods);
        }
    }

    async fn finished(&self) {
        {
            let mut d = self.shared.dialog();
            d.reset();
            d.finished = true;
        }
        self.shared.wake();
        if self.shared.has_host() {
            // The login ends when its window is gone: a program that exits right after must
            // not exit while the window is being torn down.
            let shared = Arc::clone(&self.shared);
            let closed = match tokio::runtime::Handle::try_current() {
                Ok(runtime) => runtime
                    .spawn_blocking(move || shared.wait_window_closed(CLOSE_LIMIT))
                    .await
                    .unwrap_or(false),
                Err(_) => shared.wait_window_closed(CLOSE_LIMIT),
            };
            if !closed {
                tracing::warn!(
                    limit_s = CLOSE_LIMIT.as_secs(),
                    "the login window did not close in time"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn without_a_display_no_window_is_offered_and_the_error_says_why() {
        let Err(e) = GuiPrompter::with_window_host_in(&Env::empty()) else {
            panic!("a window host without a display");
        };
        assert_eq!(
            e.to_string(),
            "cannot open the login window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
        );
        let with_display = Env::from_pairs([("DISPLAY", ":99")]);
        assert!(GuiPrompter::with_window_host_in(&with_display).is_ok());
    }

    /// A prompter whose host is not run: the test plays the window's part.
    fn prompter_with_idle_host() -> (GuiPrompter, WindowHost) {
        let display = Env::from_pairs([("DISPLAY", ":99")]);
        match GuiPrompter::with_window_host_in(&display) {
            Ok(pair) => pair,
            Err(e) => panic!("a window host with a display: {e}"),
        }
    }

    #[tokio::test]
    async fn a_finished_login_returns_only_once_its_window_is_gone() {
        let (prompter, _host) = prompter_with_idle_host();
        prompter.shared.dialog().finished = false;
        assert!(
            prompter.shared.open_window_if_wanted(),
            "a question wants the window"
        );
        let window = Arc::clone(&prompter.shared);
        let closing = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            window.window_gone();
        });
        prompter.finished().await;
        assert!(
            prompter
                .shared
                .wait_window_closed(std::time::Duration::ZERO),
            "the login ended while its window was still open"
        );
        closing.join().unwrap();
    }

    #[tokio::test]
    async fn a_finished_login_with_no_window_open_returns_at_once() {
        let (prompter, _host) = prompter_with_idle_host();
        prompter.finished().await;
        assert!(
            !prompter.shared.open_window_if_wanted(),
            "a finished login wants no window"
        );
    }

    #[test]
    fn a_window_that_never_closes_is_waited_for_only_up_to_the_limit() {
        let (prompter, _host) = prompter_with_idle_host();
        prompter.shared.dialog().finished = false;
        assert!(prompter.shared.open_window_if_wanted());
        assert!(
            !prompter
                .shared
                .wait_window_closed(std::time::Duration::from_millis(20))
        );
    }
}
