//! When a Flow access token (a JWT) expires, read from its `exp` claim without verifying
//! the signature, with exactly the tolerance of the Python Toolkit's `_decode_token_payload`
//! and `check_token_expiry`. The token is only ever a hint to refresh early: the server
//! decides whether it is still good.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The `exp` claim of a JWT, in seconds since the Unix epoch; `None` when the token cannot
/// be read or has no usable `exp`.
///
/// The token must have three dot-separated parts; the middle one is base64 read as Python's
/// `base64.urlsafe_b64decode` reads it after padding it (both alphabets, characters outside
/// them skipped, the end at the first complete padding), and must hold a JSON object (UTF-8,
/// a byte-order mark allowed). `exp` counts when it is a non-zero number (`true` counts as
/// 1, as in Python); anything else, `0` included, is no expiry. Python's JSON reader also
/// takes `NaN` and `Infinity`, which would make a token never expire; here they make the
/// token unreadable, so it is refreshed.
///
/// ```
/// use tk_auth_core::jwt_expiry;
///
/// // {"alg":"RS256"} . {"exp":1700000000} . signature
/// let token = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln";
/// assert_eq!(jwt_expiry(token), Some(1_700_000_000.0));
/// assert_eq!(jwt_expiry("not-a-jwt"), None);
/// ```
pub fn jwt_expiry(token: &str) -> Option<f64> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let bytes = python_b64decode(payload)?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let claims: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let exp = match claims.as_object()?.get("exp")? {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::Bool(true) => 1.0,
        _ => return None,
    };
    // A zero `exp` is falsy in Python: no expiry.
    (exp != 0.0).then_some(exp)
}

/// Whether `token` expires within `buffer` of `now`, or cannot be told (Python's
/// `check_token_expiry`, whose buffer is 300 s): a token that is unreadable or has no `exp`
/// counts as expiring, so that it is refreshed.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tk_auth_core::expires_within;
///
/// let token = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2ln"; // exp 1700000000
/// let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
/// let five_minutes = Duration::from_mins(5);
/// assert!(!expires_within(token, five_minutes, at(1_699_999_000)));
/// assert!(expires_within(token, five_minutes, at(1_699_999_800)));
/// assert!(expires_within("a.b", five_minutes, at(0)));
/// ```
pub fn expires_within(token: &str, buffer: Duration, now: SystemTime) -> bool {
    let Some(exp) = jwt_expiry(token) else {
        return true;
    };
    let now = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => after.as_secs_f64(),
        Err(before) => -before.duration().as_secs_f64(),
    };
    exp - now < buffer.as_secs_f64()
}

/// Standard base64 that takes a last group of two or three characters and ignores its
/// unused bits, as `binascii.a2b_base64` does.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Python's `base64.urlsafe_b64decode(text + padding)`: `binascii.a2b_base64` outside its
/// strict mode, which skips characters that are not base64 and stops at the first padding
/// that completes a group. The padding is worked out, as Python does, from the length of
/// the text before anything is skipped.
fn python_b64decode(text: &str) -> Option<Vec<u8>> {
    // Python refuses text that is not ASCII before decoding.
    if !text.is_ascii() {
        return None;
    }
    let padding = (4 - text.len() % 4) % 4;
    let mut data = String::with_capacity(text.len());
    let (mut quad_pos, mut pads, mut completed) = (0usize, 0usize, false);
    for c in text.chars().chain(std::iter::repeat_n('=', padding)) {
        let c = match c {
            '-' => '+',
            '_' => '/',
            c => c,
        };
        if c == '=' {
            // Padding counts only once two characters of a group are in.
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    completed = true;
                    break;
                }
            }
            continue;
        }
        if !(c.is_ascii_alphanumeric() || c == '+' || c == '/') {
            continue;
        }
        pads = 0;
        data.push(c);
        quad_pos = (quad_pos + 1) % 4;
    }
    // A last group left incomplete without padding is "Incorrect padding".
    if quad_pos != 0 && !completed {
        return None;
    }
    LENIENT.decode(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64url(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn jwt(claims: &str) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", b64url(claims.as_bytes()))
    }

    #[test]
    fn exp_is_read_from_integers_and_floats_and_falsy_values_are_none() {
        let cases = [
            (r#"{"exp": 1700000000}"#, Some(1_700_000_000.0)),
            (r#"{"exp": 1700000000.5}"#, Some(1_700_000_000.5)),
            (r#"{"exp": -5}"#, Some(-5.0)),
            (r#"{"exp": true}"#, Some(1.0)),
            (r#"{"exp": 0}"#, None),
            (r#"{"exp": 0.0}"#, None),
            (r#"{"exp": false}"#, None),
            (r#"{"exp": null}"#, None),
            (r#"{"exp": "1700000000"}"#, None),
            (r#"{"sub": "x"}"#, None),
            (r"[1, 2]", None),
            (r#"{"exp": NaN}"#, None),
            ("\u{feff}{\"exp\": 7}", Some(7.0)),
            (r#"{"exp": 5, "exp": 9}"#, Some(9.0)),
        ];
        for (claims, expected) in cases {
            assert_eq!(jwt_expiry(&jwt(claims)), expected, "{claims}");
        }
    }

    /// Each payload was checked against Python's `urlsafe_b64decode` + `json.loads`.
    #[test]
    fn the_payload_is_read_with_pythons_base64_tolerance() {
        // 19 bytes: 26 characters, so Python adds two `=`.
        let claims = br#"{"exp": 1700000000}"#;
        let standard = base64::engine::general_purpose::STANDARD.encode(claims);
        let url = b64url(claims);
        // 18 bytes: 24 characters, no padding; skipped characters keep the length a multiple
        // of 4 here, but not for `url` (52 characters, two left over: "Incorrect padding").
        let even = b64url(br#"{"exp":1700000000}"#);
        let spaced = |text: &str| text.chars().flat_map(|c| [c, '!']).collect::<String>();
        for payload in [
            url.clone(),
            standard.clone(),
            format!("{standard}=="),
            format!("{url}="),
            format!("{url}==trailing"),
            spaced(&even),
        ] {
            assert_eq!(
                jwt_expiry(&format!("h.{payload}.s")),
                Some(1_700_000_000.0),
                "{payload}"
            );
        }
        for token in [
            format!("h.{}.s", spaced(&url)),
            format!("h.{}.s", &url[..url.len() - 1]),
            format!("h.{url}A.s"),
            format!("h.{url}\u{e9}.s"),
            format!("h.{url}"),
            format!("h.{url}.s.t"),
            "a.!!!.c".to_owned(),
            format!("h.{}.s", b64url(b"not json")),
        ] {
            assert_eq!(jwt_expiry(&token), None, "{token}");
        }
    }

    #[test]
    fn expiry_is_compared_with_the_buffer() {
        let token = jwt(r#"{"exp": 1000}"#);
        let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let buffer = Duration::from_mins(5);
        // Expiring means less time left than the buffer, strictly, as in Python.
        assert!(!expires_within(&token, buffer, at(700)));
        assert!(expires_within(&token, buffer, at(701)));
        assert!(!expires_within(&token, Duration::ZERO, at(1000)));
        assert!(expires_within(&token, Duration::ZERO, at(1001)));
        assert!(expires_within("x", Duration::ZERO, at(0)));
    }
}
