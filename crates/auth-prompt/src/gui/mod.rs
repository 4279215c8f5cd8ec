//! The login window: [`GuiPrompter`] asks, [`LoginDialog`] shows and answers, a
//! [`WindowHost`] runs the window (feature `gui`).

mod dialog;
mod dialog_ui;
mod prompter;
mod window;

pub use dialog::LoginDialog;
pub use prompter::{EmbeddedDialog, GuiPrompter};
pub use window::WindowHost;
