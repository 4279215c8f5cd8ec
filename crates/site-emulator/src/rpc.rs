//! The api3 JSON-RPC endpoint, `POST /api3/json`: `info`, `get_session_token`, `read`, and
//! the authentication every call but `info` goes through.

use serde_json::{Map, Value, json};

use tk_auth_core::SiteAuthMethod;

use crate::read;
use crate::state::{Principal, Shared, State};
use crate::totp;
use crate::users::secrets_equal;
use crate::wire::{ERR_2FA, ERR_AUTH, ERR_GENERIC, ERR_OXYGEN, ERR_SSO, SAML_LOGIN_PATH};

/// What the endpoint answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// `200` with this JSON body (results or an `exception` body).
    Json(Value),
    /// `302` to this location: the SSO claims behind a valid session lapsed.
    Redirect(String),
}

/// An `exception: true` body.
pub(crate) fn fault_body(code: u64, message: &str) -> Value {
    json!({"exception": true, "message": message, "error_code": code})
}

/// The method name of a request body, if it has one.
pub(crate) fn method_name(request: &Value) -> Option<&str> {
    request.get("method_name").and_then(Value::as_str)
}

fn auth_params(request: &Value) -> Option<&Map<String, Value>> {
    request
        .get("params")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(Value::as_object)
}

fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The user a request's credentials name (login, script name or session owner), for the
/// per-user counters; whether the credentials are good does not matter.
pub(crate) fn named_user(shared: &Shared, request: &Value) -> Option<String> {
    let params = auth_params(request)?;
    if let Some(login) = str_param(params, "user_login") {
        return Some(login.to_owned());
    }
    if let Some(script) = str_param(params, "script_name") {
        return Some(script.to_owned());
    }
    let token = str_param(params, "session_token")?;
    shared
        .state()
        .sessions
        .get(token)
        .map(|s| s.owner.name().to_owned())
}

/// Answers one JSON-RPC request.
pub(crate) fn dispatch(shared: &Shared, request: &Value, site_url: &str) -> Reply {
    let Some(object) = request.as_object() else {
        return Reply::Json(fault_body(
            ERR_GENERIC,
            "The request body must be a JSON object with method_name and params",
        ));
    };
    let Some(method) = object.get("method_name").and_then(Value::as_str) else {
        return Reply::Json(fault_body(ERR_GENERIC, "Missing method_name"));
    };
    let params = match object.get("params") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(p)) => p.as_slice(),
        Some(_) => {
            return Reply::Json(fault_body(ERR_GENERIC, "params must be a list"));
        }
    };
    if method == "info" {
        return Reply::Json(info(shared));
    }
    if !matches!(method, "get_session_token" | "read") {
        return Reply::Json(fault_body(
            ERR_GENERIC,
            &format!("Unknown method: {method:?} is not supported by this site"),
        ));
    }
    let mut state = shared.state();
    let (principal, session) = match authenticate(shared, &mut state, params.first(), site_url) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    match method {
        "get_session_token" => {
            // A call made with a session token gets that same token back.
            let token = session.unwrap_or_else(|| shared.new_session(&mut state, principal));
            Reply::Json(json!({"results": {"session_id": token}}))
        }
        _ => Reply::Json(read::read(&state, params.get(1))),
    }
}

/// The unauthenticated `info` answer.
fn info(shared: &Shared) -> Value {
    let s = &shared.settings;
    let [major, minor, patch] = s.version;
    json!({
        "version": [major, minor, patch],
        "full_version": [major, minor, patch, 0],
        "user_authentication_method": s.auth_method.as_str(),
        "unified_login_flow_enabled": s.unified_login_flow,
        "authentication_app_session_launcher_enabled": s.app_session_launcher,
        "api_max_entities_per_page": s.max_entities_per_page,
        "s3_uploads_enabled": false,
        "s3_direct_uploads_enabled": false,
    })
}

fn auth_error(message: &str) -> Reply {
    Reply::Json(fault_body(ERR_AUTH, message))
}

/// Checks the credentials of a call: login and password (+ 2FA code), script name and key,
/// or session token — in that order of precedence, as the client builds them.
fn authenticate(
    shared: &Shared,
    state: &mut State,
    auth: Option<&Value>,
    site_url: &str,
) -> Result<(Principal, Option<String>), Reply> {
    let Some(auth) = auth.and_then(Value::as_object) else {
        return Err(auth_error("Authentication parameters are missing"));
    };
    if let (Some(login), Some(password)) = (
        str_param(auth, "user_login"),
        str_param(auth, "user_password"),
    ) {
        return password_login(
            shared,
            state,
            login,
            password,
            str_param(auth, "auth_token"),
        )
        .map(|p| (p, None));
    }
    if let (Some(name), Some(key)) = (
        str_param(auth, "script_name"),
        str_param(auth, "script_key"),
    ) {
        return match state.script(name) {
            Some(script) if constant_time_eq(&script.key, key) => {
                Ok((Principal::Script(script.name.clone()), None))
            }
            _ => Err(auth_error(&format!("Can't authenticate script '{name}'"))),
        };
    }
    if let Some(token) = str_param(auth, "session_token") {
        return session_login(shared, state, token, site_url).map(|p| (p, Some(token.to_owned())));
    }
    Err(auth_error(
        "Authentication parameters need user_login and user_password, script_name and \
         script_key, or session_token",
    ))
}

pub(crate) fn password_login(
    shared: &Shared,
    state: &mut State,
    login: &str,
    password: &str,
    code: Option<&str>,
) -> Result<Principal, Reply> {
    match shared.settings.auth_method {
        SiteAuthMethod::Saml2 => {
            return Err(Reply::Json(fault_body(
                ERR_SSO,
                "Authentication using username/password is not allowed for an SSO-enabled \
                 Flow Production Tracking site",
            )));
        }
        SiteAuthMethod::Oxygen => {
            return Err(Reply::Json(fault_body(
                ERR_OXYGEN,
                "Authentication using username/password is not allowed for an Autodesk \
                 Identity enabled Flow Production Tracking site",
            )));
        }
        // An unknown method (set through the builder) checks passwords like `default`.
        _ => {}
    }
    let cant = || auth_error(&format!("Can't authenticate user '{login}'"));
    let user = state.human_mut(login).ok_or_else(cant)?;
    if !constant_time_eq(&user.password, password) {
        return Err(cant());
    }
    if !user.active {
        return Err(auth_error(&format!(
            "Account for user '{login}' is disabled"
        )));
    }
    if let Some(secret) = user.totp_secret.as_deref() {
        let Some(code) = code else {
            return Err(Reply::Json(fault_body(
                ERR_2FA,
                "This user has two-factor authentication enabled: a verification code is needed",
            )));
        };
        if !totp::verify(secret, code, totp::now_unix()) {
            // A backup code is single use: it leaves the list when accepted.
            let Some(i) = user
                .backup_codes
                .iter()
                .position(|c| constant_time_eq(c, code.trim()))
            else {
                return Err(auth_error("Invalid two-factor authentication code"));
            };
            user.backup_codes.remove(i);
        }
    }
    Ok(Principal::Human(user.login.clone()))
}

pub(crate) fn session_login(
    shared: &Shared,
    state: &mut State,
    token: &str,
    site_url: &str,
) -> Result<Principal, Reply> {
    let now = shared.now();
    let lifetime = shared.settings.session_lifetime;
    let Some(session) = state.sessions.get(token) else {
        return Err(auth_error("Invalid session token"));
    };
    if session.expired || now.duration_since(session.last_used) >= lifetime {
        return Err(auth_error("The session has expired"));
    }
    let owner = session.owner.clone();
    let claims_lapsed = session.claims_expire_at.is_some_and(|at| now >= at);
    if let Principal::Human(login) = &owner
        && !state.human(login).is_some_and(|u| u.active)
    {
        return Err(auth_error(&format!(
            "Account for user '{login}' is disabled"
        )));
    }
    if claims_lapsed {
        // A SAML site sends the browser back to the identity provider; for a POST the
        // client does not follow the redirect and sees the 302 itself.
        return Err(Reply::Redirect(format!("{site_url}{SAML_LOGIN_PATH}")));
    }
    if let Some(session) = state.sessions.get_mut(token) {
        session.last_used = now;
    }
    Ok(owner)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    secrets_equal(a.as_bytes(), b.as_bytes())
}
