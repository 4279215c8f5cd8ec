//! Pickle protocol 0 output, byte for byte what Python 3's `pickle.dumps(obj, protocol=0)`
//! writes for a dict of strings and `None`.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A value in a payload dict.
pub(crate) enum Item<'a> {
    None,
    Str(&'a str),
    Dict(Vec<(&'a str, Item<'a>)>),
}

/// Writes `dict` as a protocol-0 pickle.
pub(crate) fn dumps(dict: &[(&str, Item<'_>)]) -> Vec<u8> {
    let mut writer = Writer {
        out: Vec::new(),
        memo_len: 0,
        shared: HashMap::new(),
    };
    writer.dict(dict);
    writer.out.push(b'.');
    writer.out
}

struct Writer {
    out: Vec<u8>,
    memo_len: usize,
    /// Strings Python keeps as one shared object (the empty string and one-character
    /// Latin-1 strings), so the second occurrence is written as a memo reference.
    shared: HashMap<String, usize>,
}

impl Writer {
    fn put(&mut self) -> usize {
        let index = self.memo_len;
        self.memo_len += 1;
        self.out.extend_from_slice(format!("p{index}\n").as_bytes());
        index
    }

    fn dict(&mut self, items: &[(&str, Item<'_>)]) {
        self.out.extend_from_slice(b"(d");
        self.put();
        for (key, value) in items {
            self.string(key);
            match value {
                Item::None => self.out.push(b'N'),
                Item::Str(s) => self.string(s),
                Item::Dict(inner) => self.dict(inner),
            }
            self.out.push(b's');
        }
    }

    fn string(&mut self, s: &str) {
        let is_singleton =
            s.is_empty() || (s.chars().count() == 1 && s.chars().all(|c| u32::from(c) < 0x100));
        if is_singleton && let Some(index) = self.shared.get(s) {
            self.out.extend_from_slice(format!("g{index}\n").as_bytes());
            return;
        }
        self.out.push(b'V');
        raw_unicode_escape_encode(s, &mut self.out);
        self.out.push(b'\n');
        let index = self.put();
        if is_singleton {
            self.shared.insert(s.to_owned(), index);
        }
    }
}

/// The text of a `V` opcode: Latin-1 characters as single bytes (except the five that would
/// break the line-based format), everything else as `\uXXXX`/`\UXXXXXXXX`.
fn raw_unicode_escape_encode(s: &str, out: &mut Vec<u8>) {
    let mut escape = String::new();
    for c in s.chars() {
        let code = u32::from(c);
        match c {
            '\\' | '\0' | '\n' | '\r' | '\x1a' => {
                escape.clear();
                let _ = write!(escape, "\\u{code:04x}");
                out.extend_from_slice(escape.as_bytes());
            }
            // Below 0x100 a char is exactly one Latin-1 byte.
            _ if code < 0x100 => out.push(u8::try_from(code).unwrap_or(b'?')),
            _ => {
                escape.clear();
                if code <= 0xffff {
                    let _ = write!(escape, "\\u{code:04x}");
                } else {
                    let _ = write!(escape, "\\U{code:08x}");
                }
                out.extend_from_slice(escape.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cpython_protocol_0() {
        // pickle.dumps({'type': 'x', 'a': '\\ \n \r \0 \x1a é 日 😀 \x7f \x80 \t', 'b': None,
        //               'c': 'x', 'd': 'x'}, protocol=0), where 'x' is one shared object.
        let bytes = dumps(&[
            ("type", Item::Str("x")),
            ("a", Item::Str("\\ \n \r \0 \x1a é 日 😀 \x7f \u{80} \t")),
            ("b", Item::None),
            ("c", Item::Str("x")),
            ("d", Item::Str("x")),
        ]);
        assert_eq!(
            bytes,
            b"(dp0\nVtype\np1\nVx\np2\nsVa\np3\nV\\u005c \\u000a \\u000d \\u0000 \\u001a \xe9 \\u65e5 \\U0001f600 \x7f \x80 \t\np4\nsVb\np5\nNsVc\np6\ng2\nsVd\np7\ng2\ns."
        );
    }
}
