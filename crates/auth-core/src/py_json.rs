//! A string as Python's `json.dumps` writes it with its defaults, for files and payloads that
//! must hold the bytes Python writes.

use std::fmt::Write as _;

/// Appends `s` to `out` as `json.dumps` writes it with `ensure_ascii=True`: quoted, with
/// everything outside `' '..='~'` escaped (`\n`, `\t` … where Python has a short escape,
/// else `\uXXXX`, a surrogate pair beyond the basic plane).
///
/// ```
/// let mut out = String::new();
/// tk_auth_core::write_python_json_str(&mut out, "é\n😀");
/// assert_eq!(out, r#""\u00e9\n\ud83d\ude00""#);
/// ```
pub fn write_python_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}
