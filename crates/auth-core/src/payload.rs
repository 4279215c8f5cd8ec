//! Serialized users: the payloads Toolkit processes hand each other (environment variables,
//! serialized contexts, core swaps), byte-compatible with Python's `serialize_user` and
//! `deserialize_user`.

use std::fmt::Write as _;

use crate::pickle_write::{self, Item};
use crate::{Error, ScriptUser, Secret, SessionUser, User};

mod json_read;
mod reading;

/// The marker key Python adds to a pickle payload that had to be decoded as ISO-8859-1.
const FALLBACK_ENCODING_KEY: &str = "_payload_encoding";
const FALLBACK_ENCODING: &str = "ISO-8859-1";

/// How to serialize a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// `json.dumps` of `{"type", "data"}` — Python's `serialize_user(user, use_json=True)`.
    #[default]
    Json,
    /// Pickle protocol 0 as text — Python's `serialize_user(user)` (its default).
    Pickle,
}

/// A payload to deserialize: text (a Python `str`, e.g. an environment variable) or bytes.
///
/// The difference matters only for pickles written with the ISO-8859-1 fallback, which are
/// re-encoded from text the way Python does.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// A payload held as text.
    Text(&'a str),
    /// A payload held as bytes (JSON is accepted as bytes too).
    Bytes(&'a [u8]),
}

impl<'a> From<&'a str> for Payload<'a> {
    fn from(text: &'a str) -> Self {
        Self::Text(text)
    }
}
impl<'a> From<&'a String> for Payload<'a> {
    fn from(text: &'a String) -> Self {
        Self::Text(text)
    }
}
impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Self::Bytes(bytes)
    }
}
impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(bytes: &'a Vec<u8>) -> Self {
        Self::Bytes(bytes)
    }
}
impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    fn from(bytes: &'a [u8; N]) -> Self {
        Self::Bytes(bytes)
    }
}

/// What a payload describes, before the session token is required: Python recovers a
/// missing token from the session cache, which is the caller's business here (reading a
/// payload never touches files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserPayload {
    /// A session user, perhaps without a token.
    Session(SessionPayload),
    /// A complete script user.
    Script(ScriptUser),
}

/// A session user as a payload describes it; the token may be missing.
///
/// Non-exhaustive: payloads may come to carry more fields, as Python's `to_dict()` grows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionPayload {
    /// The site URL, as given.
    pub host: String,
    /// The login.
    pub login: String,
    /// The token; `None` when the payload has none (or an empty one).
    pub session_token: Option<Secret>,
    /// The http proxy, as given.
    pub http_proxy: Option<String>,
    /// The encoded web-login cookies.
    pub session_metadata: Option<Secret>,
}

impl SessionPayload {
    /// The session user; a missing token is `IncompleteCredentials("missing session_token")`.
    pub fn into_user(self) -> Result<SessionUser, Error> {
        let token = self.session_token.unwrap_or_default();
        Ok(SessionUser::new(self.host, self.login, token)?
            .with_http_proxy(self.http_proxy)
            .with_session_metadata(self.session_metadata))
    }
}

impl UserPayload {
    /// The user, checked as Python's `deserialize_user` checks it: a session token is
    /// required, and the cookies must not mix sites.
    pub fn into_user(self) -> Result<User, Error> {
        let user = match self {
            Self::Session(session) => User::Session(session.into_user()?),
            Self::Script(script) => User::Script(script),
        };
        user.class()?;
        Ok(user)
    }
}

/// Serializes a user exactly as Python's `serialize_user(user, use_json=…)` does.
///
/// ```
/// use tk_auth_core::{Format, SessionUser, User, serialize_user};
///
/// let user = User::from(SessionUser::new("https://mysite.shotgunstudio.com", "jdoe", "tok")?);
/// assert_eq!(
///     serialize_user(&user, Format::Json),
///     r#"{"type": "SessionUser", "data": {"http_proxy": null, "host": "https://mysite.shotgunstudio.com", "login": "jdoe", "session_token": "tok"}}"#
/// );
/// assert!(serialize_user(&user, Format::Pickle).starts_with("(dp0\nVtype\np1\nVSessionUser\n"));
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
pub fn serialize_user(user: &User, format: Format) -> String {
    let data = user_data(user);
    match format {
        Format::Json => {
            let mut out = format!("{{\"type\": {}, \"data\": {{", json_str(user.impl_type()));
            for (i, (key, value)) in data.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let value = match value {
                    Item::Str(s) => json_str(s),
                    Item::None | Item::Dict(_) => "null".to_owned(),
                };
                let _ = write!(out, "{}: {value}", json_str(key));
            }
            out.push_str("}}");
            out
        }
        Format::Pickle => {
            let mut dict = vec![
                ("type", Item::Str(user.impl_type())),
                ("data", Item::Dict(data)),
            ];
            if let Ok(text) = String::from_utf8(pickle_write::dumps(&dict)) {
                text
            } else {
                // Latin-1 characters are written as single bytes, which may not be UTF-8:
                // Python then marks the payload and decodes it as ISO-8859-1.
                dict.push((FALLBACK_ENCODING_KEY, Item::Str(FALLBACK_ENCODING)));
                pickle_write::dumps(&dict)
                    .into_iter()
                    .map(char::from)
                    .collect()
            }
        }
    }
}

/// Python's `to_dict()` of the user implementation, in its key order.
fn user_data(user: &User) -> Vec<(&'static str, Item<'_>)> {
    fn opt(value: Option<&str>) -> Item<'_> {
        value.map_or(Item::None, Item::Str)
    }
    match user {
        User::Session(u) => {
            let mut data = vec![
                ("http_proxy", opt(u.http_proxy())),
                ("host", Item::Str(u.host())),
                ("login", Item::Str(u.login())),
                ("session_token", Item::Str(u.session_token().expose())),
            ];
            if let Some(metadata) = u.session_metadata() {
                data.push(("session_metadata", Item::Str(metadata.expose())));
            }
            data
        }
        User::Script(u) => vec![
            ("http_proxy", opt(u.http_proxy())),
            ("host", Item::Str(u.host())),
            ("api_script", Item::Str(u.api_script())),
            ("api_key", Item::Str(u.api_key().expose())),
        ],
    }
}

/// `json.dumps` of a string with its defaults (`ensure_ascii=True`).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::write_python_json_str(&mut out, s);
    out
}

/// Reads a serialized user as Python's `deserialize_user` does, without its side effects:
/// a payload whose first character is `{` is JSON (as text or bytes), anything else a
/// data-only pickle. Every problem is an error saying what was wrong; nothing is executed
/// and no file is read or written.
///
/// ```
/// use tk_auth_core::{deserialize_user, UserClass};
///
/// let user = deserialize_user(r#"{"type": "ScriptUser", "data": {"http_proxy": null,
///     "host": "https://mysite.shotgunstudio.com", "api_script": "Toolkit", "api_key": "k"}}"#)?;
/// assert_eq!(user.to_string(), "Toolkit");
/// assert_eq!(user.class()?, UserClass::ShotgunUser);
/// assert!(deserialize_user("cos\nsystem\n(S'echo hi'\ntR.").is_err());
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
pub fn deserialize_user<'a>(payload: impl Into<Payload<'a>>) -> Result<User, Error> {
    deserialize_payload(payload)?.into_user()
}

/// Reads a serialized user like [`deserialize_user`], but leaves a missing session token to
/// the caller (Python looks it up in the session cache).
pub fn deserialize_payload<'a>(payload: impl Into<Payload<'a>>) -> Result<UserPayload, Error> {
    let dict = reading::load(payload.into())?;
    reading::user_from_dict(&dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_like_python() {
        assert_eq!(
            json_str("a\"\\\n\u{7f}é😀\u{1}"),
            r#""a\"\\\n\u007f\u00e9\ud83d\ude00\u0001""#
        );
    }

    #[test]
    fn latin1_characters_that_are_not_utf8_use_the_fallback() {
        let user = User::from(SessionUser::new("h", "caf\u{e9}", "t").unwrap());
        let payload = serialize_user(&user, Format::Pickle);
        assert!(payload.contains("V_payload_encoding\n"));
        assert_eq!(deserialize_user(&payload).unwrap(), user);
    }
}
