//! The text forms inside pickle opcodes: Python 2 string literals, raw-unicode-escape
//! text, and integers written as text or as little-endian bytes.

use super::{PickleError, err};
use crate::py_value::PyValue;

/// `int(text, 0)` as the `I` and `L` opcodes read it: one optional sign, then decimal digits
/// or `0x`/`0o`/`0b` and digits of that base, with single underscores between digits. Only
/// ASCII digits count (the text is bytes), and the value is built with checked arithmetic,
/// so nothing can overflow whatever the build profile.
pub(super) fn parse_int_text(text: &[u8]) -> Result<i128, PickleError> {
    let bad = || PickleError("invalid literal for int() in pickle".to_owned());
    let text = std::str::from_utf8(text).map_err(|_| bad())?;
    let text = crate::urlparse::py_strip(text);
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let prefix = body.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match prefix.as_deref() {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ => (10, body),
    };
    // After a base prefix, one underscore may come before the first digit.
    let digits = match digits.strip_prefix('_') {
        Some(rest) if radix != 10 => rest,
        _ => digits,
    };
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b == b'_' || char::from(b).is_digit(radix))
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        // Like Python, a decimal with a leading zero must be all zeros.
        && !(radix == 10 && digits.starts_with('0') && digits.bytes().any(|b| b != b'0' && b != b'_'));
    if !well_formed {
        return Err(bad());
    }
    let too_large = || PickleError("integer in pickle is too large".to_owned());
    let mut magnitude: u128 = 0;
    for digit in digits.chars().filter_map(|c| c.to_digit(radix)) {
        magnitude = magnitude
            .checked_mul(u128::from(radix))
            .and_then(|m| m.checked_add(u128::from(digit)))
            .ok_or_else(too_large)?;
    }
    if negative {
        0i128.checked_sub_unsigned(magnitude).ok_or_else(too_large)
    } else {
        i128::try_from(magnitude).map_err(|_| too_large())
    }
}

/// A little-endian two's-complement integer (`LONG1`/`LONG4`).
pub(super) fn long_from_le(bytes: &[u8]) -> Result<i128, PickleError> {
    if bytes.is_empty() {
        return Ok(0);
    }
    if bytes.len() > 16 {
        return err("integer in pickle is too large");
    }
    let fill = if bytes[bytes.len() - 1] & 0x80 != 0 {
        0xff
    } else {
        0
    };
    let mut raw = [fill; 16];
    raw[..bytes.len()].copy_from_slice(bytes);
    Ok(i128::from_le_bytes(raw))
}

/// A Python 2 `str` (bytes). Python 3 would decode it as ASCII and fail on anything else;
/// reading it as UTF-8 accepts every payload Python accepts and the non-ASCII ones that
/// Python 2 processes wrote.
pub(super) fn py2_string(bytes: Vec<u8>) -> Result<PyValue, PickleError> {
    String::from_utf8(bytes)
        .map(PyValue::Str)
        .map_err(|_| PickleError("a Python 2 string is neither ASCII nor UTF-8".to_owned()))
}

/// The quoted argument of the `STRING` opcode, unescaped like `codecs.escape_decode`.
pub(super) fn parse_py2_string_literal(line: &[u8]) -> Result<Vec<u8>, PickleError> {
    let quoted =
        line.len() >= 2 && line[0] == line[line.len() - 1] && (line[0] == b'\'' || line[0] == b'"');
    if !quoted {
        return err("the STRING opcode argument must be quoted");
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        let Some(&c) = body.get(i + 1) else {
            return err("Trailing \\ in string");
        };
        i += 2;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match body.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                // Python keeps the low byte of octal escapes above \377.
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let hex = body
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        PickleError(format!("invalid \\x escape at position {}", i - 2))
                    })?;
                out.push(hex);
                i += 2;
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Python's `raw-unicode-escape` decoding, used by the `UNICODE` opcode: bytes are Latin-1
/// characters, and `\uXXXX`/`\UXXXXXXXX` after an odd number of backslashes are escapes.
pub(super) fn raw_unicode_escape_decode(bytes: &[u8]) -> Result<String, PickleError> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(char::from(bytes[i]));
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| **b == b'\\').count();
        for _ in 0..run {
            out.push('\\');
        }
        i += run;
        let width = match bytes.get(i) {
            Some(b'u') if run % 2 == 1 => 4,
            Some(b'U') if run % 2 == 1 => 8,
            _ => continue,
        };
        out.pop();
        let hex = bytes
            .get(i + 1..i + 1 + width)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .ok_or_else(|| {
                PickleError(format!(
                    "truncated \\{}XXXX escape in a unicode string",
                    char::from(bytes[i])
                ))
            })?;
        let code = u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16)
            .map_err(|_| PickleError("invalid escape in a unicode string".to_owned()))?;
        let c = char::from_u32(code).ok_or_else(|| {
            PickleError(format!(
                "\\U{code:08x} in a unicode string is out of range or a lone surrogate"
            ))
        })?;
        out.push(c);
        i += 1 + width;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_unicode_escapes_follow_python() {
        assert_eq!(
            raw_unicode_escape_decode(b"\\u005c\\\\u0041\xe9").unwrap(),
            "\\\\\\u0041é"
        );
        assert!(raw_unicode_escape_decode(b"\\u00").is_err());
        assert!(raw_unicode_escape_decode(b"\\U00110000").is_err());
    }

    #[test]
    fn int_text_follows_python_int_with_base_0() {
        assert_eq!(parse_int_text(b"0x1F").unwrap(), 31);
        assert_eq!(parse_int_text(b"-0o_7").unwrap(), -7);
        assert_eq!(parse_int_text(b"000").unwrap(), 0);
        assert!(parse_int_text(b"012").is_err());
        assert!(parse_int_text(b"1__2").is_err());
        assert_eq!(parse_int_text(b" 0b_1_0\n").unwrap(), 2);
        assert_eq!(parse_int_text(b"000_0").unwrap(), 0);
        assert_eq!(
            parse_int_text(b"-170141183460469231731687303715884105728").unwrap(),
            i128::MIN
        );
        assert_eq!(long_from_le(b"\xff").unwrap(), -1);
        assert_eq!(long_from_le(b"\x00\x01").unwrap(), 256);
    }

    #[test]
    fn a_second_sign_or_a_non_digit_is_refused_as_python_refuses_it() {
        for bad in [
            &b"--5"[..],
            b"-+5",
            b"+-5",
            b"- 5",
            b"0x-5",
            b"0x+5",
            b"5L",
            b"\xd9\xa5",
            b"0x",
            b"_5",
        ] {
            assert!(
                parse_int_text(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn integers_beyond_128_bits_are_refused_without_overflowing() {
        // -(i128::MIN) used to overflow: a panic in debug builds, a wrong sign in release.
        assert!(parse_int_text(b"--170141183460469231731687303715884105728").is_err());
        assert!(parse_int_text(b"170141183460469231731687303715884105728").is_err());
        assert!(parse_int_text(b"-170141183460469231731687303715884105729").is_err());
        assert!(parse_int_text(b"0x1_0000_0000_0000_0000_0000_0000_0000_0000").is_err());
        assert_eq!(
            parse_int_text(b"170141183460469231731687303715884105727").unwrap(),
            i128::MAX
        );
    }
}
