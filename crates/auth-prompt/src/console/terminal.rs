//! What the console prompter writes besides its questions, and how it looks: colours only on
//! a terminal and without `NO_COLOR`.

use std::io::{IsTerminal, Write};

use inquire::ui::RenderConfig;
use tk_auth_core::Env;
use tk_auth_core::env::NO_COLOR;

/// How the prompter decorates what it writes on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decoration {
    /// Colours (a terminal on stderr and no `NO_COLOR`).
    pub(crate) color: bool,
    /// Redrawn lines such as the spinner (a terminal on stderr).
    pub(crate) animate: bool,
}

impl Decoration {
    pub(crate) fn detect(env: &Env) -> Self {
        Self::decide(std::io::stderr().is_terminal(), env.is_set(NO_COLOR))
    }

    pub(crate) fn decide(stderr_is_terminal: bool, no_color: bool) -> Self {
        Self {
            color: stderr_is_terminal && !no_color,
            animate: stderr_is_terminal,
        }
    }

    /// inquire's look for these decorations.
    pub(crate) fn render_config(self) -> RenderConfig<'static> {
        if self.color {
            RenderConfig::default_colored()
        } else {
            RenderConfig::empty()
        }
    }

    /// `text` as a heading (bold when colours are on).
    pub(crate) fn heading(self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `text` as an error (red when colours are on).
    pub(crate) fn error(self, text: &str) -> String {
        if self.color {
            format!("\x1b[91m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Writes lines on stderr, where the questions are; a closed stderr is not worth failing a
/// login for.
pub(crate) fn say(lines: &[&str]) {
    let mut err = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "{line}");
    }
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_need_a_terminal_and_no_no_color() {
        assert_eq!(
            Decoration::decide(true, false),
            Decoration {
                color: true,
                animate: true
            }
        );
        assert_eq!(
            Decoration::decide(true, true),
            Decoration {
                color: false,
                animate: true
            }
        );
        assert_eq!(
            Decoration::decide(false, false),
            Decoration {
                color: false,
                animate: false
            }
        );
        let plain = Decoration::decide(false, false);
        assert_eq!(plain.error("Login failed"), "Login failed");
        assert_eq!(plain.heading("[x]"), "[x]");
        assert!(Decoration::decide(true, false).error("e").contains("\x1b["));
    }
}
