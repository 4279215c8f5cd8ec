//! The window's size follows its page: it opens as tall as the page it shows, grows when the
//! page does (an error message, a long site address) and shrinks back on the next page.

use eframe::egui::{self, Vec2, ViewportCommand};

use super::dialog::{LoginDialog, Page};

/// The window's width (points) when it opens: the login page's labels, fields and menus fit
/// in it; longer text wraps.
pub(crate) const WIDTH: f32 = 470.0;
/// The smallest size the window takes, and the smallest a person can make it.
pub(crate) const MIN_SIZE: Vec2 = egui::vec2(340.0, 150.0);
/// The space around the page (points).
const MARGIN: i8 = 14;
/// The tallest it grows where the monitor's size is unknown; beyond, the page scrolls.
const MAX_HEIGHT: f32 = 720.0;
/// The share of the monitor's height the window may take at most.
const MONITOR_SHARE: f32 = 0.85;

/// Draws `dialog` to fill `ui` and asks the window to take the size that fits the page.
/// `fitted` is the size asked last (`None` before the first frame).
pub(crate) fn show_fitted(ui: &mut egui::Ui, dialog: &mut LoginDialog, fitted: &mut Option<Vec2>) {
    let frame = egui::Frame::central_panel(ui.style()).inner_margin(MARGIN);
    let margin = frame.total_margin().sum();
    let content = egui::CentralPanel::default()
        .frame(frame)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .show(ui, |ui| dialog.ui(ui))
                .content_size
        })
        .inner;
    let ctx = ui.ctx().clone();
    let (monitor, width) = ctx.input(|i| {
        let viewport = i.viewport();
        (
            viewport.monitor_size,
            viewport.inner_rect.map(|r| r.width()),
        )
    });
    let max_height = monitor.map_or(MAX_HEIGHT, |m| (m.y * MONITOR_SHARE).max(MIN_SIZE.y));
    let height = (content.y + margin.y).ceil().clamp(MIN_SIZE.y, max_height);
    // The width is the person's once the window is open; the height follows the page.
    let width = match fitted {
        Some(_) => width.unwrap_or(WIDTH),
        None => WIDTH,
    };
    let wanted = egui::vec2(width, height);
    let keep = match *fitted {
        // Nothing changed (a pixel is rounding).
        Some(last) => {
            (last.y - height).abs() < 1.0
                // While the site answers, the page is short: the window keeps its size
                // rather than shrink and grow again.
                || (dialog.page == Page::Busy && height < last.y)
        }
        None => false,
    };
    if !keep {
        tracing::debug!(
            page = ?dialog.page,
            width = wanted.x,
            height = wanted.y,
            "the login window fits its page"
        );
        *fitted = Some(wanted);
        ctx.send_viewport_cmd(ViewportCommand::InnerSize(wanted));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use eframe::egui::{Pos2, RawInput, Rect, ViewportId, ViewportInfo};

    use super::*;
    use crate::gui::dialog::{Asking, Reply};

    /// Draws `dialog` in a window that takes every size asked of it, until it asks no more;
    /// gives the window's last size.
    fn fitted_size(dialog: &mut LoginDialog, fitted: &mut Option<Vec2>, start: Vec2) -> Vec2 {
        let ctx = egui::Context::default();
        let mut size = start;
        for _ in 0..6 {
            let rect = Rect::from_min_size(Pos2::ZERO, size);
            let mut input = RawInput {
                screen_rect: Some(rect),
                ..Default::default()
            };
            input.viewports.insert(
                ViewportId::ROOT,
                ViewportInfo {
                    inner_rect: Some(rect),
                    monitor_size: Some(egui::vec2(1024.0, 768.0)),
                    ..Default::default()
                },
            );
            let mut output = ctx.run_ui(input, |ui| show_fitted(ui, dialog, fitted));
            // No painter takes the fonts' texture here.
            output.textures_delta.clear();
            let asked = output.viewport_output[&ViewportId::ROOT]
                .commands
                .iter()
                .find_map(|c| match c {
                    ViewportCommand::InnerSize(s) => Some(*s),
                    _ => None,
                });
            match asked {
                Some(s) => size = s,
                None => return size,
            }
        }
        panic!("the window never settled on a size: {size:?}");
    }

    fn login_page() -> (LoginDialog, tokio::sync::oneshot::Receiver<Reply>) {
        let mut dialog = LoginDialog::new(Arc::new(|_| true));
        let answer = dialog.ask(Asking::Login, Page::Login);
        dialog.site = "https://mystudio.shotgrid.autodesk.com".to_owned();
        (dialog, answer)
    }

    #[test]
    fn the_window_opens_as_tall_as_its_page_at_its_own_width() {
        let (mut dialog, _answer) = login_page();
        let size = fitted_size(&mut dialog, &mut None, egui::vec2(WIDTH, 600.0));
        assert!((size.x - WIDTH).abs() < 0.5, "{size:?}");
        // The page's heading, three fields, the menu and the buttons: no tall empty frame.
        assert!(
            (MIN_SIZE.y..300.0).contains(&size.y),
            "the login page got {size:?}"
        );
        // The two-factor page is shorter than the login page.
        let mut dialog = LoginDialog::new(Arc::new(|_| true));
        let _answer = dialog.ask(Asking::Code, Page::TwoFactor);
        dialog.site = "https://mystudio.shotgrid.autodesk.com".to_owned();
        let code = fitted_size(&mut dialog, &mut None, egui::vec2(WIDTH, 600.0));
        assert!(code.y < size.y, "two-factor {code:?}, login {size:?}");
    }

    #[test]
    fn a_long_error_and_a_long_site_make_the_window_taller_and_it_shrinks_back() {
        let (mut dialog, _answer) = login_page();
        let mut fitted = None;
        let plain = fitted_size(&mut dialog, &mut fitted, egui::vec2(WIDTH, 260.0));
        dialog.message = Some(
            "Could not connect to the site: the connection was refused by the server, \
             which may be down or behind a proxy that this computer does not use."
                .to_owned(),
        );
        let error = fitted_size(&mut dialog, &mut fitted, plain);
        assert!(
            error.y > plain.y + 20.0,
            "with an error {error:?}, without {plain:?}"
        );
        dialog.message = None;
        dialog.site = format!(
            "https://{}.shotgrid.autodesk.com",
            "a-very-long-studio-name".repeat(4)
        );
        let long_site = fitted_size(&mut dialog, &mut fitted, error);
        assert!(
            long_site.y > plain.y,
            "with a long site {long_site:?}, {plain:?}"
        );
        assert!(
            (long_site.x - WIDTH).abs() < 0.5,
            "the site's address wraps instead of widening: {long_site:?}"
        );
        dialog.site = "https://mystudio.shotgrid.autodesk.com".to_owned();
        let back = fitted_size(&mut dialog, &mut fitted, long_site);
        assert_eq!(back, plain);
    }

    #[test]
    fn while_the_site_answers_the_window_keeps_its_size() {
        let (mut dialog, _answer) = login_page();
        let mut fitted = None;
        let login = fitted_size(&mut dialog, &mut fitted, egui::vec2(WIDTH, 260.0));
        dialog.reply(Ok(()));
        assert_eq!(dialog.page, Page::Busy);
        assert_eq!(fitted_size(&mut dialog, &mut fitted, login), login);
    }
}
