//! The App Session Launcher: an application asks the site for a session
//! (`POST /internal_api/app_session_request`), a person approves it in a browser page, and
//! the application collects the token by polling (`PUT …/app_session_request/{id}`).

use std::time::Instant;

use http::StatusCode;
use serde_json::{Value, json};

use crate::error::EmulatorError;
use crate::state::{Principal, Shared, State};
use crate::wire::LAUNCHER_PAGE_PATH as PAGE_PATH;

/// Where a browser-approval request stands.
pub(crate) enum RequestStatus {
    Pending,
    Approved {
        login: String,
        token: String,
    },
    /// Denied, already collected, or timed out: the poll answers 404.
    Closed,
}

pub(crate) struct LauncherRequest {
    pub(crate) app_name: String,
    pub(crate) machine_id: String,
    pub(crate) created: Instant,
    pub(crate) status: RequestStatus,
}

/// A browser-approval request waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingRequest {
    /// The `sessionRequestId` the application polls with.
    pub id: String,
    /// The `appName` the application sent.
    pub app_name: String,
    /// The `machineId` the application sent.
    pub machine_id: String,
}

impl Shared {
    /// Whether a browser-approval request still waits for a decision.
    pub(crate) fn is_pending(&self, request: &LauncherRequest) -> bool {
        matches!(request.status, RequestStatus::Pending) && !self.has_lapsed(request)
    }

    /// Whether a request outlived the site's request lifetime.
    pub(crate) fn has_lapsed(&self, request: &LauncherRequest) -> bool {
        self.now().saturating_duration_since(request.created) >= self.settings.request_lifetime
    }

    /// The requests still waiting for a decision, oldest first.
    pub(crate) fn pending_requests(&self) -> Vec<PendingRequest> {
        let state = self.state();
        let mut pending: Vec<_> = state
            .requests
            .iter()
            .filter(|(_, r)| self.is_pending(r))
            .map(|(id, r)| {
                (
                    r.created,
                    PendingRequest {
                        id: id.clone(),
                        app_name: r.app_name.clone(),
                        machine_id: r.machine_id.clone(),
                    },
                )
            })
            .collect();
        pending.sort_by_key(|(created, _)| *created);
        pending.into_iter().map(|(_, p)| p).collect()
    }

    /// Approves a pending request as `login`: the session it hands out starts now.
    pub(crate) fn approve_request(&self, id: &str, login: &str) -> Result<(), EmulatorError> {
        let mut state = self.state();
        let login = state.active_human(login)?.login.clone();
        self.pending_mut(&mut state, id)?;
        let token = self.new_session(&mut state, Principal::Human(login.clone()));
        if let Some(request) = state.requests.get_mut(id) {
            request.status = RequestStatus::Approved { login, token };
        }
        Ok(())
    }

    /// Denies a pending request: its next poll answers 404.
    pub(crate) fn deny_request(&self, id: &str) -> Result<(), EmulatorError> {
        let mut state = self.state();
        self.pending_mut(&mut state, id)?.status = RequestStatus::Closed;
        Ok(())
    }

    fn pending_mut<'s>(
        &self,
        state: &'s mut State,
        id: &str,
    ) -> Result<&'s mut LauncherRequest, EmulatorError> {
        state
            .requests
            .get_mut(id)
            .filter(|r| self.is_pending(r))
            .ok_or_else(|| EmulatorError::UnknownRequest { id: id.to_owned() })
    }
}

fn form_value(form: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(form)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `POST /internal_api/app_session_request` with form fields `appName` and `machineId`.
pub(crate) fn create(shared: &Shared, form: &[u8], site_url: &str) -> (StatusCode, Value) {
    if !shared.settings.app_session_launcher {
        return (
            StatusCode::FORBIDDEN,
            json!({"message": "The App Session Launcher is not enabled on this site"}),
        );
    }
    let (Some(app_name), Some(machine_id)) =
        (form_value(form, "appName"), form_value(form, "machineId"))
    else {
        return (
            StatusCode::BAD_REQUEST,
            json!({"message": "appName and machineId form fields are required"}),
        );
    };
    let id = shared.random_hex();
    shared.state().requests.insert(
        id.clone(),
        LauncherRequest {
            app_name,
            machine_id,
            created: shared.now(),
            status: RequestStatus::Pending,
        },
    );
    tracing::debug!(request = %id, "app session request created");
    let base = shared
        .settings
        .approval_page_base
        .as_deref()
        .unwrap_or(site_url)
        .trim_end_matches('/');
    let url = format!("{base}{PAGE_PATH}/{id}");
    (StatusCode::OK, json!({"sessionRequestId": id, "url": url}))
}

/// `PUT /internal_api/app_session_request/{id}`: still waiting, the token (once), or 404.
pub(crate) fn poll(shared: &Shared, id: &str) -> (StatusCode, Value) {
    let mut state = shared.state();
    let Some(request) = state.requests.get_mut(id) else {
        return not_found();
    };
    if shared.has_lapsed(request) {
        request.status = RequestStatus::Closed;
    }
    match std::mem::replace(&mut request.status, RequestStatus::Closed) {
        RequestStatus::Pending => {
            request.status = RequestStatus::Pending;
            (StatusCode::OK, json!({"approved": false}))
        }
        // The token is handed out once; the request is closed from then on.
        RequestStatus::Approved { login, token } => (
            StatusCode::OK,
            json!({"approved": true, "sessionToken": token, "userLogin": login}),
        ),
        RequestStatus::Closed => not_found(),
    }
}

fn not_found() -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        json!({"message": "The request has been rejected or has expired"}),
    )
}

/// `GET /app_session_request/{id}`: the approval page a browser shows.
pub(crate) fn page(shared: &Shared, id: &str) -> (StatusCode, String) {
    let Some(request) = shared.pending_requests().into_iter().find(|r| r.id == id) else {
        return (
            StatusCode::NOT_FOUND,
            html_page(
                "Request not found",
                "<p>This request does not exist, was already decided, or has expired.</p>",
            ),
        );
    };
    let logins =
        shared
            .state()
            .humans
            .iter()
            .filter(|u| u.active)
            .fold(String::new(), |mut options, u| {
                use std::fmt::Write;
                let _ = write!(
                    options,
                    "<option value=\"{0}\">{0}</option>",
                    escape(&u.login)
                );
                options
            });
    let body = format!(
        "<p><strong>{app}</strong> on <strong>{machine}</strong> asks to sign in to this site.</p>\n\
         <form method=\"post\" action=\"{PAGE_PATH}/{id}\">\n\
         <label>Approve as <select name=\"login\">{logins}</select></label>\n\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n\
         </form>",
        app = escape(&request.app_name),
        machine = escape(&request.machine_id),
        id = escape(id),
    );
    (StatusCode::OK, html_page("Approve sign-in", &body))
}

/// `POST /app_session_request/{id}` with `action=approve&login=…` or `action=deny`.
pub(crate) fn decide(shared: &Shared, id: &str, form: &[u8]) -> (StatusCode, String) {
    let action = form_value(form, "action").unwrap_or_default();
    let outcome = match action.as_str() {
        "approve" => {
            let Some(login) = form_value(form, "login").filter(|l| !l.is_empty()) else {
                return (
                    StatusCode::BAD_REQUEST,
                    html_page(
                        "Missing login",
                        "<p>Approving needs a <code>login</code>.</p>",
                    ),
                );
            };
            shared.approve_request(id, &login).map(|()| {
                format!(
                    "<p>Approved as <strong>{}</strong>. You can close this page.</p>",
                    escape(&login)
                )
            })
        }
        "deny" => shared
            .deny_request(id)
            .map(|()| "<p>Denied. You can close this page.</p>".to_owned()),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                html_page(
                    "Unknown action",
                    "<p>The form needs <code>action=approve</code> (with <code>login</code>) or <code>action=deny</code>.</p>",
                ),
            );
        }
    };
    match outcome {
        Ok(body) => (StatusCode::OK, html_page("Done", &body)),
        Err(e) => (
            StatusCode::NOT_FOUND,
            html_page(
                "Not possible",
                &format!("<p>{}</p>", escape(&e.to_string())),
            ),
        ),
    }
}

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
         <body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
