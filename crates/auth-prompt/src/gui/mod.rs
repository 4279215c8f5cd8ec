//! The login window: [`GuiPrompter`] asks, [`LoginDialog`] shows and answers, a
//! [`WindowHost`] runs the window (feature `gui`).

mod dialog;
mod dialog_ui;
mod fit;
mod prompter;
mod theme;
mod window;

pub use dialog::LoginDialog;
pub use prompter::{EmbeddedDialog, GuiPrompter};
pub use window::WindowHost;
