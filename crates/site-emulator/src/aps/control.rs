//! The authorization server's controls under `/_emulator/flow/`.

use std::time::{Duration, UNIX_EPOCH};

use http::StatusCode;
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::state::Shared;

/// The routes, for the control API's summary.
pub(crate) const ROUTES: &[&str] = &[
    "GET /_emulator/flow/authorizations",
    "POST /_emulator/flow/authorizations/{id}/approve {\"login\"}",
    "POST /_emulator/flow/authorizations/{id}/deny",
    "POST /_emulator/flow/auto_approve {\"login\": string|null}",
    "POST /_emulator/flow/token_lifetime {\"seconds\"}",
    "POST /_emulator/flow/refresh_tokens/revoke",
    "POST /_emulator/flow/faults {\"fault\", \"count\", …}",
    "DELETE /_emulator/flow/faults",
];

fn error(status: StatusCode, message: impl Into<String>) -> (StatusCode, Value) {
    (status, json!({"error": message.into()}))
}

/// Answers `/_emulator/flow/{rest…}`; `None` when no route matches.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    rest: &[&str],
    body: &Value,
) -> Option<(StatusCode, Value)> {
    let not_found = |e: crate::EmulatorError| error(StatusCode::NOT_FOUND, e.to_string());
    let login = || body.get("login").and_then(Value::as_str);
    let answer = match (method, rest) {
        ("GET", ["authorizations"]) => {
            let list: Vec<Value> = shared
                .pending_authorizations()
                .into_iter()
                .map(|a| {
                    let created = a.created.duration_since(UNIX_EPOCH).unwrap_or_default();
                    json!({
                        "id": a.id,
                        "client_id": a.client_id,
                        "redirect_uri": a.redirect_uri,
                        "scope": a.scope,
                        "created": created.as_secs_f64(),
                    })
                })
                .collect();
            (StatusCode::OK, json!({ "authorizations": list }))
        }
        ("POST", ["authorizations", id, "approve"]) => match login() {
            Some(login) => shared
                .approve_authorization(id, login)
                .map_or_else(not_found, |l| (StatusCode::OK, json!({"location": l}))),
            None => error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs a string \"login\"",
            ),
        },
        ("POST", ["authorizations", id, "deny"]) => shared
            .deny_authorization(id)
            .map_or_else(not_found, |l| (StatusCode::OK, json!({"location": l}))),
        ("POST", ["auto_approve"]) => match body.get("login") {
            Some(Value::Null | Value::String(_)) => shared
                .set_flow_auto_approve(login())
                .map_or_else(not_found, |()| {
                    (StatusCode::OK, json!({"auto_approve": login()}))
                }),
            _ => error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs \"login\": a user's login, or null to ask the person",
            ),
        },
        ("POST", ["token_lifetime"]) => match body
            .get("seconds")
            .and_then(Value::as_f64)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
        {
            Some(lifetime) => {
                shared.set_flow_token_lifetime(lifetime);
                (StatusCode::OK, json!({"seconds": lifetime.as_secs()}))
            }
            None => error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs \"seconds\": a number of seconds, 0 or more",
            ),
        },
        ("POST", ["refresh_tokens", "revoke"]) => (
            StatusCode::OK,
            json!({"revoked": shared.revoke_flow_refresh_tokens()}),
        ),
        ("POST", ["faults"]) => queue_fault(shared, body),
        ("DELETE", ["faults"]) => {
            shared.clear_flow_faults();
            (StatusCode::OK, json!({"cleared": true}))
        }
        _ => return None,
    };
    Some(answer)
}

fn queue_fault(shared: &Shared, body: &Value) -> (StatusCode, Value) {
    let fault = match Fault::from_json(body) {
        Ok(f) => f,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let count = match body.get("count") {
        None => 1,
        Some(c) => match c.as_u64().and_then(|c| usize::try_from(c).ok()) {
            Some(c) => c,
            None => return error(StatusCode::BAD_REQUEST, "\"count\" must be a whole number"),
        },
    };
    shared.queue_flow_fault(fault, count);
    (StatusCode::OK, json!({"queued": count}))
}
