//! Whether anybody can answer a prompt here (Decision 4 in `docs/decisions.md`).

use std::io::IsTerminal;

use tk_auth_core::Env;
use tk_auth_core::env::{DISPLAY, TK_AUTH_NONINTERACTIVE, WAYLAND_DISPLAY};

/// The reason given when nobody can answer, part of [`PromptError::NonInteractive`](crate::PromptError::NonInteractive).
pub(crate) const NONINTERACTIVE_HINT: &str =
    "nobody can answer a prompt here (no terminal or display, or TK_AUTH_NONINTERACTIVE=1)";

/// What a prompter talks through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Interface {
    /// A terminal: needs standard input to be one.
    Console,
    /// A window: needs a display.
    Gui,
    /// The program itself answers (scripted answers, a program's own interface): always
    /// available unless non-interactive mode is asked for.
    Program,
    /// Nobody: every question fails at once.
    Nobody,
}

/// Whether questions can be asked in this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interactivity {
    /// Somebody (or something) can answer.
    Interactive,
    /// Nobody can: a needed prompt must fail at once with a clear error.
    NonInteractive,
}

impl Interactivity {
    /// Decides for a prompter with `interface` in this process: non-interactive when
    /// `TK_AUTH_NONINTERACTIVE` is true, when a console prompter has no terminal on standard
    /// input, or when a window cannot open (no display on Linux).
    pub fn detect(env: &Env, interface: Interface) -> Self {
        Self::decide(
            env.flag(TK_AUTH_NONINTERACTIVE),
            interface,
            std::io::stdin().is_terminal(),
            has_display(env),
        )
    }

    /// The decision itself, from what [`detect`](Self::detect) observes.
    pub fn decide(
        requested_non_interactive: bool,
        interface: Interface,
        stdin_is_terminal: bool,
        has_display: bool,
    ) -> Self {
        let available = match interface {
            Interface::Console => stdin_is_terminal,
            Interface::Gui => has_display,
            Interface::Program => true,
            Interface::Nobody => false,
        };
        if available && !requested_non_interactive {
            Self::Interactive
        } else {
            Self::NonInteractive
        }
    }

    /// Whether questions can be asked.
    pub fn is_interactive(self) -> bool {
        self == Self::Interactive
    }
}

/// Whether a window can open: on Linux and the BSDs only with an X11 or Wayland display.
pub(crate) fn has_display(env: &Env) -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    [DISPLAY, WAYLAND_DISPLAY]
        .iter()
        .any(|v| env.var(v).is_some_and(|d| !d.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Interactivity::{Interactive, NonInteractive};

    #[test]
    fn a_console_needs_a_terminal_and_a_window_needs_a_display() {
        assert_eq!(
            Interactivity::decide(false, Interface::Console, true, false),
            Interactive
        );
        assert_eq!(
            Interactivity::decide(false, Interface::Console, false, true),
            NonInteractive
        );
        assert_eq!(
            Interactivity::decide(false, Interface::Gui, false, true),
            Interactive
        );
        assert_eq!(
            Interactivity::decide(false, Interface::Gui, true, false),
            NonInteractive
        );
        assert_eq!(
            Interactivity::decide(false, Interface::Program, false, false),
            Interactive
        );
        assert_eq!(
            Interactivity::decide(false, Interface::Nobody, true, true),
            NonInteractive
        );
    }

    #[test]
    fn the_environment_variable_makes_every_prompter_non_interactive() {
        for interface in [Interface::Console, Interface::Gui, Interface::Program] {
            assert_eq!(
                Interactivity::decide(true, interface, true, true),
                NonInteractive
            );
        }
        let env = Env::from_pairs([(TK_AUTH_NONINTERACTIVE, "1")]);
        assert_eq!(
            Interactivity::detect(&env, Interface::Program),
            NonInteractive
        );
        let env = Env::from_pairs([(TK_AUTH_NONINTERACTIVE, "0")]);
        assert_eq!(Interactivity::detect(&env, Interface::Program), Interactive);
    }
}
