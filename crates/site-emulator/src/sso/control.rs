//! The single sign-on control routes, under `/_emulator/sso`.

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};

use super::{Switches, Urls};
use crate::state::Shared;

/// The routes, as the control API's summary lists them.
pub(crate) const ROUTES: [&str; 4] = [
    "GET /_emulator/sso",
    "POST /_emulator/sso/idp_sessions/expire",
    "POST /_emulator/sso/switches {\"require_mfa\", \"delay_seconds\", \"redirect_loop\", \"foreign_cookie\"}",
    "POST /_emulator/sso/web_login {\"login\"}",
];

fn switches_json(s: Switches) -> Value {
    json!({
        "require_mfa": s.require_mfa,
        "delay_seconds": s.delay.as_secs_f64(),
        "redirect_loop": s.redirect_loop,
        "foreign_cookie": s.foreign_cookie,
    })
}

fn error(status: StatusCode, message: impl Into<String>) -> (StatusCode, Value) {
    (status, json!({"error": message.into()}))
}

/// Answers `/_emulator/sso/…` (`segments` after `sso`); `None` for an unknown route.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    segments: &[&str],
    body: &Value,
) -> Option<(StatusCode, Value)> {
    Some(match (method, segments) {
        ("GET", []) => {
            let urls = Urls::of(shared);
            let state = shared.state();
            let s = state.sso.stats;
            (
                StatusCode::OK,
                json!({
                    "idp_url": urls.idp,
                    "saml_sso_url": urls.idp_sso(shared),
                    "switches": switches_json(state.sso.switches),
                    "stats": {
                        "renew_requests": s.renew_requests,
                        "saml_requests": s.saml_requests,
                        "assertions_consumed": s.assertions_consumed,
                        "assertions_refused": s.assertions_refused,
                        "callbacks_consumed": s.callbacks_consumed,
                        "idp_person_logins": s.idp_person_logins,
                        "idp_auto_posts": s.idp_auto_posts,
                        "idp_codes": s.idp_codes,
                    },
                    "cookies_received": state.sso.cookies_received,
                }),
            )
        }
        ("POST", ["idp_sessions", "expire"]) => (
            StatusCode::OK,
            json!({"expired": shared.expire_idp_sessions()}),
        ),
        ("POST", ["switches"]) => set_switches(shared, body),
        ("POST", ["web_login"]) => match body.get("login").and_then(Value::as_str) {
            None => error(
                StatusCode::BAD_REQUEST,
                "the JSON body needs a string \"login\"",
            ),
            Some(login) => match shared.web_login_cookies(login) {
                Ok(jar) => (StatusCode::OK, json!({"session_metadata": jar})),
                Err(e) => error(StatusCode::NOT_FOUND, e.to_string()),
            },
        },
        _ => return None,
    })
}

fn set_switches(shared: &Shared, body: &Value) -> (StatusCode, Value) {
    let Some(object) = body.as_object() else {
        return error(StatusCode::BAD_REQUEST, "the JSON body must be an object");
    };
    let flag = |key: &str| match object.get(key) {
        None => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("{key:?} must be true or false"),
            )
        }),
    };
    let delay = match object.get("delay_seconds") {
        None => None,
        Some(v) => match v.as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
            Some(d) => Some(d),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "\"delay_seconds\" must be a number of seconds, 0 or more",
                );
            }
        },
    };
    let known = [
        "require_mfa",
        "delay_seconds",
        "redirect_loop",
        "foreign_cookie",
    ];
    if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
        return error(StatusCode::BAD_REQUEST, format!("no switch {unknown:?}"));
    }
    let (mfa, looping, foreign) = match (
        flag("require_mfa"),
        flag("redirect_loop"),
        flag("foreign_cookie"),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    let now = shared.sso_switch(|s| {
        s.require_mfa = mfa.unwrap_or(s.require_mfa);
        s.delay = delay.unwrap_or(s.delay);
        s.redirect_loop = looping.unwrap_or(s.redirect_loop);
        s.foreign_cookie = foreign.unwrap_or(s.foreign_cookie);
    });
    (StatusCode::OK, switches_json(now))
}
