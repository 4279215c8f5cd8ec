//! The authenticator the `login`, `whoami` and `token` commands share: the process
//! environment, the Toolkit defaults, and the prompter chosen for this process. Commands
//! use the façade's blocking API, which runs what needs the network on a runtime of its own
//! and reads local files on the calling thread.

use tk_auth::blocking::{ShotgunAuthenticator, ShotgunUser};
use tk_auth::core::env::{DISPLAY, WAYLAND_DISPLAY};
use tk_auth::prompt::{ConsolePrompter, PromptMode, choose_prompter};
use tk_auth::{AuthOptions, Defaults, Env, Prompter};

use crate::exit::Failure;

/// What the commands read once: the environment and the defaults on it.
pub(crate) struct Setup {
    pub(crate) env: Env,
    pub(crate) defaults: Defaults,
}

impl Setup {
    pub(crate) fn from_process() -> Result<Self, Failure> {
        let env = Env::process();
        let defaults = Defaults::from_env_with(&env).map_err(Failure::bad_input)?;
        Ok(Self { env, defaults })
    }

    /// Whether the approval page can be opened in a browser here: not when asked not to,
    /// nor on Linux without a display.
    pub(crate) fn can_open_browser(&self, no_browser: bool) -> bool {
        if no_browser {
            return false;
        }
        cfg!(any(target_os = "macos", target_os = "windows"))
            || [DISPLAY, WAYLAND_DISPLAY]
                .iter()
                .any(|v| self.env.var(v).is_some_and(|d| !d.is_empty()))
    }

    /// The prompter for this process: `mode` when given (`--gui`), else `TK_AUTH_PROMPT`,
    /// else the console when standard input is a terminal, else nobody.
    pub(crate) fn prompter(
        &self,
        open_browser: bool,
        mode: Option<PromptMode>,
    ) -> Result<Box<dyn Prompter>, Failure> {
        let console = ConsolePrompter::new()
            .environment(self.env.clone())
            .open_browser(open_browser);
        choose_prompter(mode, &self.env, console).map_err(Failure::bad_input)
    }

    /// An authenticator asking through `prompter`.
    pub(crate) fn authenticator(
        &self,
        prompter: impl Prompter + 'static,
        open_browser: bool,
        options: impl FnOnce(AuthOptions) -> AuthOptions,
    ) -> ShotgunAuthenticator {
        let auth_options = AuthOptions::new().environment(self.env.clone());
        // The approval flow ends when the opener reports a failure; here the prompter shows
        // the page's address in any case, so a browser that is not opened (or could not
        // start) leaves the page to be opened by hand instead.
        let auth_options = if open_browser {
            let system = auth_options.browser_opener();
            auth_options.open_browser(move |url| {
                if !system(url) {
                    tracing::warn!("the browser could not be started: open the page shown by hand");
                }
                true
            })
        } else {
            auth_options.open_browser(|_| true)
        };
        ShotgunAuthenticator::with_options(self.defaults.clone(), prompter, options(auth_options))
    }

    /// An authenticator asking through the prompter chosen for this process, opening the
    /// browser where one can be opened.
    pub(crate) fn prompting_authenticator(&self) -> Result<ShotgunAuthenticator, Failure> {
        let open_browser = self.can_open_browser(false);
        let prompter = self.prompter(open_browser, None)?;
        Ok(self.authenticator(prompter, open_browser, |o| o))
    }
}

/// The default user of `authenticator`; none is "not logged in" (exit 4).
pub(crate) fn default_user(authenticator: &ShotgunAuthenticator) -> Result<ShotgunUser, Failure> {
    authenticator
        .get_default_user()
        .map_err(Failure::from_auth)?
        .ok_or_else(|| {
            Failure::auth_required(anyhow::anyhow!("not logged in")).hint("run `tk-auth login`")
        })
}
