//! The REST API's access tokens: `POST /api/v1/auth/access_token` with the `password`,
//! `client_credentials`, `session_token` and `refresh_token` grants, and one Bearer-protected
//! read, `GET /api/v1/entity/{human_users|api_users}/{id}`, so that a token can be proven to
//! work. Errors are JSON:API error objects (`{"errors": [{"id", "status", "code", "title",
//! "source", "detail", "meta"}]}`); see `docs/emulator.md`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde_json::{Value, json};

mod entity;

use crate::rpc::{Reply, password_login, session_login};
use crate::state::{Principal, Shared, State};
use crate::users::secrets_equal;
use crate::wire::{ERR_AUTH, ERR_GENERIC};

/// Every REST route starts here.
const PREFIX: &str = "/api/v1/";
/// Where access tokens are granted.
const TOKEN_PATH: &str = "/api/v1/auth/access_token";
/// Where entities are read, `…/{collection}/{id}`.
const ENTITY_PATH: &str = "/api/v1/entity/";
/// The grants the site knows, as counted in `calls("rest:<grant>")`.
const GRANTS: [&str; 4] = [
    "password",
    "client_credentials",
    "session_token",
    "refresh_token",
];

/// The REST tokens the site has handed out.
pub(crate) struct RestTokens {
    /// How long an access token lives (`expires_in`); a control can change it.
    pub(crate) lifetime: Duration,
    access: HashMap<String, AccessGrant>,
    /// Refresh tokens not yet used: each is good once.
    refresh: HashMap<String, Principal>,
}

struct AccessGrant {
    owner: Principal,
    expires_at: Instant,
    expired: bool,
}

impl RestTokens {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// Expires every access token (refresh tokens stay good); returns how many there were.
    pub(crate) fn expire_all(&mut self) -> usize {
        self.access.values_mut().for_each(|a| a.expired = true);
        self.access.len()
    }
}

/// The parts of a request the REST routes read, taken before the body is.
pub(crate) struct RestRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// Whether `path` is one of the REST API's.
pub(crate) fn is_rest_path(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// Counts the request (before any fault applies, as RPC calls are counted): token requests
/// under `rest:<grant>`, entity reads under `rest:entity`, each with the user they name.
pub(crate) fn record(shared: &Shared, request: &RestRequest<'_>) {
    if request.path == TOKEN_PATH {
        let params = params(request).unwrap_or_default();
        let grant = params.get("grant_type").map(String::as_str);
        let key = match grant {
            Some(g) if GRANTS.contains(&g) => format!("rest:{g}"),
            _ => "rest:invalid_grant".to_owned(),
        };
        let user = {
            let state = shared.state();
            match grant {
                Some("password") => params.get("username").cloned(),
                Some("client_credentials") => params.get("client_id").cloned(),
                Some("session_token") => params
                    .get("session_token")
                    .and_then(|t| state.sessions.get(t))
                    .map(|s| s.owner.name().to_owned()),
                Some("refresh_token") => params
                    .get("refresh_token")
                    .and_then(|t| state.rest.refresh.get(t))
                    .map(|p| p.name().to_owned()),
                _ => None,
            }
        };
        let body = Value::Object(
            params
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
        shared.record_call(&key, user.as_deref(), body);
    } else if request.path.starts_with(ENTITY_PATH) {
        let user = entity::bearer(request).and_then(|token| {
            let state = shared.state();
            state
                .rest
                .access
                .get(token)
                .map(|a| a.owner.name().to_owned())
        });
        shared.record_call("rest:entity", user.as_deref(), Value::Null);
    }
}

/// Answers a REST request.
pub(crate) fn handle(shared: &Shared, request: &RestRequest<'_>) -> (StatusCode, Value) {
    if request.path == TOKEN_PATH {
        if *request.method != Method::POST {
            return error(
                shared,
                StatusCode::METHOD_NOT_ALLOWED,
                ERR_GENERIC,
                "Method not allowed: request access tokens with POST",
                None,
            );
        }
        return match params(request) {
            Ok(params) => grant(shared, &params),
            Err(detail) => error(
                shared,
                StatusCode::BAD_REQUEST,
                ERR_GENERIC,
                "The request body cannot be read",
                Some(&detail),
            ),
        };
    }
    if let Some(rest) = request.path.strip_prefix(ENTITY_PATH) {
        if *request.method != Method::GET {
            return error(
                shared,
                StatusCode::METHOD_NOT_ALLOWED,
                ERR_GENERIC,
                "Method not allowed: this site emulator only reads entities",
                None,
            );
        }
        return entity::read_entity(shared, request, rest);
    }
    error(
        shared,
        StatusCode::NOT_FOUND,
        ERR_GENERIC,
        &format!("No such route: {}", request.path),
        None,
    )
}

/// The request's parameters: the query string's, then the body's (form-encoded, or a JSON
/// object when the content type says so), the body's winning.
fn params(request: &RestRequest<'_>) -> Result<BTreeMap<String, String>, String> {
    let mut params: BTreeMap<String, String> = request
        .query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let is_json = request
        .content_type
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
    if is_json && !request.body.is_empty() {
        let value: Value = serde_json::from_slice(request.body)
            .map_err(|_| "the body is not JSON, as its content type says".to_owned())?;
        let object = value
            .as_object()
            .ok_or_else(|| "the JSON body must be an object".to_owned())?;
        for (key, value) in object {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            params.insert(key.clone(), text);
        }
    } else {
        params.extend(form_urlencoded::parse(request.body).into_owned());
    }
    Ok(params)
}

/// A JSON:API error document with one error.
fn error(
    shared: &Shared,
    status: StatusCode,
    code: u64,
    title: &str,
    detail: Option<&str>,
) -> (StatusCode, Value) {
    error_with_source(shared, status, code, title, detail, &Value::Null)
}

fn error_with_source(
    shared: &Shared,
    status: StatusCode,
    code: u64,
    title: &str,
    detail: Option<&str>,
    source: &Value,
) -> (StatusCode, Value) {
    let body = json!({"errors": [{
        "id": shared.random_hex(),
        "status": status.as_u16(),
        "code": code,
        "title": title,
        "source": source,
        "detail": detail,
        "meta": null,
    }]});
    (status, body)
}

fn missing(shared: &Shared, name: &str) -> (StatusCode, Value) {
    error_with_source(
        shared,
        StatusCode::BAD_REQUEST,
        ERR_GENERIC,
        &format!("Missing parameter: {name}"),
        None,
        &json!({"parameter": name}),
    )
}

/// An api3 error reply (from the JSON-RPC authentication this route shares) as a 401.
fn from_reply(shared: &Shared, reply: &Reply) -> (StatusCode, Value) {
    match reply {
        Reply::Json(body) => {
            let code = body
                .get("error_code")
                .and_then(Value::as_u64)
                .unwrap_or(ERR_AUTH);
            let title = body
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("Authentication failed");
            error(shared, StatusCode::UNAUTHORIZED, code, title, None)
        }
        Reply::Redirect(_) => error(
            shared,
            StatusCode::UNAUTHORIZED,
            ERR_AUTH,
            "The single sign-on claims of this session have expired",
            Some("Log in again through the browser"),
        ),
    }
}

fn grant(shared: &Shared, params: &BTreeMap<String, String>) -> (StatusCode, Value) {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(grant_type) = get("grant_type") else {
        return missing(shared, "grant_type");
    };
    let mut state = shared.state();
    let owner = match grant_type {
        "password" => {
            let (Some(login), Some(password)) = (get("username"), get("password")) else {
                return missing(
                    shared,
                    if get("username").is_none() {
                        "username"
                    } else {
                        "password"
                    },
                );
            };
            password_login(shared, &mut state, login, password, get("auth_token"))
                .map_err(|reply| from_reply(shared, &reply))
        }
        "client_credentials" => {
            let (Some(name), Some(key)) = (get("client_id"), get("client_secret")) else {
                return missing(
                    shared,
                    if get("client_id").is_none() {
                        "client_id"
                    } else {
                        "client_secret"
                    },
                );
            };
            match state.script(name) {
                Some(script) if secrets_equal(script.key.as_bytes(), key.as_bytes()) => {
                    Ok(Principal::Script(script.name.clone()))
                }
                _ => Err(error(
                    shared,
                    StatusCode::UNAUTHORIZED,
                    ERR_AUTH,
                    &format!("Can't authenticate script '{name}'"),
                    None,
                )),
            }
        }
        "session_token" => {
            let Some(token) = get("session_token") else {
                return missing(shared, "session_token");
            };
            session_login(shared, &mut state, token, &shared.url)
                .map_err(|reply| from_reply(shared, &reply))
        }
        "refresh_token" => {
            let Some(token) = get("refresh_token") else {
                return missing(shared, "refresh_token");
            };
            // Single use: the token leaves the table whether or not its owner may still log in.
            match state.rest.refresh.remove(token) {
                None => Err(error(
                    shared,
                    StatusCode::UNAUTHORIZED,
                    ERR_AUTH,
                    "Invalid refresh token",
                    Some("The refresh token is unknown or was already used"),
                )),
                Some(owner) => check_active(shared, &state, owner),
            }
        }
        other => {
            return error_with_source(
                shared,
                StatusCode::BAD_REQUEST,
                ERR_GENERIC,
                &format!("Unsupported grant type: {other}"),
                Some(&format!("grant_type must be one of {}", GRANTS.join(", "))),
                &json!({"parameter": "grant_type"}),
            );
        }
    };
    match owner {
        Ok(owner) => (StatusCode::OK, issue(shared, &mut state, owner)),
        Err(refusal) => refusal,
    }
}

/// The owner, if a person, must still be enabled.
fn check_active(
    shared: &Shared,
    state: &State,
    owner: Principal,
) -> Result<Principal, (StatusCode, Value)> {
    match &owner {
        Principal::Human(login) if !state.human(login).is_some_and(|u| u.active) => Err(error(
            shared,
            StatusCode::UNAUTHORIZED,
            ERR_AUTH,
            &format!("Account for user '{login}' is disabled"),
            None,
        )),
        Principal::Script(name) if state.script(name).is_none() => Err(error(
            shared,
            StatusCode::UNAUTHORIZED,
            ERR_AUTH,
            &format!("Can't authenticate script '{name}'"),
            None,
        )),
        _ => Ok(owner),
    }
}

/// A new access token and refresh token for `owner`.
fn issue(shared: &Shared, state: &mut State, owner: Principal) -> Value {
    let access = format!("{}{}", shared.random_hex(), shared.random_hex());
    let refresh = format!("{}{}", shared.random_hex(), shared.random_hex());
    let lifetime = state.rest.lifetime;
    let expires_at = shared
        .now()
        .checked_add(lifetime)
        .unwrap_or_else(|| shared.now());
    state.rest.access.insert(
        access.clone(),
        AccessGrant {
            owner: owner.clone(),
            expires_at,
            expired: false,
        },
    );
    state.rest.refresh.insert(refresh.clone(), owner);
    json!({
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        query: Option<&'a str>,
        content_type: Option<&'a str>,
        body: &'a [u8],
    ) -> RestRequest<'a> {
        RestRequest {
            method: &Method::POST,
            path: TOKEN_PATH,
            query,
            authorization: None,
            content_type,
            body,
        }
    }

    #[test]
    fn parameters_come_from_the_query_then_a_form_or_json_body() {
        let got = params(&request(
            Some("grant_type=password&username=q"),
            Some("application/x-www-form-urlencoded"),
            b"username=al%20ice&password=p%26w",
        ))
        .unwrap();
        assert_eq!(got["grant_type"], "password");
        assert_eq!(got["username"], "al ice");
        assert_eq!(got["password"], "p&w");
        let got = params(&request(
            None,
            Some("application/json; charset=utf-8"),
            br#"{"grant_type": "client_credentials", "client_id": "farm"}"#,
        ))
        .unwrap();
        assert_eq!(got["client_id"], "farm");
        assert!(params(&request(None, Some("application/json"), b"[1]")).is_err());
        assert!(params(&request(None, Some("application/json"), b"{")).is_err());
    }
}
