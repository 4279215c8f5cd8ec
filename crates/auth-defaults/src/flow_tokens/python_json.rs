//! The bytes Python's `json.dump(data, fh)` writes with its defaults: `", "` and `": "`
//! between items, keys in their order, ASCII only (`\uXXXX` escapes, surrogate pairs beyond
//! the first plane), floats as Python's `repr` writes them.

use serde_json::Value;
use tk_auth_core::write_python_json_str;

/// `json.dumps(value)`.
pub(super) fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_python_json_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json_str(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Python's `repr(float)`: the shortest digits that read back as the same number, in fixed
/// notation from 1e-4 up to (not including) 1e16, else as `d.ddde+XX`.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest digits: `-1.2345e-7`.
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exponent + 1;
    let body = if (-3..=16).contains(&point) {
        let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point >= len {
            format!(
                "{digits}{}.0",
                "0".repeat((point - len).unsigned_abs() as usize)
            )
        } else {
            let (whole, fraction) = digits.split_at(point.unsigned_abs() as usize);
            format!("{whole}.{fraction}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
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
    use serde_json::json;

    /// Each expected text is what Python 3.11's `json.dumps` printed for the same value.
    #[test]
    fn values_are_written_as_python_writes_them() {
        let cases = [
            (json!({}), "{}"),
            (json!([]), "[]"),
            (
                json!({"b": [1, -2, true, false, null], "a": {"x": "y"}}),
                r#"{"b": [1, -2, true, false, null], "a": {"x": "y"}}"#,
            ),
            (
                json!("jos\u{e9} \u{1f600} \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{7f}/"),
                r#""jos\u00e9 \ud83d\ude00 \"q\" \\ \n\r\t\b\f\u0001\u007f/""#,
            ),
            (
                json!(18_446_744_073_709_551_615_u64),
                "18446744073709551615",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(dumps(&value), expected);
        }
    }

    #[test]
    fn floats_are_written_as_pythons_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (3599.0, "3599.0"),
            (1e-4, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.234_567_890_123_456_8e17, "1.2345678901234568e+17"),
            (-2.5e-300, "-2.5e-300"),
            (1e22, "1e+22"),
            (123.456, "123.456"),
            (1_700_000_000.5, "1700000000.5"),
        ];
        for (f, expected) in cases {
            assert_eq!(float_repr(f), expected, "{f}");
        }
    }
}
