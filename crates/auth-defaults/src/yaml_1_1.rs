//! The YAML 1.1 types of plain scalars, as `PyYAML` (what the Python Toolkit reads and writes
//! session files with) resolves and constructs them.
//!
//! YAML 1.2 readers differ: `1e5` and `0o17` are numbers there but strings for `PyYAML`,
//! which therefore writes them unquoted; `yes` and `0777` are the reverse. Reading with
//! these rules keeps every value Python wrote as Python reads it.

use std::sync::LazyLock;

use regex_lite::Regex;

use crate::yaml::Yaml;

/// `PyYAML`'s implicit resolvers, one pattern per type.
struct Resolvers {
    bool: Regex,
    float: Regex,
    int: Regex,
    null: Regex,
    /// Timestamps, merge keys (`<<`) and value keys (`=`): kept as text when read.
    other: Regex,
}

static RESOLVERS: LazyLock<Option<Resolvers>> = LazyLock::new(|| {
    let whole = |alternatives: &[&str]| Regex::new(&format!("^(?:{})$", alternatives.concat()));
    Some(Resolvers {
        bool: whole(&[
            "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        ])
        .ok()?,
        float: whole(&[
            r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
            r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
            r"|[-+]?\.(?:inf|Inf|INF)",
            r"|\.(?:nan|NaN|NAN)",
        ])
        .ok()?,
        int: whole(&[
            "[-+]?0b[0-1_]+",
            "|[-+]?0[0-7_]+",
            "|[-+]?(?:0|[1-9][0-9_]*)",
            "|[-+]?0x[0-9a-fA-F_]+",
            "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        ])
        .ok()?,
        null: whole(&["~|null|Null|NULL|"]).ok()?,
        other: whole(&[
            "<<|=",
            "|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
            "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
            r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
            r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?",
        ])
        .ok()?,
    })
});

fn resolvers() -> Option<&'static Resolvers> {
    // The patterns are constants and always compile.
    RESOLVERS.as_ref()
}

/// Whether a plain scalar may be typed at all: `PyYAML` indexes its implicit resolvers by
/// the scalar's first character (bool `yYnNtTfFoO`, numbers `-+0-9.`, null `~nN` and the
/// empty scalar, merge `<`, value `=`), and tries none for any other first character. Most
/// of a session file (logins, sites, tokens) is settled here without a regex.
fn may_be_typed(text: &str) -> bool {
    text.as_bytes()
        .first()
        .is_none_or(|b| b"yYnNtTfFoO-+0123456789.~<=".contains(b))
}

/// Whether `PyYAML` reads `text`, written unquoted, as a string.
pub(crate) fn plain_reads_as_string(text: &str) -> bool {
    if !may_be_typed(text) {
        return true;
    }
    let Some(r) = resolvers() else {
        // Quoting everything is still correct YAML.
        return false;
    };
    ![&r.bool, &r.float, &r.int, &r.null, &r.other]
        .iter()
        .any(|re| re.is_match(text))
}

/// The value of an unquoted scalar, typed as `PyYAML`'s `safe_load` types it. Timestamps stay
/// text, and so do integers wider than 64 bits.
pub(crate) fn resolve_plain(text: &str) -> Yaml {
    if !may_be_typed(text) {
        return Yaml::str(text);
    }
    let Some(r) = resolvers() else {
        return Yaml::str(text);
    };
    if r.null.is_match(text) {
        Yaml::Null
    } else if r.bool.is_match(text) {
        Yaml::Bool(
            matches!(text.as_bytes()[0], b'y' | b'Y' | b't' | b'T')
                || text.eq_ignore_ascii_case("on"),
        )
    } else if r.int.is_match(text) {
        int(text).unwrap_or_else(|| Yaml::str(text))
    } else if r.float.is_match(text) {
        float(text).map_or_else(|| Yaml::str(text), Yaml::Float)
    } else {
        Yaml::str(text)
    }
}

/// Splits a sign off and removes `_`, as `PyYAML`'s number constructors do.
fn sign_and_digits(text: &str) -> (bool, String) {
    let cleaned = text.replace('_', "");
    match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (
            false,
            cleaned.strip_prefix('+').unwrap_or(&cleaned).to_owned(),
        ),
    }
}

/// Digits separated by `:` in base 60 (`1:30` is 90).
fn sexagesimal_int(text: &str) -> Option<i128> {
    text.split(':').try_fold(0_i128, |acc, part| {
        acc.checked_mul(60)?.checked_add(part.parse::<i128>().ok()?)
    })
}

fn sexagesimal_float(text: &str) -> Option<f64> {
    text.split(':').try_fold(0.0, |acc, part| {
        Some(acc * 60.0 + part.parse::<f64>().ok()?)
    })
}

fn int(text: &str) -> Option<Yaml> {
    let (negative, digits) = sign_and_digits(text);
    let magnitude: i128 = if digits == "0" {
        0
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix('0') {
        i128::from_str_radix(oct, 8).ok()?
    } else if digits.contains(':') {
        sexagesimal_int(&digits)?
    } else {
        digits.parse().ok()?
    };
    let value = if negative {
        magnitude.checked_neg()?
    } else {
        magnitude
    };
    i64::try_from(value)
        .map(Yaml::Int)
        .or_else(|_| u64::try_from(value).map(Yaml::UInt))
        .ok()
}

fn float(text: &str) -> Option<f64> {
    let (negative, digits) = sign_and_digits(&text.to_ascii_lowercase());
    let magnitude = if digits == ".inf" {
        f64::INFINITY
    } else if digits == ".nan" {
        f64::NAN
    } else if digits.contains(':') {
        sexagesimal_float(&digits)?
    } else {
        digits.parse().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_implicit_types_are_recognised() {
        for not_str in [
            "",
            "yes",
            "Off",
            "1_000",
            "0b10",
            "017",
            "0x1F",
            "1:30",
            "1.5",
            ".5",
            "-.inf",
            ".NaN",
            "~",
            "null",
            "<<",
            "=",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 Z",
        ] {
            assert!(!plain_reads_as_string(not_str), "{not_str:?}");
        }
        for string in [
            "y", "n", "nul", "1.2.3", "0o17", "2001-1-1", "NaN", "+", "1e5",
        ] {
            assert!(plain_reads_as_string(string), "{string:?}");
        }
    }

    #[test]
    fn the_first_character_shortcut_never_changes_a_type() {
        let r = resolvers().unwrap();
        let typed_by_regex = |t: &str| {
            [&r.bool, &r.float, &r.int, &r.null, &r.other]
                .iter()
                .any(|re| re.is_match(t))
        };
        let tails = [
            "",
            "es",
            "ull",
            "1",
            "0",
            ".5",
            "inf",
            "nan",
            ":30",
            "2001-12-14",
            "<",
            "x",
        ];
        for first in (0u8..128).map(char::from).chain(['é', '😀']) {
            for tail in tails {
                let text = format!("{first}{tail}");
                assert_eq!(
                    plain_reads_as_string(&text),
                    !typed_by_regex(&text),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn plain_scalars_get_pyyaml_types() {
        assert_eq!(resolve_plain("On"), Yaml::Bool(true));
        assert_eq!(resolve_plain("NO"), Yaml::Bool(false));
        assert_eq!(resolve_plain("~"), Yaml::Null);
        assert_eq!(resolve_plain("0x1_F"), Yaml::Int(31));
        assert_eq!(resolve_plain("-017"), Yaml::Int(-15));
        assert_eq!(resolve_plain("0b101"), Yaml::Int(5));
        assert_eq!(resolve_plain("1:30"), Yaml::Int(90));
        assert_eq!(resolve_plain("18446744073709551615"), Yaml::UInt(u64::MAX));
        assert_eq!(resolve_plain("1.5e+3"), Yaml::Float(1500.0));
        assert_eq!(resolve_plain("-.INF"), Yaml::Float(f64::NEG_INFINITY));
        assert_eq!(resolve_plain("1:30.5"), Yaml::Float(90.5));
        for text in ["1e5", "0o17", "2001-12-14", "y", "99999999999999999999999"] {
            assert_eq!(resolve_plain(text), Yaml::str(text), "{text}");
        }
    }
}
