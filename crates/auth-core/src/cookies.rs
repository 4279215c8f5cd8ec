//! The browser cookies the Toolkit keeps as a session user's `session_metadata`, and what
//! they say about the session — Python's `sso_saml2` cookie helpers, same names.
//!
//! The metadata is base64 of the cookie lines (`Set-Cookie`-style, CRLF-joined). Where the
//! Python helpers crash on a malformed jar (an expiration that is not an integer, text that is
//! not UTF-8, a cookie name the parser refuses), these log a warning and report "no
//! information" instead (docs/decisions.md, Decision 9). A jar holding sessions of two sites is an error, as in
//! Python.

use crate::cookie_jar::{Cookie, CookieJar};
use crate::{Error, Secret};

const CLAIMS_EXPIRATION: &str = "shotgun_current_user_sso_claims_expiration";
const LEGACY_CLAIMS_EXPIRATION_PREFIX: &str = "shotgun_sso_session_expiration_u";
const SESSION_EXPIRATION: &str = "shotgun_current_session_expiration";
const USER_LOGIN: &str = "shotgun_current_user_login";
const LEGACY_USER_LOGIN_PREFIX: &str = "shotgun_sso_session_userid_u";
const CSRF_PREFIX: &str = "csrf_token_u";
const SESSION_ID: &str = "_session_id";

/// The cookie text inside encoded session metadata (Python's `_decode_cookies`): base64
/// decoded leniently (characters outside the alphabet are skipped), with every
/// `Set-Cookie: ` removed. Undecodable metadata gives an empty text and a logged error.
///
/// The text holds the session cookies, so it is returned as a [`Secret`].
pub fn decode_cookies(encoded_cookies: Option<&str>) -> Secret {
    let Some(encoded) = encoded_cookies.filter(|e| !e.is_empty()) else {
        return Secret::default();
    };
    let text = match b64decode(encoded) {
        Ok(bytes) => String::from_utf8(bytes).unwrap_or_else(|_| {
            tracing::warn!("Unable to decode the cookies: the decoded jar is not UTF-8");
            String::new()
        }),
        Err(reason) => {
            tracing::error!("Unable to decode the cookies: {reason}");
            String::new()
        }
    };
    Secret::new(text.replace("Set-Cookie: ", ""))
}

/// Python's non-validating `base64.b64decode`: skips characters outside the alphabet and
/// stops at the first complete padding.
fn b64decode(encoded: &str) -> Result<Vec<u8>, String> {
    if !encoded.is_ascii() {
        return Err("string argument should contain only ASCII characters".to_owned());
    }
    let mut out = Vec::with_capacity(encoded.len() / 4 * 3);
    let (mut quad_pos, mut left, mut pads) = (0u8, 0u8, 0u8);
    for byte in encoded.bytes() {
        if byte == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        pads = 0;
        // `left` holds at most 6 bits; the wrapping shifts drop what does not fit a byte,
        // exactly as the C decoder's `unsigned char` arithmetic does.
        match quad_pos {
            0 => {
                left = value;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (value >> 4));
                left = value & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | value);
                left = 0;
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".to_owned()),
    }
}

/// The parsed jar, or an empty one (with a warning) when Python's parser would raise.
fn load_jar(encoded_cookies: Option<&str>) -> CookieJar {
    let text = decode_cookies(encoded_cookies);
    CookieJar::load(text.expose()).unwrap_or_else(|e| {
        tracing::warn!("Ignoring unreadable session cookies: {}", e.0);
        CookieJar::default()
    })
}

/// The user id that the `csrf_token_u<ID>` cookie names (Python's `_get_shotgun_user_id`).
fn shotgun_user_id(jar: &CookieJar) -> Result<Option<String>, Error> {
    let mut found: Option<(&str, &Option<String>)> = None;
    for cookie in jar.iter() {
        let Some(id) = cookie.name.strip_prefix(CSRF_PREFIX) else {
            continue;
        };
        match found {
            None => found = Some((id, &cookie.domain)),
            // The same site may send the token in the old and the new cookie format.
            Some((_, domain)) if *domain == cookie.domain => {}
            Some((_, domain)) => {
                return Err(Error::MultiSessionNotSupported {
                    first_domain: py_str_opt(domain.as_ref()),
                    second_domain: py_str_opt(cookie.domain.as_ref()),
                });
            }
        }
    }
    Ok(found.map(|(id, _)| id.to_owned()))
}

fn py_str_opt(value: Option<&String>) -> String {
    value.map_or_else(|| "None".to_owned(), Clone::clone)
}

fn value_of<'a>(jar: &'a CookieJar, name: &str) -> Option<&'a str> {
    jar.get(name).map(|c: &Cookie| c.value.as_str())
}

/// The value of `<prefix><user id>` (Python's `_get_cookie_from_prefix`).
fn value_from_prefix(jar: &CookieJar, prefix: &str) -> Result<Option<String>, Error> {
    let id = shotgun_user_id(jar)?.unwrap_or_else(|| "None".to_owned());
    Ok(value_of(jar, &format!("{prefix}{id}")).map(str::to_owned))
}

/// A cookie's value, or the prefixed fallback when it is missing or empty (Python's `or`).
fn value_or_prefixed(jar: &CookieJar, name: &str, prefix: &str) -> Result<Option<String>, Error> {
    match value_of(jar, name) {
        Some(value) if !value.is_empty() => Ok(Some(value.to_owned())),
        _ => value_from_prefix(jar, prefix),
    }
}

/// An expiration as Python's `int()` reads it; anything else is "no information".
fn expiration(name: &str, value: Option<String>) -> Option<i64> {
    let value = value?;
    let parsed = crate::parse_python_int(&value);
    if parsed.is_none() {
        tracing::warn!("Ignoring the cookie {name}: its value is not an integer");
    }
    parsed
}

/// When the SAML/SSO claims expire, in seconds since the epoch: cookie
/// `shotgun_current_user_sso_claims_expiration`, else the legacy
/// `shotgun_sso_session_expiration_u<ID>`. `None` when absent or not an integer.
///
/// ```
/// use tk_auth_core::cookies::get_saml_claims_expiration;
///
/// // base64 of "csrf_token_u00=fedcba;shotgun_sso_session_expiration_u00=4321"
/// let jar = "Y3NyZl90b2tlbl91MDA9ZmVkY2JhO3Nob3RndW5fc3NvX3Nlc3Npb25fZXhwaXJhdGlvbl91MDA9NDMyMQ==";
/// assert_eq!(get_saml_claims_expiration(Some(jar))?, Some(4321));
/// assert_eq!(get_saml_claims_expiration(None)?, None);
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
pub fn get_saml_claims_expiration(encoded_cookies: Option<&str>) -> Result<Option<i64>, Error> {
    let jar = load_jar(encoded_cookies);
    let value = value_or_prefixed(&jar, CLAIMS_EXPIRATION, LEGACY_CLAIMS_EXPIRATION_PREFIX)?;
    Ok(expiration(CLAIMS_EXPIRATION, value))
}

/// When the web (Unified Login Flow) session expires, in seconds since the epoch: cookie
/// `shotgun_current_session_expiration`. `None` when absent or not an integer.
pub fn get_session_expiration(encoded_cookies: Option<&str>) -> Option<i64> {
    let jar = load_jar(encoded_cookies);
    expiration(
        SESSION_EXPIRATION,
        value_of(&jar, SESSION_EXPIRATION).map(str::to_owned),
    )
}

/// The login in the cookies (`shotgun_current_user_login`, else the legacy
/// `shotgun_sso_session_userid_u<ID>`), decoded like a form value (`+` is a space, `%XX`
/// escapes are UTF-8).
pub fn get_user_name(encoded_cookies: Option<&str>) -> Result<Option<String>, Error> {
    let jar = load_jar(encoded_cookies);
    Ok(value_or_prefixed(&jar, USER_LOGIN, LEGACY_USER_LOGIN_PREFIX)?.map(|v| unquote_plus(&v)))
}

/// The browser session id (cookie `_session_id`), which the web login uses as the API
/// session token.
pub fn get_session_id(encoded_cookies: Option<&str>) -> Option<Secret> {
    let jar = load_jar(encoded_cookies);
    value_of(&jar, SESSION_ID).map(Secret::from)
}

/// The CSRF token (cookie `csrf_token_u<ID>`).
pub fn get_csrf_token(encoded_cookies: Option<&str>) -> Result<Option<Secret>, Error> {
    let jar = load_jar(encoded_cookies);
    Ok(value_from_prefix(&jar, CSRF_PREFIX)?.map(Secret::from))
}

/// The CSRF token's cookie name, `csrf_token_u<ID>` — `csrf_token_uNone` when the jar has no
/// CSRF cookie, exactly as Python writes it.
pub fn get_csrf_key(encoded_cookies: Option<&str>) -> Result<String, Error> {
    let jar = load_jar(encoded_cookies);
    let id = shotgun_user_id(&jar)?.unwrap_or_else(|| "None".to_owned());
    Ok(format!("{CSRF_PREFIX}{id}"))
}

/// Whether the cookies carry SSO/SAML claims (a known claims expiration).
pub fn has_sso_info_in_cookies(encoded_cookies: Option<&str>) -> Result<bool, Error> {
    Ok(get_saml_claims_expiration(encoded_cookies)?.is_some())
}

/// Whether the cookies carry a Unified Login Flow session (a known session expiration).
pub fn has_unified_login_flow_info_in_cookies(encoded_cookies: Option<&str>) -> bool {
    get_session_expiration(encoded_cookies).is_some()
}

/// Python's `urllib.parse.unquote_plus`.
fn unquote_plus(value: &str) -> String {
    let value = value.replace('+', " ");
    if !value.contains('%') {
        return value;
    }
    // ASCII runs are percent-decoded to bytes and read as UTF-8 (invalid bytes become
    // U+FFFD); other characters pass through.
    let mut out = String::with_capacity(value.len());
    let mut run = Vec::new();
    let flush = |run: &mut Vec<u8>, out: &mut String| {
        out.push_str(&percent_encoding::percent_decode(run).decode_utf8_lossy());
        run.clear();
    };
    for c in value.chars() {
        if c.is_ascii() {
            run.push(c as u8);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64decode_is_lenient_like_python() {
        assert_eq!(b64decode("YWJj").unwrap(), b"abc");
        assert_eq!(b64decode("!Y W\nJj*").unwrap(), b"abc");
        assert_eq!(b64decode("YQ==garbage").unwrap(), b"a");
        assert_eq!(b64decode("abc").unwrap_err(), "Incorrect padding");
        assert!(b64decode("a").unwrap_err().contains("(1) cannot be 1 more"));
    }

    #[test]
    fn unquote_plus_decodes_form_values() {
        assert_eq!(unquote_plus("first+last%2Bwork%20x"), "first last+work x");
        assert_eq!(unquote_plus("%C3%A9%zz%"), "é%zz%");
        assert_eq!(unquote_plus("%C3"), "\u{fffd}");
    }
}
