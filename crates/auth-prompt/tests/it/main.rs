//! Behaviour of the prompters, through their public API.

mod browser;
mod console;
#[cfg(feature = "gui")]
mod gui_dialog;
#[cfg(feature = "gui")]
mod gui_rig;
