//! How `PyYAML` writes one scalar: its text (`str()`-like representation of numbers, booleans
//! and null), whether a string would read back as something else if left plain (YAML 1.1
//! implicit types), and which styles its characters allow.

use crate::yaml::Yaml;
use crate::yaml_1_1::plain_reads_as_string;

/// The quoting style chosen for a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// A scalar ready to be written.
pub(super) struct Scalar {
    /// The characters of the scalar's text (indexed like Python's `str`).
    pub(super) chars: Vec<char>,
    /// The length of its tag as `PyYAML` counts it for the simple-key limit (`!!str` …).
    pub(super) tag_len: usize,
    /// Plain text would read back as this very value (`PyYAML`'s `implicit[0]`).
    pub(super) plain_reads_back: bool,
    pub(super) analysis: Analysis,
}

/// What the characters of a scalar allow (`PyYAML`'s `ScalarAnalysis`, with
/// `allow_unicode=False` and no flow context, so only what block output uses).
#[derive(Clone, Copy, Debug, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the flags of PyYAML's analysis, kept so the two read side by side"
)]
pub(super) struct Analysis {
    pub(super) empty: bool,
    pub(super) multiline: bool,
    pub(super) allow_plain: bool,
    pub(super) allow_single_quoted: bool,
}

impl Scalar {
    /// The scalar for a value that is not a collection; `None` for sequences and mappings.
    pub(super) fn of(value: &Yaml) -> Option<Scalar> {
        let (text, tag_len, plain_reads_back) = match value {
            Yaml::Null => ("null".to_owned(), "!!null".len(), true),
            Yaml::Bool(b) => (b.to_string(), "!!bool".len(), true),
            Yaml::Int(i) => (i.to_string(), "!!int".len(), true),
            Yaml::UInt(u) => (u.to_string(), "!!int".len(), true),
            Yaml::Float(f) => (python_float(*f), "!!float".len(), true),
            Yaml::Str(s) => (s.clone(), "!!str".len(), plain_reads_as_string(s)),
            Yaml::Seq(_) | Yaml::Map(_) => return None,
        };
        let chars: Vec<char> = text.chars().collect();
        let analysis = Analysis::of(&chars);
        Some(Scalar {
            chars,
            tag_len,
            plain_reads_back,
            analysis,
        })
    }

    /// `PyYAML`'s `choose_scalar_style` for block context.
    pub(super) fn style(&self, simple_key: bool) -> Style {
        let a = &self.analysis;
        if self.plain_reads_back && !(simple_key && (a.empty || a.multiline)) && a.allow_plain {
            Style::Plain
        } else if a.allow_single_quoted && !(simple_key && a.multiline) {
            Style::SingleQuoted
        } else {
            Style::DoubleQuoted
        }
    }
}

/// Line breaks as YAML knows them.
pub(super) fn is_break(ch: char) -> bool {
    matches!(ch, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_space_or_break(ch: Option<char>) -> bool {
    matches!(ch, None | Some('\0' | ' ' | '\t' | '\r')) || ch.is_some_and(is_break)
}

impl Analysis {
    fn of(s: &[char]) -> Analysis {
        if s.is_empty() {
            return Analysis {
                empty: true,
                multiline: false,
                allow_plain: true,
                allow_single_quoted: true,
            };
        }
        let starts_with = |p: &str| s.iter().take(3).copied().eq(p.chars());
        let mut block_indicators = starts_with("---") || starts_with("...");
        let mut line_breaks = false;
        let mut special = false;
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let last = s.len() - 1;
        for (i, &ch) in s.iter().enumerate() {
            let followed_by_whitespace = i == last || is_space_or_break(s.get(i + 1).copied());
            if i == 0 {
                if "#,[]{}&*!|>'\"%@`".contains(ch)
                    || (matches!(ch, '?' | ':' | '-') && followed_by_whitespace)
                {
                    block_indicators = true;
                }
            } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace)
            {
                block_indicators = true;
            }
            if is_break(ch) {
                line_breaks = true;
            }
            // Without `allow_unicode`, everything outside printable ASCII is escaped.
            if !(ch == '\n' || (' '..='~').contains(&ch)) {
                special = true;
            }
            if ch == ' ' {
                leading_space |= i == 0;
                trailing_space |= i == last;
                break_space |= previous_break;
                (previous_space, previous_break) = (true, false);
            } else if is_break(ch) {
                leading_break |= i == 0;
                trailing_break |= i == last;
                space_break |= previous_space;
                (previous_space, previous_break) = (false, true);
            } else {
                (previous_space, previous_break) = (false, false);
            }
            preceded_by_whitespace = is_space_or_break(Some(ch));
        }
        let mut allow_plain = true;
        let mut allow_single_quoted = true;
        if leading_space || leading_break || trailing_space || trailing_break {
            allow_plain = false;
        }
        if break_space {
            allow_plain = false;
            allow_single_quoted = false;
        }
        if space_break || special {
            allow_plain = false;
            allow_single_quoted = false;
        }
        if line_breaks || block_indicators {
            allow_plain = false;
        }
        Analysis {
            empty: false,
            multiline: line_breaks,
            allow_plain,
            allow_single_quoted,
        }
    }
}

/// `PyYAML`'s escape of a character in a double-quoted scalar.
pub(super) fn escape(c: char) -> String {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{a0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let code = u32::from(c);
            return if code <= 0xFF {
                format!("\\x{code:02X}")
            } else if code <= 0xFFFF {
                format!("\\u{code:04X}")
            } else {
                format!("\\U{code:08X}")
            };
        }
    };
    format!("\\{short}")
}

/// A float as `PyYAML` represents it: Python's `repr()`, lower case, with `.0` added to a
/// mantissa without a point, and `.nan`/`.inf` for the special values.
pub(super) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // Shortest round-trip digits and the exponent of the first one.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // Python's `repr` switches to exponent notation outside 1e-4 <= |f| < 1e16.
    let body = if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            format!("0.{zeros}{digits}")
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let fraction = if rest.is_empty() {
            ".0".to_owned()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_python_represents_them() {
        for (f, text) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (1e16, "1.0e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-05"),
            (1.25e-7, "1.25e-07"),
            (1e300, "1.0e+300"),
            (f64::NAN, ".nan"),
            (f64::NEG_INFINITY, "-.inf"),
        ] {
            assert_eq!(python_float(f), text, "{f}");
        }
    }
}
