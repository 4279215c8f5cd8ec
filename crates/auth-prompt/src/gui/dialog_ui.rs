//! Drawing the login dialog, one page at a time, and turning clicks and keys into answers.

use eframe::egui::{self, Align, Button, Key, Layout, Response, RichText, TextEdit, Ui};

use super::dialog::{CONFIRM_CANCEL, EXPIRED, Field, LoginDialog, Page};
use crate::MethodChoice;

const FIELD_WIDTH: f32 = 280.0;
/// The narrowest a page's button is.
const BUTTON_WIDTH: f32 = 72.0;
/// The product, as the heading names it.
const PRODUCT: &str = "Flow Production Tracking";

impl LoginDialog {
    /// Draws the dialog into `ui` and acts on what the person did: typing, clicking, Enter
    /// (OK) and Esc (asks whether to cancel).
    pub fn ui(&mut self, ui: &mut Ui) {
        let escape = ui.input(|i| i.key_pressed(Key::Escape));
        ui.vertical(|ui| {
            self.header(ui);
            match self.page {
                Page::Login => self.login_page(ui),
                Page::TwoFactor | Page::BackupCode => self.code_page(ui),
                Page::Approval => self.approval_page(ui),
                Page::Busy => self.busy_page(ui),
            }
        });
        if self.focus_pending {
            // From the next frame on, keys reach the page's field (a test typing through the
            // real window waits for this line, and checks the field).
            tracing::debug!(
                page = ?self.page,
                field = ?self.focus_field(),
                "the login window shows a page ready for typing"
            );
            self.focus_pending = false;
        }
        if self.confirming_cancel {
            if escape {
                // Esc on the question means "No".
                self.confirm_cancel(false);
            } else {
                self.confirmation(ui.ctx());
            }
        } else if escape {
            self.request_cancel();
        } else if matches!(self.page, Page::Login | Page::TwoFactor | Page::BackupCode)
            && ui.input(|i| i.key_pressed(Key::Enter))
        {
            self.submit();
        }
    }

    /// The product and, once the flow has it, the site the page is about.
    fn header(&self, ui: &mut Ui) {
        ui.label(RichText::new(PRODUCT).heading().strong());
        let size = 15.0;
        match self.shown_site() {
            // A long address wraps rather than widen the window.
            Some(site) => ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 0.0;
                ui.label(RichText::new("Sign in to ").size(size));
                ui.label(RichText::new(site).size(size).strong());
            }),
            None => ui.horizontal(|ui| {
                ui.label(RichText::new("Sign in to your site").size(size));
            }),
        };
        ui.separator();
        ui.add_space(2.0);
    }

    fn login_page(&mut self, ui: &mut Ui) {
        if self.renewal.is_some() {
            ui.label(EXPIRED);
            ui.add_space(4.0);
        }
        let focus = if self.focus_pending {
            self.focus_field()
        } else {
            None
        };
        let renewal = self.renewal.is_some();
        // Once the site is answered the flow has it: the field only shows it, without any
        // credentials it was given with.
        let site_editable = self.site_editable();
        let mut shown_site = self.shown_site().unwrap_or_default();
        let site = if site_editable {
            &mut self.site
        } else {
            &mut shown_site
        };
        let credentials = self.method == MethodChoice::Credentials;
        egui::Grid::new("login-fields")
            .num_columns(3)
            .spacing([8.0, 8.0])
            .show(ui, |ui| {
                let response = text_field(ui, "Site:", site, site_editable, false);
                take_focus(&response, focus == Some(Field::Site));
                recent_menu(ui, "Recent sites", &self.recent_sites, site, site_editable);
                ui.end_row();
                if credentials {
                    let editable = self.login_editable && !renewal;
                    let response = text_field(ui, "Login:", &mut self.login, editable, false);
                    take_focus(&response, focus == Some(Field::Login));
                    recent_menu(
                        ui,
                        "Recent logins",
                        &self.recent_logins,
                        &mut self.login,
                        editable,
                    );
                    ui.end_row();
                    let response = text_field(ui, "Password:", &mut self.password, true, true);
                    take_focus(&response, focus == Some(Field::Password));
                    ui.end_row();
                }
            });
        if !credentials {
            ui.add_space(4.0);
            ui.label(
                "Sign in with the App Session Launcher: your browser opens to approve this \
                 program.",
            );
        }
        if !renewal && self.methods.len() > 1 {
            ui.menu_button("Sign-in options", |ui| {
                // Every offered method shows; the current one is disabled (as in tk-core's menu).
                for method in self.methods.clone() {
                    let button = Button::new(method.label());
                    if ui.add_enabled(method != self.method, button).clicked() {
                        self.pick_method(method);
                        ui.close();
                    }
                }
            });
        }
        if self.forgot_password_url().is_some() && ui.link("Forgot your password?").clicked() {
            self.open_forgot_password();
        }
        self.message_line(ui);
        self.buttons(ui, "Sign In");
    }

    fn code_page(&mut self, ui: &mut Ui) {
        let backup = self.page == Page::BackupCode;
        ui.label(if backup {
            "Enter one of your backup codes."
        } else {
            "Enter the code generated by your authenticator app (Google Authenticator or Duo \
             Mobile)."
        });
        let label = if backup { "Backup code:" } else { "Code:" };
        ui.add_space(4.0);
        let response = ui
            .horizontal(|ui| text_field(ui, label, &mut self.code, true, false))
            .inner;
        take_focus(&response, self.focus_pending);
        let other = if backup {
            "Use the authenticator app"
        } else {
            "Use a backup code"
        };
        if ui.link(other).clicked() {
            self.page = if backup {
                Page::TwoFactor
            } else {
                Page::BackupCode
            };
            self.code.clear();
            self.message = None;
            self.focus_pending = true;
        }
        self.message_line(ui);
        self.buttons(ui, "Verify");
    }

    fn approval_page(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.add(egui::Spinner::new());
            ui.label("Approve this program in your browser. Waiting for the approval…");
        });
        if let Some(url) = self.approval_url.clone() {
            ui.label("If no browser opened, open this address:");
            ui.add(egui::Label::new(RichText::new(&url).monospace()).selectable(true));
            if ui.button("Copy address").clicked() {
                ui.ctx().copy_text(url);
            }
        }
        self.message_line(ui);
        ui.add_space(8.0);
        button_row(ui, |ui| {
            if ui.add(wide_button("Cancel")).clicked() {
                self.request_cancel();
            }
            if ui.add(wide_button("Back")).clicked() {
                // Back stops the wait without asking: nothing typed is lost.
                self.confirm_cancel(true);
            }
        });
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }

    fn busy_page(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.add(egui::Spinner::new());
            // The heading names the site.
            ui.label("Signing in…");
        });
        self.message_line(ui);
        if ui.button("Cancel").clicked() {
            self.request_cancel();
        }
    }

    fn message_line(&self, ui: &mut Ui) {
        if let Some(message) = &self.message {
            ui.add_space(4.0);
            let text = RichText::new(message).color(ui.visuals().error_fg_color);
            ui.add(egui::Label::new(text).wrap());
        }
    }

    /// Cancel and the page's OK button (Enter), at the bottom right, OK last.
    fn buttons(&mut self, ui: &mut Ui, ok: &str) {
        ui.add_space(8.0);
        button_row(ui, |ui| {
            let visuals = ui.visuals().selection;
            let ok = Button::new(RichText::new(ok).color(visuals.stroke.color))
                .fill(visuals.bg_fill)
                .min_size(egui::vec2(BUTTON_WIDTH, 0.0));
            if ui.add(ok).clicked() {
                self.submit();
            }
            if ui.add(wide_button("Cancel")).clicked() {
                self.request_cancel();
            }
        });
    }

    fn confirmation(&mut self, ctx: &egui::Context) {
        let modal =
            egui::Modal::new(egui::Id::unique("tk-auth-cancel-confirmation")).show(ctx, |ui| {
                ui.label(CONFIRM_CANCEL);
                ui.horizontal(|ui| {
                    if ui.button("Yes").clicked() {
                        Some(true)
                    } else if ui.button("No").clicked() {
                        Some(false)
                    } else {
                        None
                    }
                })
                .inner
            });
        match modal.inner {
            Some(yes) => self.confirm_cancel(yes),
            // Esc or a click beside the question means "No".
            None if modal.should_close() => self.confirm_cancel(false),
            None => {}
        }
    }
}

/// A row of buttons at the bottom right of the page, the first one added rightmost.
fn button_row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    // One row as wide as the page: a right-to-left layout given the rest of the page would
    // take all of its height too.
    let row = egui::vec2(ui.available_width(), ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(row, Layout::right_to_left(Align::Center), add);
}

/// A button no narrower than the others.
fn wide_button(text: &str) -> Button<'_> {
    Button::new(text).min_size(egui::vec2(BUTTON_WIDTH, 0.0))
}

/// A labelled text field; the label names the field in the accessibility tree.
fn text_field(
    ui: &mut Ui,
    label: &str,
    text: &mut String,
    editable: bool,
    secret: bool,
) -> Response {
    let label = ui.label(label);
    let edit = TextEdit::singleline(text).password(secret);
    // A fixed size: a grid cell would otherwise shrink the field to its text.
    let response = ui
        .add_enabled_ui(editable, |ui| ui.add_sized([FIELD_WIDTH, 22.0], edit))
        .inner
        .labelled_by(label.id);
    if response.lost_focus() && !secret && text.trim().len() != text.len() {
        *text = text.trim().to_owned();
    }
    response
}

fn take_focus(response: &Response, wanted: bool) {
    if wanted {
        response.request_focus();
    }
}

/// A menu of recent values that fills `field` with the one picked.
fn recent_menu(ui: &mut Ui, title: &str, recent: &[String], field: &mut String, editable: bool) {
    if editable && !recent.is_empty() {
        ui.menu_button(title, |ui| {
            for value in recent {
                if ui.button(value).clicked() {
                    field.clone_from(value);
                    ui.close();
                }
            }
        });
    } else {
        ui.label("");
    }
}
