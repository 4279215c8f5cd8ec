//! tk-core's `serialize_user` / `deserialize_user` on plain dicts, through tk-auth-core's
//! bounded, code-free decoder.
//!
//! A user is the dict Python serializes: `{"type": "SessionUser" | "ScriptUser", "data":
//! {...}}`, `data` holding what the user's `to_dict()` holds.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use tk_auth_core::{
    Format, Payload, ScriptUser, Secret, SessionUser, User, UserPayload, deserialize_payload,
};

use crate::{blocking, errors, session_cache};

/// A text field of `data`: missing and `None` are both `None`.
fn field(data: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    match data.get_item(key)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v
            .extract::<String>()
            .map(Some)
            .map_err(|_| errors::type_error(format!("'{key}' must be a str or None"))),
    }
}

/// The user a dict describes.
fn user_from_dict(py: Python<'_>, user: &Bound<'_, PyDict>) -> PyResult<User> {
    let kind = field(user, "type")?.unwrap_or_default();
    let data = user
        .get_item("data")?
        .ok_or_else(|| errors::type_error("the user dict has no 'data' dict"))?;
    let data = data
        .cast::<PyDict>()
        .map_err(|_| errors::type_error("the user's 'data' must be a dict"))?;
    let host = field(data, "host")?.unwrap_or_default();
    let proxy = field(data, "http_proxy")?;
    let built = match kind.as_str() {
        "SessionUser" => SessionUser::new(
            host,
            field(data, "login")?.unwrap_or_default(),
            Secret::new(field(data, "session_token")?.unwrap_or_default()),
        )
        .map(|u| {
            User::Session(
                u.with_http_proxy(proxy).with_session_metadata(
                    field(data, "session_metadata")
                        .ok()
                        .flatten()
                        .map(Secret::new),
                ),
            )
        }),
        "ScriptUser" => ScriptUser::new(
            host,
            field(data, "api_script")?.unwrap_or_default(),
            Secret::new(field(data, "api_key")?.unwrap_or_default()),
        )
        .map(|u| User::Script(u.with_http_proxy(proxy))),
        _ => {
            return Err(errors::own(
                py,
                "Error",
                "Invalid user type: the 'type' must be 'SessionUser' or 'ScriptUser'".to_owned(),
            ));
        }
    };
    built.map_err(|e| errors::core(py, &e))
}

/// The dict Python serializes for `user`.
fn user_to_dict<'py>(py: Python<'py>, user: &User) -> PyResult<Bound<'py, PyDict>> {
    let data = PyDict::new(py);
    data.set_item("http_proxy", user.http_proxy())?;
    data.set_item("host", user.host())?;
    match user {
        User::Session(u) => {
            data.set_item("login", u.login())?;
            data.set_item("session_token", u.session_token().expose())?;
            if let Some(metadata) = u.session_metadata() {
                data.set_item("session_metadata", metadata.expose())?;
            }
        }
        User::Script(u) => {
            data.set_item("api_script", u.api_script())?;
            data.set_item("api_key", u.api_key().expose())?;
        }
    }
    let dict = PyDict::new(py);
    dict.set_item("type", user.impl_type())?;
    dict.set_item("data", data)?;
    Ok(dict)
}

/// Serializes a user dict as tk-core's `serialize_user(user, use_json)` does: pickle
/// protocol 0 as text by default, `json.dumps` when `use_json` is true.
#[pyfunction]
#[pyo3(signature = (user, use_json=false))]
fn serialize_user(py: Python<'_>, user: &Bound<'_, PyDict>, use_json: bool) -> PyResult<String> {
    let user = user_from_dict(py, user)?;
    let format = if use_json {
        Format::Json
    } else {
        Format::Pickle
    };
    Ok(tk_auth_core::serialize_user(&user, format))
}

/// A payload held as text or bytes.
enum Owned {
    Text(String),
    Bytes(Vec<u8>),
}

/// Reads a serialized user (a `str` or `bytes`, JSON or a data-only pickle) into the dict
/// Python serializes, refusing anything else with `tk_auth.InvalidPayload` (an
/// `UnpicklingError`). Nothing in the payload is executed. A session user without a token
/// gets the one the session cache holds, as in tk-core; without one it is
/// `IncompleteCredentials`.
#[pyfunction]
#[pyo3(signature = (payload))]
fn deserialize_user<'py>(
    py: Python<'py>,
    payload: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let owned = if payload.is_instance_of::<PyString>() {
        Owned::Text(payload.extract::<String>()?)
    } else if let Ok(bytes) = payload.cast::<PyBytes>() {
        Owned::Bytes(bytes.as_bytes().to_vec())
    } else {
        return Err(errors::type_error("the payload must be a str or bytes"));
    };
    let decoded = py.detach(move || match &owned {
        Owned::Text(t) => deserialize_payload(Payload::Text(t)),
        Owned::Bytes(b) => deserialize_payload(Payload::Bytes(b)),
    });
    let decoded = decoded.map_err(|e| errors::core(py, &e))?;
    let decoded = match decoded {
        UserPayload::Session(mut session) if session.session_token.is_none() => {
            let cache = session_cache::cache(py)?;
            let (host, login) = (session.host.clone(), session.login.clone());
            let found = blocking::run(py, move || cache.get_session_data(host, &login))?
                .map_err(|e| errors::defaults(py, &e))?;
            if let Some(found) = found {
                session.session_token = Some(found.session_token);
                if session.session_metadata.is_none() {
                    session.session_metadata = found.session_metadata;
                }
            }
            UserPayload::Session(session)
        }
        other => other,
    };
    let user = decoded.into_user().map_err(|e| errors::core(py, &e))?;
    user_to_dict(py, &user)
}

/// Adds the functions to the module.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(serialize_user, m)?)?;
    m.add_function(wrap_pyfunction!(deserialize_user, m)?)?;
    Ok(())
}
