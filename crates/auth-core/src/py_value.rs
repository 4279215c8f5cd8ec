//! The plain Python data a user payload can hold, and the few Python built-ins
//! (`str()`, `repr()`, truthiness, `==`) that deserializing a user applies to it.

use std::fmt::Write as _;

use crate::urlparse::py_repr_str;

#[cfg(test)]
thread_local! {
    /// How many times [`PyValue::py_eq`] ran on this thread: tests check that building a
    /// dict does not compare every new key with every key before it.
    pub(crate) static KEY_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A Python value made only of data: what JSON or a data-only pickle can carry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PyValue {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    List(Vec<PyValue>),
    Tuple(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
    Set(Vec<PyValue>),
    FrozenSet(Vec<PyValue>),
}

impl PyValue {
    /// Python's `bool(value)`.
    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            Self::None => false,
            Self::Bool(b) => *b,
            Self::Int(i) => *i != 0,
            Self::Float(f) => *f != 0.0,
            Self::Str(s) => !s.is_empty(),
            Self::Bytes(b) | Self::ByteArray(b) => !b.is_empty(),
            Self::List(v) | Self::Tuple(v) | Self::Set(v) | Self::FrozenSet(v) => !v.is_empty(),
            Self::Dict(d) => !d.is_empty(),
        }
    }

    /// The name of the Python type.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::None => "NoneType",
            Self::Bool(_) => "bool",
            Self::Int(_) => "int",
            Self::Float(_) => "float",
            Self::Str(_) => "str",
            Self::Bytes(_) => "bytes",
            Self::ByteArray(_) => "bytearray",
            Self::List(_) => "list",
            Self::Tuple(_) => "tuple",
            Self::Dict(_) => "dict",
            Self::Set(_) => "set",
            Self::FrozenSet(_) => "frozenset",
        }
    }

    /// Python's `==` for the values that can be dict keys, between two distinct objects:
    /// numbers compare exactly (`1 == 1.0 == True`, integers past 2^53 too), a NaN equals
    /// nothing, frozensets compare as sets. Reading a dict does not use it (see `PyKey`).
    pub(crate) fn py_eq(&self, other: &PyValue) -> bool {
        #[cfg(test)]
        KEY_COMPARISONS.with(|n| n.set(n.get() + 1));
        match (self.as_number(), other.as_number()) {
            (Some(a), Some(b)) => a.py_eq(b),
            (Some(_), None) | (None, Some(_)) => false,
            (None, None) => match (self, other) {
                (Self::Tuple(a), Self::Tuple(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
                }
                // Items are unique (the reader drops repeats), so equal sizes and one
                // inclusion make equal sets.
                (Self::FrozenSet(a), Self::FrozenSet(b)) => {
                    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.py_eq(y)))
                }
                _ => self == other,
            },
        }
    }

    /// The value as a number if it is one (`bool`, `int`, `float`).
    fn as_number(&self) -> Option<Number> {
        match self {
            Self::Bool(b) => Some(Number::Int(i128::from(*b))),
            Self::Int(i) => Some(Number::Int(*i)),
            Self::Float(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    /// The value for `key` in a dict (`dict.get`), `None` for a missing key or a non-dict.
    pub(crate) fn get(&self, key: &str) -> Option<&PyValue> {
        let Self::Dict(items) = self else { return None };
        let key = PyValue::Str(key.to_owned());
        items
            .iter()
            .rev()
            .find(|(k, _)| k.py_eq(&key))
            .map(|(_, v)| v)
    }

    /// Python's `str(value)`.
    pub(crate) fn py_str(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    /// Python's `repr(value)`.
    pub(crate) fn py_repr(&self) -> String {
        let join = |items: &[PyValue]| {
            items
                .iter()
                .map(PyValue::py_repr)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::None => "None".to_owned(),
            Self::Bool(true) => "True".to_owned(),
            Self::Bool(false) => "False".to_owned(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => py_float_repr(*f),
            Self::Str(s) => py_repr_str(s),
            Self::Bytes(b) => format!("b{}", py_repr_bytes(b)),
            Self::ByteArray(b) => format!("bytearray(b{})", py_repr_bytes(b)),
            Self::List(v) => format!("[{}]", join(v)),
            Self::Tuple(v) if v.len() == 1 => format!("({},)", v[0].py_repr()),
            Self::Tuple(v) => format!("({})", join(v)),
            Self::Set(v) if v.is_empty() => "set()".to_owned(),
            Self::Set(v) => format!("{{{}}}", join(v)),
            Self::FrozenSet(v) if v.is_empty() => "frozenset()".to_owned(),
            Self::FrozenSet(v) => format!("frozenset({{{}}})", join(v)),
            Self::Dict(d) => format!(
                "{{{}}}",
                d.iter()
                    .map(|(k, v)| format!("{}: {}", k.py_repr(), v.py_repr()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// A `bool`, `int` or `float`, as `==` compares them: integers exactly, not as floats.
#[derive(Clone, Copy)]
enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    fn py_eq(self, other: Number) -> bool {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a == b,
            (Self::Int(i), Self::Float(f)) | (Self::Float(f), Self::Int(i)) => {
                crate::py_key::exact_int(f) == Some(i)
            }
        }
    }
}

fn py_repr_bytes(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            b => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4..1e16.
pub(crate) fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let magnitude = f.abs();
    if magnitude == 0.0 || (1e-4..1e16).contains(&magnitude) {
        let text = format!("{f}");
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        format!("{mantissa}e{sign}{digits:0>2}")
    }
}

impl From<&serde_json::Value> for PyValue {
    fn from(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Self::None,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Self::Int(i128::from(i)),
                (None, Some(u)) => Self::Int(i128::from(u)),
                _ => Self::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Self::Str(s.clone()),
            Value::Array(items) => Self::List(items.iter().map(PyValue::from).collect()),
            Value::Object(map) => Self::Dict(
                map.iter()
                    .map(|(k, v)| (Self::Str(k.clone()), PyValue::from(v)))
                    .collect(),
            ),
        }
    }
}

/// Python's `int(text)` in base 10: surrounding whitespace, a sign, and `_` between
/// digits are accepted; anything else (or a value beyond `i64`) is `None`. Used for cookie
/// expirations, where a value that cannot be read is skipped with a warning (Decision 9);
/// `toolkit.ini` settings have a reader of their own that reports a value too wide for 64
/// bits as an error (Decision 16).
///
/// ```
/// use tk_auth_core::parse_python_int;
///
/// assert_eq!(parse_python_int(" +1_000\n"), Some(1000));
/// assert_eq!(parse_python_int("-5"), Some(-5));
/// assert_eq!(parse_python_int("0x10"), None);
/// ```
pub fn parse_python_int(text: &str) -> Option<i64> {
    let t = crate::urlparse::py_strip(text);
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let magnitude: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_accepts_what_python_int_accepts() {
        assert_eq!(parse_python_int(" +1_000\n"), Some(1000));
        assert_eq!(parse_python_int("-5"), Some(-5));
        for bad in [
            "",
            "12.5",
            "0x10",
            "_1",
            "1__0",
            "tomorrow",
            "1_",
            "+",
            "-",
            "99999999999999999999",
        ] {
            assert_eq!(parse_python_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn str_and_repr_follow_python() {
        assert_eq!(PyValue::Int(3128).py_str(), "3128");
        assert_eq!(PyValue::Float(1e30).py_str(), "1e+30");
        assert_eq!(PyValue::Float(2.5e-7).py_str(), "2.5e-07");
        assert_eq!(PyValue::Float(3.0).py_str(), "3.0");
        assert_eq!(
            PyValue::Dict(vec![(
                PyValue::Str("a".into()),
                PyValue::List(vec![
                    PyValue::None,
                    PyValue::Bool(true),
                    PyValue::Bytes(b"x'".to_vec())
                ])
            )])
            .py_repr(),
            "{'a': [None, True, b\"x'\"]}"
        );
        assert_eq!(PyValue::Tuple(vec![PyValue::Int(1)]).py_repr(), "(1,)");
    }

    #[test]
    fn equal_numbers_are_the_same_key() {
        assert!(PyValue::Int(1).py_eq(&PyValue::Bool(true)));
        assert!(PyValue::Float(1.0).py_eq(&PyValue::Bool(true)));
        assert!(!PyValue::Str("1".into()).py_eq(&PyValue::Int(1)));
    }

    #[test]
    fn integers_past_two_to_the_53_compare_as_integers() {
        let big = 1i128 << 53;
        assert!(!PyValue::Int(big).py_eq(&PyValue::Int(big + 1)));
        assert!(!PyValue::Int(big + 1).py_eq(&PyValue::Float(9_007_199_254_740_992.0)));
        assert!(PyValue::Int(big).py_eq(&PyValue::Float(9_007_199_254_740_992.0)));
        assert!(!PyValue::Float(f64::NAN).py_eq(&PyValue::Float(f64::NAN)));
    }

    #[test]
    fn frozensets_compare_as_sets() {
        let set =
            |items: &[i128]| PyValue::FrozenSet(items.iter().map(|i| PyValue::Int(*i)).collect());
        assert!(set(&[1, 2, 3]).py_eq(&set(&[3, 1, 2])));
        assert!(!set(&[1, 2]).py_eq(&set(&[1, 3])));
    }
}
