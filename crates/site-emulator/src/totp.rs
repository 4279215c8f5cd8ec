//! RFC 6238 time-based one-time passwords (SHA-1, 30-second steps), as authenticator apps
//! compute them.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;

use crate::users::secrets_equal;

/// Seconds per time step.
const STEP_SECONDS: u64 = 30;
/// Digits in a code a person types.
pub(crate) const DIGITS: u32 = 6;

/// The HOTP value (RFC 4226) of `counter`, truncated to `digits` decimal digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation: the low nibble of the last byte picks four bytes.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The code for the step holding `unix_seconds`.
pub(crate) fn code_at(secret: &[u8], unix_seconds: u64, digits: u32) -> String {
    hotp(secret, unix_seconds / STEP_SECONDS, digits)
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether `code` is the code of the current step or of one step either side (clock skew).
pub(crate) fn verify(secret: &[u8], code: &str, unix_seconds: u64) -> bool {
    let code = code.trim();
    [
        unix_seconds.saturating_sub(STEP_SECONDS),
        unix_seconds,
        unix_seconds.saturating_add(STEP_SECONDS),
    ]
    .iter()
    .any(|&t| secrets_equal(code_at(secret, t, DIGITS).as_bytes(), code.as_bytes()))
}

/// Decodes RFC 4648 base32 text: case-insensitive, spaces and `=` padding ignored.
pub(crate) fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    let mut digits = 0usize;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u as u32 - 'A' as u32,
            d @ '2'..='7' => d as u32 - '2' as u32 + 26,
            _ => return None,
        };
        digits += 1;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    (digits > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, the SHA-1 rows: the 20-byte ASCII key "12345678901234567890",
    /// 8 digits.
    #[test]
    fn rfc_6238_sha1_test_vectors() {
        let secret = b"12345678901234567890";
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, expected) in vectors {
            assert_eq!(code_at(secret, time, 8), expected, "T = {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_low_digits() {
        assert_eq!(code_at(b"12345678901234567890", 59, DIGITS), "287082");
    }

    #[test]
    fn verify_accepts_one_step_of_skew_and_no_more() {
        let secret = b"12345678901234567890";
        let t = 1_111_111_111;
        assert!(verify(secret, &code_at(secret, t, DIGITS), t));
        assert!(verify(secret, &code_at(secret, t - 30, DIGITS), t));
        assert!(verify(secret, &code_at(secret, t + 30, DIGITS), t));
        assert!(!verify(secret, &code_at(secret, t - 90, DIGITS), t));
        assert!(!verify(secret, "12345", t));
    }

    #[test]
    fn base32_decodes_rfc_4648_examples() {
        assert_eq!(
            decode_base32("MZXW6YTBOI======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(
            decode_base32("mzxw 6ytb oi").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(
            decode_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert_eq!(decode_base32("not base32!"), None);
        assert_eq!(decode_base32(""), None);
    }
}
