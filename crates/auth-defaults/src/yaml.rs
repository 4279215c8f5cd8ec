//! A YAML value that keeps whatever a session-cache file holds, so that keys written by other
//! Toolkit versions survive a rewrite, and its reading and writing with serde-saphyr.
//!
//! Mappings are written with sorted keys in block style, as `PyYAML`'s `safe_dump` does, and
//! strings are quoted wherever YAML 1.1 (what `PyYAML` reads) would take them for anything else.

use std::cmp::Ordering;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Any YAML value. Its `Debug` never shows strings: session files hold tokens.
#[derive(Clone, PartialEq)]
pub(crate) enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    Map(Vec<(Yaml, Yaml)>),
}

impl fmt::Debug for Yaml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind())
    }
}

impl Yaml {
    /// A short name of the value's type, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "a boolean",
            Yaml::Int(_) | Yaml::UInt(_) => "an integer",
            Yaml::Float(_) => "a number",
            Yaml::Str(_) => "a string",
            Yaml::Seq(_) => "a list",
            Yaml::Map(_) => "a mapping",
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text, the way Python's `str()` shows it; `None` for null and collections.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::UInt(u) => Some(u.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Bool(true) => Some("True".to_owned()),
            Yaml::Bool(false) => Some("False".to_owned()),
            Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }

    pub(crate) fn str(s: impl Into<String>) -> Self {
        Yaml::Str(s.into())
    }

    /// The value under a string key of a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets a string key of a mapping, keeping its position if it exists.
    pub(crate) fn set(&mut self, key: &str, value: Yaml) {
        if let Yaml::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                Some(entry) => entry.1 = value,
                None => entries.push((Yaml::str(key), value)),
            }
        }
    }

    /// Removes a string key of a mapping.
    pub(crate) fn remove(&mut self, key: &str) {
        if let Yaml::Map(entries) = self {
            entries.retain(|(k, _)| k.as_str() != Some(key));
        }
    }

    /// The value with every mapping's keys in the order they are written in.
    fn key_sorted(&self) -> Yaml {
        match self {
            Yaml::Seq(items) => Yaml::Seq(items.iter().map(Yaml::key_sorted).collect()),
            Yaml::Map(entries) => {
                let mut sorted: Vec<(Yaml, Yaml)> = entries
                    .iter()
                    .map(|(k, v)| (k.key_sorted(), v.key_sorted()))
                    .collect();
                sorted.sort_by(|a, b| Yaml::key_order(&a.0, &b.0));
                Yaml::Map(sorted)
            }
            scalar => scalar.clone(),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Yaml::Null => 0,
            Yaml::Bool(_) => 1,
            Yaml::Int(_) | Yaml::UInt(_) | Yaml::Float(_) => 2,
            Yaml::Str(_) => 3,
            Yaml::Seq(_) => 4,
            Yaml::Map(_) => 5,
        }
    }

    // PyYAML sorts keys; Python cannot order keys of mixed types, so for those we simply
    // group by type to stay deterministic.
    fn key_order(a: &Yaml, b: &Yaml) -> Ordering {
        match (a, b) {
            (Yaml::Str(x), Yaml::Str(y)) => x.cmp(y),
            (Yaml::Bool(x), Yaml::Bool(y)) => x.cmp(y),
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.rank().cmp(&b.rank()),
            },
        }
    }

    #[allow(clippy::cast_precision_loss)] // ordering only
    fn as_f64(&self) -> Option<f64> {
        match self {
            Yaml::Int(i) => Some(*i as f64),
            Yaml::UInt(u) => Some(*u as f64),
            Yaml::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl Serialize for Yaml {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Yaml::Null => serializer.serialize_unit(),
            Yaml::Bool(b) => serializer.serialize_bool(*b),
            Yaml::Int(i) => serializer.serialize_i64(*i),
            Yaml::UInt(u) => serializer.serialize_u64(*u),
            Yaml::Float(f) => serializer.serialize_f64(*f),
            Yaml::Str(s) => serializer.serialize_str(s),
            Yaml::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Yaml::Map(entries) => {
                let mut sorted: Vec<&(Yaml, Yaml)> = entries.iter().collect();
                sorted.sort_by(|a, b| Yaml::key_order(&a.0, &b.0));
                let mut map = serializer.serialize_map(Some(sorted.len()))?;
                for (k, v) in sorted {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map_or(Yaml::UInt(v), Yaml::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Yaml, E> {
        Ok(i64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Yaml, E> {
        Ok(u64::try_from(v).map_or_else(|_| Yaml::Str(v.to_string()), Yaml::UInt))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Yaml, E> {
        Ok(Yaml::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Yaml>()? {
            items.push(item);
        }
        Ok(Yaml::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Yaml, Yaml>()? {
            entries.push((k, v));
        }
        Ok(Yaml::Map(entries))
    }
}

/// Parses a document. An empty document (or one holding only comments) is `Null`.
pub(crate) fn parse(text: &str) -> Result<Yaml, String> {
    if text.trim().is_empty() {
        return Ok(Yaml::Null);
    }
    // No source snippets in errors: the text holds session tokens, and errors are logged.
    let options = serde_saphyr::options! { with_snippet: false, emit_comments: false };
    serde_saphyr::from_str_with_options::<Yaml>(text, options).map_err(|e| match e.location() {
        Some(at) => format!("syntax error at line {}, column {}", at.line(), at.column()),
        None => "syntax error".to_owned(),
    })
}

/// Writes a document in `PyYAML`'s `safe_dump` layout.
pub(crate) fn dump(value: &Yaml) -> Result<String, String> {
    let options = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    let text = serde_saphyr::to_string_with_options(value, options).map_err(|e| e.to_string())?;
    if !text.contains('"') {
        return Ok(text);
    }
    // PyYAML single-quotes the scalars that need quoting and have no escapes; do the same so
    // that files match Python's byte for byte. Kept only if it reads back as the value
    // written (one parse, checked against the value itself rather than a second parse).
    let mut converted = text
        .lines()
        .map(single_quoted_line)
        .collect::<Vec<_>>()
        .join("\n");
    converted.push('\n');
    if converted != text && parse(&converted).is_ok_and(|back| back == value.key_sorted()) {
        Ok(converted)
    } else {
        Ok(text)
    }
}

/// A double-quoted scalar without escapes, in single quotes; `None` if it is not one.
fn requote(token: &str) -> Option<String> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains(['"', '\\']) {
        return None;
    }
    Some(format!("'{}'", inner.replace('\'', "''")))
}

/// Requotes the key and the value of one block-style line where they are double-quoted.
fn single_quoted_line(line: &str) -> String {
    let indent = line.len() - line.trim_start_matches([' ', '-']).len();
    let (head, rest) = line.split_at(indent);
    let (key, value) = if let Some(after_quote) = rest.strip_prefix('"') {
        // A quoted key (`"key": value`) or a lone quoted item.
        let Some(end) = after_quote.find('"') else {
            return line.to_owned();
        };
        let (k, v) = rest.split_at(end + 2);
        match v.strip_prefix(": ") {
            Some(v) => (Some(k), Some(v)),
            None if v.is_empty() => (None, Some(k)),
            None => return line.to_owned(),
        }
    } else {
        match rest.find(": ") {
            Some(i) => (Some(&rest[..i]), Some(&rest[i + 2..])),
            None => (Some(rest), None),
        }
    };
    let mut out = String::from(head);
    if let Some(k) = key {
        out.push_str(&requote(k).unwrap_or_else(|| k.to_owned()));
        if value.is_some() {
            out.push_str(": ");
        }
    }
    if let Some(v) = value {
        out.push_str(&requote(v).unwrap_or_else(|| v.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_unknown_values_survive() {
        let doc = parse("zz: {nested: [1, 2, three]}\naa: 42\nusers:\n- {login: bob, x: true}\n")
            .unwrap();
        let text = dump(&doc).unwrap();
        assert!(text.starts_with("aa: 42\n"), "{text}");
        // Writing what was read gives the same text again (keys already sorted).
        assert_eq!(dump(&parse(&text).unwrap()).unwrap(), text);
    }

    #[test]
    fn quoted_scalars_use_single_quotes_like_pyyaml() {
        let doc = Yaml::Map(vec![
            (
                Yaml::str("users"),
                Yaml::Seq(vec![
                    Yaml::str("null"),
                    Yaml::str("a: b"),
                    Yaml::str("tab\there"),
                    Yaml::str("it's: x"),
                ]),
            ),
            (Yaml::str("123"), Yaml::str("yes")),
        ]);
        let text = dump(&doc).unwrap();
        assert_eq!(
            text,
            "'123': 'yes'\nusers:\n- 'null'\n- 'a: b'\n- \"tab\\there\"\n- 'it''s: x'\n"
        );
        assert_eq!(
            parse(&text).unwrap(),
            parse(&dump(&parse(&text).unwrap()).unwrap()).unwrap()
        );
    }

    #[test]
    fn debug_hides_strings() {
        let v = Yaml::Map(vec![(Yaml::str("session_token"), Yaml::str("canary-77"))]);
        assert!(!format!("{v:?}").contains("canary"));
    }
}
