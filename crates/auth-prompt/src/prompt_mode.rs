//! How a person is asked, and the automatic choice of a prompter.

use std::io::IsTerminal;
use std::str::FromStr;

use tk_auth_core::Env;
use tk_auth_core::env::TK_AUTH_PROMPT;

use crate::interactivity::has_display;
use crate::{ConsolePrompter, NonInteractivePrompter, PromptError, Prompter};

/// How a person is asked for credentials, as `TK_AUTH_PROMPT=gui|console|none` says.
///
/// ```
/// use tk_auth_prompt::PromptMode;
///
/// assert_eq!("Console".parse::<PromptMode>()?, PromptMode::Console);
/// assert!("tty".parse::<PromptMode>().is_err());
/// # Ok::<(), tk_auth_prompt::PromptError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PromptMode {
    /// In a window (needs the `gui` feature and a display).
    Gui,
    /// In the terminal.
    Console,
    /// Nobody is asked: a needed prompt fails at once.
    None,
}

impl PromptMode {
    /// The mode's name, as `TK_AUTH_PROMPT` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gui => "gui",
            Self::Console => "console",
            Self::None => "none",
        }
    }

    /// The mode `TK_AUTH_PROMPT` asks for; `None` when it is unset or empty.
    pub fn from_env(env: &Env) -> Result<Option<Self>, PromptError> {
        match env.var(TK_AUTH_PROMPT).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(value) => parse(&value, TK_AUTH_PROMPT).map(Some),
        }
    }
}

impl std::fmt::Display for PromptMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PromptMode {
    type Err = PromptError;

    /// `gui`, `console` or `none`, in any case, spaces around ignored.
    fn from_str(s: &str) -> Result<Self, PromptError> {
        parse(s, "the prompt mode")
    }
}

fn parse(value: &str, origin: &'static str) -> Result<PromptMode, PromptError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "gui" => Ok(PromptMode::Gui),
        "console" => Ok(PromptMode::Console),
        "none" => Ok(PromptMode::None),
        _ => Err(PromptError::UnknownPromptMode {
            value: value.to_owned(),
            origin,
        }),
    }
}

/// Which mode applies: `mode` when given, else `TK_AUTH_PROMPT`, else the console when
/// standard input is a terminal and nobody otherwise.
///
/// Standard input is checked here rather than left to the console: with a terminal present
/// and standard input piped, the console would read the terminal and ignore the pipe.
pub fn resolve_prompt_mode(
    mode: Option<PromptMode>,
    env: &Env,
    stdin_is_terminal: bool,
) -> Result<PromptMode, PromptError> {
    if let Some(mode) = mode {
        return Ok(mode);
    }
    if let Some(mode) = PromptMode::from_env(env)? {
        return Ok(mode);
    }
    Ok(if stdin_is_terminal {
        PromptMode::Console
    } else {
        PromptMode::None
    })
}

/// The prompter a program should ask through, for the CLI and for programs that embed the
/// login: the mode from [`resolve_prompt_mode`] (with this process's standard input),
/// then:
///
/// - [`PromptMode::Console`] → `console` (configured by the caller, e.g.
///   `ConsolePrompter::new().open_browser(false)`);
/// - [`PromptMode::None`] → [`NonInteractivePrompter`];
/// - [`PromptMode::Gui`] → the login window (`GuiPrompter`), or [`PromptError::NoGui`] in a
///   build without the `gui` feature; where no display exists, the window's error
///   ([`PromptError::NoWindow`]).
///
/// In a build with the `gui` feature, when neither `mode` nor `TK_AUTH_PROMPT` chooses and no
/// console can answer (standard input is not a terminal), the window is used where a display
/// exists: a desktop tool started from a menu still asks in a window.
///
/// The authenticator still checks [`Interactivity`](crate::Interactivity) on top: an
/// explicit console without a terminal, or `TK_AUTH_NONINTERACTIVE=1`, fails prompts at
/// once.
///
/// ```
/// use tk_auth_prompt::{choose_prompter, ConsolePrompter, Env, Interface, PromptMode};
///
/// let env = Env::from_pairs([("TK_AUTH_PROMPT", "none")]);
/// let prompter = choose_prompter(None, &env, ConsolePrompter::new())?;
/// assert_eq!(prompter.interface(), Interface::Nobody);
/// let prompter = choose_prompter(Some(PromptMode::Console), &env, ConsolePrompter::new())?;
/// assert_eq!(prompter.interface(), Interface::Console);
/// # Ok::<(), tk_auth_prompt::PromptError>(())
/// ```
pub fn choose_prompter(
    mode: Option<PromptMode>,
    env: &Env,
    console: ConsolePrompter,
) -> Result<Box<dyn Prompter>, PromptError> {
    let explicit = mode.is_some() || PromptMode::from_env(env)?.is_some();
    let mut mode = resolve_prompt_mode(mode, env, std::io::stdin().is_terminal())?;
    if window_instead(explicit, mode, has_display(env)) {
        mode = PromptMode::Gui;
    }
    tracing::debug!(%mode, "prompter chosen");
    match mode {
        PromptMode::Console => Ok(Box::new(console)),
        PromptMode::None => Ok(Box::new(NonInteractivePrompter)),
        PromptMode::Gui => window(env),
    }
}

/// Whether the automatic choice of nobody becomes the window: in a build with one, where a
/// display exists and no mode was asked for.
fn window_instead(explicit: bool, mode: PromptMode, has_display: bool) -> bool {
    cfg!(feature = "gui") && !explicit && mode == PromptMode::None && has_display
}

#[cfg(feature = "gui")]
fn window(env: &Env) -> Result<Box<dyn Prompter>, PromptError> {
    Ok(Box::new(crate::GuiPrompter::new_in(env)?))
}

#[cfg(not(feature = "gui"))]
fn window(_: &Env) -> Result<Box<dyn Prompter>, PromptError> {
    Err(PromptError::NoGui)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_mode_wins_over_the_variable_and_the_terminal() {
        let env = Env::from_pairs([(TK_AUTH_PROMPT, "none")]);
        assert_eq!(
            resolve_prompt_mode(Some(PromptMode::Console), &env, false).unwrap(),
            PromptMode::Console
        );
        assert_eq!(
            resolve_prompt_mode(None, &env, true).unwrap(),
            PromptMode::None
        );
    }

    #[test]
    fn without_a_choice_the_terminal_decides() {
        let env = Env::empty();
        assert_eq!(
            resolve_prompt_mode(None, &env, true).unwrap(),
            PromptMode::Console
        );
        assert_eq!(
            resolve_prompt_mode(None, &env, false).unwrap(),
            PromptMode::None
        );
        let blank = Env::from_pairs([(TK_AUTH_PROMPT, " ")]);
        assert_eq!(
            resolve_prompt_mode(None, &blank, false).unwrap(),
            PromptMode::None
        );
    }

    #[test]
    fn the_variable_is_read_in_any_case_and_a_bad_value_is_named() {
        let env = Env::from_pairs([(TK_AUTH_PROMPT, " GUI ")]);
        assert_eq!(PromptMode::from_env(&env).unwrap(), Some(PromptMode::Gui));
        let env = Env::from_pairs([(TK_AUTH_PROMPT, "tty")]);
        let err = PromptMode::from_env(&env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown prompt mode \"tty\" in TK_AUTH_PROMPT: use gui, console or none"
        );
    }

    #[cfg(feature = "gui")]
    #[test]
    fn without_a_choice_or_a_console_a_display_brings_the_window() {
        assert!(window_instead(false, PromptMode::None, true));
        assert!(!window_instead(false, PromptMode::None, false));
        assert!(
            !window_instead(true, PromptMode::None, true),
            "none was asked for"
        );
        assert!(!window_instead(false, PromptMode::Console, true));
    }

    #[cfg(all(feature = "gui", unix, not(target_os = "macos")))]
    #[test]
    fn a_window_asked_for_without_a_display_says_why() {
        let err = choose_prompter(Some(PromptMode::Gui), &Env::empty(), ConsolePrompter::new())
            .err()
            .unwrap();
        assert!(matches!(err, PromptError::NoWindow { .. }), "{err}");
        assert!(err.to_string().contains("no display"), "{err}");
    }

    #[cfg(not(feature = "gui"))]
    #[test]
    fn a_window_is_refused_in_a_build_without_one() {
        let err = choose_prompter(Some(PromptMode::Gui), &Env::empty(), ConsolePrompter::new())
            .err()
            .unwrap();
        assert!(matches!(err, PromptError::NoGui));
        assert!(err.to_string().contains("the `gui` feature"), "{err}");
    }
}
