//! The two Python string operations the Toolkit applies to logins and settings, with Python's
//! exact character sets: `str.strip()` and `int(text)`.

/// Python's `str.isspace()` characters (Unicode 14, Python 3.11): Rust's `char::is_whitespace`
/// plus the ASCII separators U+001C–U+001F.
pub(crate) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `text.strip()`.
pub(crate) fn py_strip(text: &str) -> &str {
    text.trim_matches(is_python_space)
}

/// The first code point of each run of ten decimal digits (Unicode category Nd) in Unicode 14,
/// the version of Python 3.11: `int()` accepts every one of them.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit in any script, as Python's `unicodedata.decimal`.
fn decimal_digit(c: char) -> Option<u8> {
    let code = u32::from(c);
    let zero = match DIGIT_ZEROS.binary_search(&code) {
        Ok(i) => DIGIT_ZEROS[i],
        Err(0) => return None,
        Err(i) => DIGIT_ZEROS[i - 1],
    };
    u8::try_from(code - zero).ok().filter(|d| *d < 10)
}

/// Why text is not an integer that fits.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Python's `int()` refuses it too.
    Invalid,
    /// Python reads it, but it does not fit in 64 bits.
    OutOfRange,
}

/// Python's `int(text)` in base 10: surrounding white space, one sign, decimal digits of any
/// script, and single `_` between digits.
pub(crate) fn python_int(text: &str) -> Result<i64, IntError> {
    // `int()` itself skips Python's white space except U+001C–U+001F.
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (negative, digits) = match t.chars().next() {
        Some('-') => (true, &t[1..]),
        Some('+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return Err(IntError::Invalid);
    }
    let mut value: i128 = 0;
    let mut overflow = false;
    let mut previous_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if previous_underscore {
                return Err(IntError::Invalid);
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        let d = decimal_digit(c).ok_or(IntError::Invalid)?;
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(IntError::OutOfRange);
    }
    i64::try_from(if negative { -value } else { value }).map_err(|_| IntError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_uses_python_white_space() {
        assert_eq!(py_strip("\u{1c}\u{1f} jd\u{a0}\u{3000}\n"), "jd");
        assert_eq!(
            py_strip("\u{200b}jd"),
            "\u{200b}jd",
            "zero-width space is not white"
        );
    }

    #[test]
    fn int_accepts_what_python_int_accepts() {
        assert_eq!(python_int(" +1_000\n"), Ok(1000));
        assert_eq!(python_int("-5"), Ok(-5));
        assert_eq!(python_int("\u{661}\u{662}"), Ok(12));
        assert_eq!(python_int("\u{a0}\u{ff17}"), Ok(7));
        assert_eq!(python_int("007"), Ok(7));
        assert_eq!(python_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(python_int("9223372036854775808"), Err(IntError::OutOfRange));
        assert_eq!(python_int(&"9".repeat(60)), Err(IntError::OutOfRange));
        for bad in [
            "", "12.5", "0x10", "_1", "1__0", "1_", "+", "- 1", "\u{1c}1", "1e3", "\u{b2}",
        ] {
            assert_eq!(python_int(bad), Err(IntError::Invalid), "{bad:?}");
        }
    }
}
