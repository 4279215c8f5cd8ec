//! Reading a payload: JSON or a data-only pickle into plain Python data, the ISO-8859-1
//! fallback undone, and the user fields taken from it with Python's checks and coercions.

use super::json_read;
use super::{FALLBACK_ENCODING_KEY, Payload, SessionPayload, UserPayload};
use crate::limits::MAX_PAYLOAD_BYTES;
use crate::pickle_read;
use crate::py_value::PyValue;
use crate::urlparse::py_repr_str;
use crate::{Error, PayloadError, ScriptUser, Secret};

pub(super) fn load(payload: Payload<'_>) -> Result<PyValue, PayloadError> {
    let bytes = match payload {
        Payload::Text(text) => text.as_bytes(),
        Payload::Bytes(bytes) => bytes,
    };
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(PayloadError::TooLarge {
            size: bytes.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    match bytes.first() {
        None => Err(PayloadError::Empty),
        Some(b'{') => json_read::loads(bytes).map_err(PayloadError::Json),
        Some(_) => {
            let value = unpickle(bytes)?;
            let Payload::Text(text) = payload else {
                return Ok(value);
            };
            let encoding = match value.get(FALLBACK_ENCODING_KEY) {
                None => return Ok(value),
                Some(PyValue::Str(encoding)) => encoding.clone(),
                Some(other) => {
                    return Err(PayloadError::EncodingNotAString {
                        type_name: other.type_name(),
                    });
                }
            };
            // Only one decoded payload is held at a time.
            drop(value);
            unpickle(&encode_text(text, &encoding)?)
        }
    }
}

fn unpickle(bytes: &[u8]) -> Result<PyValue, PayloadError> {
    let value = pickle_read::loads(bytes).map_err(PayloadError::Pickle)?;
    ensure_contains_str(value)
}

/// Python's `ensure_contains_str`: bytes become UTF-8 strings, through lists, tuples and dicts.
fn ensure_contains_str(value: PyValue) -> Result<PyValue, PayloadError> {
    Ok(match value {
        PyValue::Bytes(bytes) => PyValue::Str(
            String::from_utf8(bytes).map_err(|e| PayloadError::BytesNotUtf8(e.utf8_error()))?,
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
                .collect::<Result<_, PayloadError>>()?,
        ),
        other => other,
    })
}

/// The payload text in the encoding its `_payload_encoding` names.
fn encode_text(text: &str, encoding: &str) -> Result<Vec<u8>, PayloadError> {
    let name: String = encoding
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let (limit, canonical) = match name.as_str() {
        "iso88591" | "iso8859" | "latin1" | "latin" | "l1" | "8859" | "cp819" => {
            (0xff, "ISO-8859-1")
        }
        "ascii" | "usascii" | "646" => (0x7f, "ASCII"),
        "utf8" | "utf" | "u8" | "cp65001" => return Ok(text.as_bytes().to_vec()),
        _ => return Err(PayloadError::UnsupportedEncoding),
    };
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| u32::from(*b) <= limit)
                .ok_or_else(|| PayloadError::OutsideEncoding {
                    encoding: canonical.to_owned(),
                })
        })
        .collect()
}

pub(super) fn user_from_dict(dict: &PyValue) -> Result<UserPayload, Error> {
    if !matches!(dict, PyValue::Dict(_)) {
        return Err(PayloadError::NotADict {
            type_name: dict.type_name(),
        }
        .into());
    }
    let kind = match dict.get("type") {
        Some(PyValue::Str(kind)) if kind == "SessionUser" || kind == "ScriptUser" => kind.as_str(),
        // A string is shown as Python shows it; anything else only by its type, since a
        // container could hold the payload's secrets.
        Some(PyValue::Str(other)) => return Err(Error::InvalidUserType(py_repr_str(other))),
        Some(other) => {
            return Err(Error::InvalidUserType(format!(
                "a {}, not a string",
                other.type_name()
            )));
        }
        None => {
            return Err(Error::InvalidUserType(
                "no 'type' in the payload".to_owned(),
            ));
        }
    };
    let data = dict.get("data").ok_or(PayloadError::MissingData)?;
    if !matches!(data, PyValue::Dict(_)) {
        return Err(PayloadError::DataNotADict {
            type_name: data.type_name(),
        }
        .into());
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
