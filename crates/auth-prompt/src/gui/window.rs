//! The window that shows the dialog: opened by a [`WindowHost`] on the thread that runs it,
//! when a question arrives, and closed when the login or renewal ends.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use eframe::egui;

use super::dialog::LoginDialog;
use super::fit::{self, MIN_SIZE, WIDTH};
use super::theme::WindowTheme;
use crate::PromptError;

/// What the prompter and the window share.
pub(crate) struct Shared {
    pub(crate) dialog: Mutex<LoginDialog>,
    /// The open window's context, to wake it when a question arrives.
    context: Mutex<Option<egui::Context>>,
    /// Asks the host to open the window; `None` when the program draws the dialog itself.
    host: Option<mpsc::Sender<()>>,
    /// Whether the host has a window open (or is opening one), and the signal that it closed.
    window_open: Mutex<bool>,
    window_closed: Condvar,
}

impl Shared {
    pub(crate) fn new(dialog: LoginDialog, host: Option<mpsc::Sender<()>>) -> Self {
        Self {
            dialog: Mutex::new(dialog),
            context: Mutex::new(None),
            host,
            window_open: Mutex::new(false),
            window_closed: Condvar::new(),
        }
    }

    pub(crate) fn dialog(&self) -> MutexGuard<'_, LoginDialog> {
        // A panic while drawing leaves plain data behind: keep going with it.
        self.dialog.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn context(&self) -> MutexGuard<'_, Option<egui::Context>> {
        self.context.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Shows what changed: repaints the open window, or asks the host to open one.
    pub(crate) fn wake(&self) {
        if let Some(context) = self.context().as_ref() {
            context.request_repaint();
        }
        if let Some(host) = &self.host {
            // A host that has stopped is seen by the question, which then fails.
            let _ = host.send(());
        }
    }

    fn window_open(&self) -> MutexGuard<'_, bool> {
        self.window_open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the window open when the dialog wants one; says whether it does. The dialog's
    /// lock is held meanwhile, so a login that ends at that moment sees the window as open
    /// and waits for it to close.
    pub(crate) fn open_window_if_wanted(&self) -> bool {
        let dialog = self.dialog();
        let wanted = dialog.wants_window();
        if wanted {
            *self.window_open() = true;
        }
        wanted
    }

    /// Marks the window closed (torn down, or never opened) and wakes whoever waits for it.
    pub(crate) fn window_gone(&self) {
        *self.window_open() = false;
        self.window_closed.notify_all();
    }

    /// Waits until no window is open, at most `limit`; says whether none is.
    ///
    /// A program that exits while its window is being torn down can crash in the graphics
    /// driver's exit handlers, so the end of a login waits for the window to be gone.
    pub(crate) fn wait_window_closed(&self, limit: Duration) -> bool {
        let open = self.window_open();
        let (open, _) = self
            .window_closed
            .wait_timeout_while(open, limit, |open| *open)
            .unwrap_or_else(PoisonError::into_inner);
        !*open
    }

    /// Whether a host runs the window (false when the program draws the dialog itself).
    pub(crate) fn has_host(&self) -> bool {
        self.host.is_some()
    }

    /// Whether a host still runs to open windows (always true when the program draws).
    pub(crate) fn host_alive(&self) -> bool {
        self.host.as_ref().is_none_or(|h| h.send(()).is_ok())
    }
}

/// Runs the login window for a [`GuiPrompter`](crate::GuiPrompter) on the thread that calls
/// [`run`](Self::run): open while a login or renewal asks something, closed in between.
///
/// [`GuiPrompter::new`](crate::GuiPrompter::new) runs it on a thread of its own where the
/// platform allows; on macOS, where windows live on the main thread, get one from
/// [`GuiPrompter::with_window_host`](crate::GuiPrompter::with_window_host) and run it there.
pub struct WindowHost {
    shared: Arc<Shared>,
    requests: mpsc::Receiver<()>,
    theme: WindowTheme,
}

impl std::fmt::Debug for WindowHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowHost").finish_non_exhaustive()
    }
}

impl WindowHost {
    pub(crate) fn new(
        shared: Arc<Shared>,
        requests: mpsc::Receiver<()>,
        theme: WindowTheme,
    ) -> Self {
        Self {
            shared,
            requests,
            theme,
        }
    }

    /// Opens the window whenever a login or renewal asks something; returns only if the
    /// prompter's side is gone, so a thread running it lives as long as the program.
    pub fn run(self) {
        loop {
            if !self.shared.open_window_if_wanted() {
                if self.requests.recv().is_err() {
                    return;
                }
                continue;
            }
            let outcome = self.show();
            *self.shared.context() = None;
            self.shared.window_gone();
            // The window closes only when told to (a close from the desktop is cancelled and
            // asks first); a question that came meanwhile opens it again.
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "the login window could not open");
                let reason = e.to_string();
                self.shared.dialog().fail(|| PromptError::Io {
                    question: "login window",
                    source: std::io::Error::other(reason.clone()),
                });
            }
        }
    }

    fn show(&self) -> Result<(), eframe::Error> {
        let shared = Arc::clone(&self.shared);
        let theme = self.theme;
        let options = eframe::NativeOptions {
            viewport: egui::ViewportBuilder::default()
                .with_title("Flow Production Tracking Login")
                .with_app_id("tk-auth-login")
                // The first frame fits the height to the page.
                .with_inner_size([WIDTH, 260.0])
                .with_min_inner_size(MIN_SIZE),
            centered: true,
            event_loop_builder: Some(Box::new(|builder| {
                any_thread(builder);
            })),
            ..Default::default()
        };
        eframe::run_native(
            "Flow Production Tracking Login",
            options,
            Box::new(move |creation| {
                theme.apply(&creation.egui_ctx);
                tracing::debug!(?theme, "the login window opens");
                *shared.context() = Some(creation.egui_ctx.clone());
                Ok(Box::new(DialogApp {
                    shared,
                    fitted: None,
                }))
            }),
        )
    }
}

/// Lets the event loop run off the main thread where the platform allows it.
#[allow(
    clippy::needless_pass_by_ref_mut,
    reason = "the builder is only changed on some platforms"
)]
fn any_thread(builder: &mut winit::event_loop::EventLoopBuilder<eframe::UserEvent>) {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    winit::platform::x11::EventLoopBuilderExtX11::with_any_thread(builder, true);
    #[cfg(target_os = "windows")]
    winit::platform::windows::EventLoopBuilderExtWindows::with_any_thread(builder, true);
    let _ = builder;
}

/// The dialog as an eframe application.
struct DialogApp {
    shared: Arc<Shared>,
    /// The size last asked of the window, to fit its page.
    fitted: Option<egui::Vec2>,
}

impl eframe::App for DialogApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut dialog = self.shared.dialog();
        if ctx.input(|i| i.viewport().close_requested()) && !dialog.finished {
            // Closing asks first, as tk-core's dialog does.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            dialog.request_cancel();
        }
        fit::show_fitted(ui, &mut dialog, &mut self.fitted);
        if dialog.finished {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        // The page's own background, also where the window is larger than the page for a
        // frame (eframe's default is a dark grey, whatever the theme).
        visuals.panel_fill.to_normalized_gamma_f32()
    }
}
