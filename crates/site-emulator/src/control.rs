//! The control API under `/_emulator/`: what tests and demos use to act as the site's
//! administrator, the person in the browser, or the network. JSON in, JSON out.

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::error::EmulatorError;
use crate::fault::Fault;
use crate::state::Shared;

/// Prefix of every control route.
pub(crate) const PREFIX: &str = "/_emulator/";

fn error(status: StatusCode, message: impl Into<String>) -> (StatusCode, Value) {
    (status, json!({"error": message.into()}))
}

fn from_emulator_error(e: &EmulatorError) -> (StatusCode, Value) {
    error(StatusCode::NOT_FOUND, e.to_string())
}

fn ok(value: Value) -> (StatusCode, Value) {
    (StatusCode::OK, value)
}

fn body_str<'a>(body: &'a Value, key: &str) -> Result<&'a str, (StatusCode, Value)> {
    body.get(key).and_then(Value::as_str).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            format!("the JSON body needs a string {key:?}"),
        )
    })
}

/// Answers a control request; `rest` is the path after `/_emulator/`.
pub(crate) fn handle(
    shared: &Shared,
    method: &Method,
    rest: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the body is not JSON: {e}"),
                );
            }
        }
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let result = match (method.as_str(), segments.as_slice()) {
        ("GET", []) => Ok(ok(summary(shared))),
        ("POST", ["sessions"]) => body_str(&body, "login").map(|login| {
            shared.create_session(login).map_or_else(
                |e| from_emulator_error(&e),
                |t| ok(json!({"session_token": t})),
            )
        }),
        ("POST", ["sessions", "expire"]) => body_str(&body, "session_token")
            .map(|token| ok(json!({"expired": shared.expire_session(token)}))),
        ("POST", ["sessions", "expire_all"]) => {
            Ok(ok(json!({"expired": shared.expire_all_sessions()})))
        }
        ("POST", ["saml_claims", "expire"]) => Ok(ok(json!({
            "expired": shared.set_saml_claims_expiry(Duration::ZERO)
        }))),
        ("POST", ["saml_claims"]) => match body.get("expires_in_seconds").and_then(Value::as_u64) {
            Some(seconds) => Ok(ok(json!({
                "updated": shared.set_saml_claims_expiry(Duration::from_secs(seconds))
            }))),
            None => Err(error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs \"expires_in_seconds\": a whole number",
            )),
        },
        ("POST", ["clock", "advance"]) => match body
            .get("seconds")
            .and_then(Value::as_f64)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
        {
            Some(by) => {
                let offset = shared.advance_clock(by);
                Ok(ok(json!({"offset_seconds": offset.as_secs_f64()})))
            }
            None => Err(error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs \"seconds\": a number of seconds, 0 or more",
            )),
        },
        ("GET", ["requests"]) => {
            let requests: Vec<Value> = shared
                .pending_requests()
                .into_iter()
                .map(|r| json!({"id": r.id, "app_name": r.app_name, "machine_id": r.machine_id}))
                .collect();
            Ok(ok(json!({ "requests": requests })))
        }
        ("POST", ["requests", id, "approve"]) => body_str(&body, "login").map(|login| {
            shared.approve_request(id, login).map_or_else(
                |e| from_emulator_error(&e),
                |()| ok(json!({"approved": true})),
            )
        }),
        ("POST", ["requests", id, "deny"]) => Ok(shared.deny_request(id).map_or_else(
            |e| from_emulator_error(&e),
            |()| ok(json!({"denied": true})),
        )),
        ("POST", ["faults"]) => Ok(queue_fault(shared, &body)),
        ("DELETE", ["faults"]) => {
            shared.clear_faults();
            Ok(ok(json!({"cleared": true})))
        }
        ("GET", ["calls"]) => {
            let state = shared.state();
            Ok(ok(json!({
                "by_method": state.counters.by_method,
                "by_user": state.counters.by_user,
            })))
        }
        ("DELETE", ["calls"]) => {
            shared.reset_counters();
            Ok(ok(json!({"cleared": true})))
        }
        ("POST", ["rest_tokens", "expire"]) => {
            Ok(ok(json!({"expired": shared.expire_rest_tokens()})))
        }
        ("POST", ["rest_tokens", "lifetime"]) => {
            match body.get("seconds").and_then(Value::as_u64) {
                Some(seconds) => {
                    shared.set_rest_token_lifetime(Duration::from_secs(seconds));
                    Ok(ok(json!({"lifetime_seconds": seconds})))
                }
                None => Err(error(
                    StatusCode::BAD_REQUEST,
                    "the JSON body needs \"seconds\": a whole number",
                )),
            }
        }
        ("GET", ["totp", login]) => Ok(shared.totp_code(login).map_or_else(
            |e| from_emulator_error(&e),
            |code| ok(json!({"code": code})),
        )),
        ("GET", ["last_request", method]) => {
            let body = shared.state().counters.last_body.get(*method).cloned();
            Ok(body.map_or_else(
                || {
                    error(
                        StatusCode::NOT_FOUND,
                        format!("no {method:?} call received yet"),
                    )
                },
                ok,
            ))
        }
        (m, ["sso", sso @ ..]) => {
            crate::sso::control::handle(shared, m, sso, &body).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    format!("no control route {method} {PREFIX}{rest}; GET {PREFIX} lists them"),
                )
            })
        }
        (m, ["flow", flow @ ..]) => {
            crate::aps::control::handle(shared, m, flow, &body).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    format!("no control route {method} {PREFIX}{rest}; GET {PREFIX} lists them"),
                )
            })
        }
        _ => Err(error(
            StatusCode::NOT_FOUND,
            format!("no control route {method} {PREFIX}{rest}; GET {PREFIX} lists them"),
        )),
    };
    result.unwrap_or_else(|e| e)
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
    shared.queue_fault(fault, count);
    ok(json!({"queued": count}))
}

fn summary(shared: &Shared) -> Value {
    let s = &shared.settings;
    let state = shared.state();
    let mut summary = json!({
        "url": shared.url,
        "user_authentication_method": s.auth_method.as_str(),
        "unified_login_flow_enabled": s.unified_login_flow,
        "authentication_app_session_launcher_enabled": s.app_session_launcher,
        "version": s.version,
        "clock_offset_seconds": shared.clock_offset().as_secs_f64(),
        "human_users": state.humans.iter().map(|u| json!({"login": u.login, "id": u.id, "active": u.active, "two_factor": u.totp_secret.is_some()})).collect::<Vec<_>>(),
        "script_users": state.scripts.iter().map(|u| json!({"name": u.name, "id": u.id})).collect::<Vec<_>>(),
        "routes": [
            "GET /_emulator/",
            "POST /_emulator/sessions {\"login\"}",
            "POST /_emulator/sessions/expire {\"session_token\"}",
            "POST /_emulator/sessions/expire_all",
            "POST /_emulator/saml_claims/expire",
            "POST /_emulator/saml_claims {\"expires_in_seconds\"}",
            "POST /_emulator/clock/advance {\"seconds\"}",
            "GET /_emulator/requests",
            "POST /_emulator/requests/{id}/approve {\"login\"}",
            "POST /_emulator/requests/{id}/deny",
            "POST /_emulator/faults {\"fault\", \"count\", …}",
            "DELETE /_emulator/faults",
            "GET /_emulator/calls",
            "DELETE /_emulator/calls",
            "GET /_emulator/totp/{login}",
            "GET /_emulator/last_request/{method}",
            "POST /_emulator/rest_tokens/expire",
            "POST /_emulator/rest_tokens/lifetime {\"seconds\"}",
        ],
    });
    if let Some(routes) = summary.get_mut("routes").and_then(Value::as_array_mut) {
        routes.extend(crate::aps::control::ROUTES.iter().map(|r| json!(r)));
        routes.extend(crate::sso::control::ROUTES.iter().map(|r| json!(r)));
    }
    summary
}
