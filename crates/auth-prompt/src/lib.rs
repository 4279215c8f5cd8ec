//! Asking a person for credentials: the questions a login or a session renewal asks, behind
//! one trait, [`Prompter`], so that the same login flow runs in a terminal, in a window, in a
//! program with its own interface, or on a farm node where nobody can answer.
//!
//! - [`Prompter`] — site (with recent sites), login (with recent users), password,
//!   two-factor code, login method, "approve in your browser" (with cancel), error display,
//!   the renewal notice (site and login fixed), and the wait while another program renews
//!   the same session.
//! - [`ScriptedPrompter`] — answers from a queue and records what was asked; for tests and
//!   for programs that collect credentials their own way.
//! - [`NonInteractivePrompter`] — fails at once with an error that names the site, the login
//!   and the command that fixes it (`tk-auth login --site …`), instead of waiting for an
//!   answer that never comes.
//! - [`ConsolePrompter`] — asks in the terminal (inquire), as Python's console login does.
//! - [`PromptMode`] and [`choose_prompter`] — which of them a program uses: an explicit
//!   mode, else `TK_AUTH_PROMPT=gui|console|none`, else the console when standard input is
//!   a terminal and nobody otherwise.
//! - `GuiPrompter` (feature `gui`) — a login and renewal window on egui/eframe, whose
//!   dialog can also be drawn in a program's own egui interface. Each page is headed by the
//!   product and the site (never with credentials), puts the keyboard focus in its first
//!   empty field, and the window takes the height of its page. Its colours follow the
//!   desktop's light or dark setting where the windowing system reports it (Windows, macOS;
//!   light on Linux); `TK_AUTH_THEME=light|dark|system` forces one, any other value fails
//!   the window's creation with [`PromptError::UnknownTheme`]. Run it alone with
//!   `cargo run -p tk-auth-prompt --features gui --example login_window`.
//! - [`Interactivity`] — whether anybody can answer here: `TK_AUTH_NONINTERACTIVE=1`, no
//!   terminal for a console prompter, no display for a window.
//! - [`terminal_safe`] — text from a site or a file, made safe to write on a terminal.
//! - [`open_in_browser`] — opens a page in the browser (`BROWSER`, else the system's
//!   opener), the page always one argument of a program, never text for a shell.
//!
//! A prompter only asks: it never calls the network and never stores anything.
//!
//! ```
//! use tk_auth_prompt::{Answer, Prompter, ScriptedPrompter, SiteQuestion};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let prompter = ScriptedPrompter::new([Answer::site("https://mysite.shotgunstudio.com")]);
//! let site = prompter
//!     .site(&SiteQuestion { default: None, recent: vec![] })
//!     .await?;
//! assert_eq!(site, "https://mysite.shotgunstudio.com");
//! assert_eq!(prompter.asked().len(), 1);
//! # Ok::<(), tk_auth_prompt::PromptError>(())
//! # }).unwrap();
//! ```

#![deny(missing_docs)]

mod browser;
mod console;
mod error;
#[cfg(feature = "gui")]
mod gui;
mod interactivity;
mod non_interactive;
mod prompt_mode;
mod prompter;
mod questions;
mod scripted;
mod terminal_text;

pub use browser::{open_in_browser, open_in_browser_with};
pub use console::ConsolePrompter;
pub use error::PromptError;
#[cfg(feature = "gui")]
pub use gui::{EmbeddedDialog, GuiPrompter, LoginDialog, WindowHost};
pub use interactivity::{Interactivity, Interface};
pub use non_interactive::NonInteractivePrompter;
pub use prompt_mode::{PromptMode, choose_prompter, resolve_prompt_mode};
pub use prompter::Prompter;
pub use questions::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodChoice, MethodQuestion, PasswordQuestion,
    Question, RenewalNotice, RenewalWaitNotice, SiteDetails, SiteQuestion, TwoFactorQuestion,
};
pub use scripted::{Answer, ScriptedPrompter};
pub use terminal_text::terminal_safe;
pub use tk_auth_core::{Env, Secret};
/// A parsed web address: pages are opened only as one, never as the text a site sent.
pub use url::Url;
