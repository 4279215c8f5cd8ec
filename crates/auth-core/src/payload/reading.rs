//! Reading a payload: JSON or a data-only pickle into plain Python data, the ISO-8859-1
//! fallback undone, and the user fields taken from it with Python's checks and coercions.

use super::{FALLBACK_ENCODING_KEY, Payload, SessionPayload, UserPayload};
use crate::pickle_read;
use crate::py_value::PyValue;
use crate::urlparse::py_repr_str;
use crate::{Error, ScriptUser, Secret};

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidPayload(message.into())
}

pub(super) fn load(payload: Payload<'_>) -> Result<PyValue, Error> {
    let bytes = match payload {
        Payload::Text(text) => text.as_bytes(),
        Payload::Bytes(bytes) => bytes,
    };
    match bytes.first() {
        None => Err(invalid("the payload is empty")),
        Some(b'{') => {
            let value: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|e| invalid(format!("malformed JSON: {e}")))?;
            Ok(PyValue::from(&value))
        }
        Some(_) => {
            let value = unpickle(bytes)?;
            let Payload::Text(text) = payload else {
                return Ok(value);
            };
            match value.get(FALLBACK_ENCODING_KEY) {
                None => Ok(value),
                Some(PyValue::Str(encoding)) => unpickle(&encode_text(text, encoding)?),
                Some(other) => Err(invalid(format!(
                    "'{FALLBACK_ENCODING_KEY}' is a {}, not an encoding name",
                    other.type_name()
                ))),
            }
        }
    }
}

fn unpickle(bytes: &[u8]) -> Result<PyValue, Error> {
    let value =
        pickle_read::loads(bytes).map_err(|e| invalid(format!("unpickling failed: {}", e.0)))?;
    ensure_contains_str(value)
}

/// Python's `ensure_contains_str`: bytes become UTF-8 strings, through lists, tuples and dicts.
fn ensure_contains_str(value: PyValue) -> Result<PyValue, Error> {
    Ok(match value {
        PyValue::Bytes(bytes) => PyValue::Str(
            String::from_utf8(bytes).map_err(|_| invalid("a bytes value is not valid UTF-8"))?,
        ),
        PyValue::List(items) => PyValue::List(
            items
                .into_iter()
                .map(ensure_contains_str)
                .collect::<Result<_, _>>()?,
        ),
        PyValue::Tuple(items) => PyValue::Tuple(
            items
                .into_iter()
                .map(ensure_contains_str)
                .collect::<Result<_, _>>()?,
        ),
        PyValue::Dict(items) => PyValue::Dict(
            items
                .into_iter()
                .map(|(k, v)| Ok((ensure_contains_str(k)?, ensure_contains_str(v)?)))
                .collect::<Result<_, Error>>()?,
        ),
        other => other,
    })
}

/// The payload text in the encoding its `_payload_encoding` names.
fn encode_text(text: &str, encoding: &str) -> Result<Vec<u8>, Error> {
    let name: String = encoding
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let limit = match name.as_str() {
        "iso88591" | "iso8859" | "latin1" | "latin" | "l1" | "8859" | "cp819" => 0xff,
        "ascii" | "usascii" | "646" => 0x7f,
        "utf8" | "utf" | "u8" | "cp65001" => return Ok(text.as_bytes().to_vec()),
        _ => {
            return Err(invalid(format!(
                "unsupported payload encoding {}",
                py_repr_str(encoding)
            )));
        }
    };
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| u32::from(*b) <= limit)
                .ok_or_else(|| invalid(format!("the payload has characters outside {encoding}")))
        })
        .collect()
}

pub(super) fn user_from_dict(dict: &PyValue) -> Result<UserPayload, Error> {
    if !matches!(dict, PyValue::Dict(_)) {
        return Err(invalid(format!(
            "the payload holds a {}, not a dict",
            dict.type_name()
        )));
    }
    let kind = match dict.get("type") {
        Some(PyValue::Str(kind)) if kind == "SessionUser" || kind == "ScriptUser" => kind.as_str(),
        Some(other) => return Err(Error::InvalidUserType(other.py_repr())),
        None => {
            return Err(Error::InvalidUserType(
                "no 'type' in the payload".to_owned(),
            ));
        }
    };
    let data = dict
        .get("data")
        .ok_or_else(|| invalid("the payload has no 'data'"))?;
    if !matches!(data, PyValue::Dict(_)) {
        return Err(invalid(format!(
            "'data' is a {}, not a dict",
            data.type_name()
        )));
    }
    let field = |name: &str| {
        data.get(name)
            .filter(|v| v.is_truthy())
            .map(PyValue::py_str)
    };
    let nullable = |name: &str| match data.get(name) {
        None | Some(PyValue::None) => None,
        Some(value) => Some(value.py_str()),
    };
    let host = field("host").ok_or_else(|| Error::IncompleteCredentials("missing host".into()))?;
    let http_proxy = nullable("http_proxy");
    if kind == "SessionUser" {
        let login =
            field("login").ok_or_else(|| Error::IncompleteCredentials("missing login.".into()))?;
        Ok(UserPayload::Session(SessionPayload {
            host,
            login,
            session_token: field("session_token").map(Secret::new),
            http_proxy,
            session_metadata: nullable("session_metadata").map(Secret::new),
        }))
    } else {
        let incomplete =
            || Error::IncompleteCredentials("missing api_script and/or api_key".into());
        let api_script = field("api_script").ok_or_else(incomplete)?;
        let api_key = field("api_key").ok_or_else(incomplete)?;
        Ok(UserPayload::Script(
            ScriptUser::new(host, api_script, api_key)?.with_http_proxy(http_proxy),
        ))
    }
}
