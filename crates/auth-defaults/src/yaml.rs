//! A YAML value that keeps whatever a session-cache file holds, so that keys written by other
//! Toolkit versions survive a rewrite, and its reading with `PyYAML`'s typing (on the granit YAML parser). Writing is
//! [`crate::pyyaml_emitter`]'s.

use std::collections::HashMap;
use std::fmt;

use granit_parser::{Event, ScalarStyle, Tag};

use crate::yaml_1_1;

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
}

/// Why a YAML document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// The text is not YAML; the cause says what is wrong and where.
    #[error("it is not valid YAML")]
    Syntax(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The text holds several documents where one is expected.
    #[error("it holds more than one YAML document")]
    MultipleDocuments,
    /// Collections are nested deeper than the reader accepts.
    #[error("its values are nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    /// Aliases (`*name`) would expand the document past the reader's budget.
    #[error("its aliases expand it past {} MiB of values", MAX_VALUES / 65536)]
    TooLarge,
}

/// Deepest nesting of collections accepted (a session file has 3 levels).
const MAX_DEPTH: usize = 64;
/// The budget of a document expanded through aliases, in values and 16-byte pieces of text
/// (16 MiB; a session file holds a few KiB).
const MAX_VALUES: usize = 1 << 20;

/// A collection being read.
enum Open {
    Seq(Vec<Yaml>, usize),
    Map(Vec<(Yaml, Yaml)>, Option<Yaml>, usize),
}

/// Parses a document with `PyYAML`'s `safe_load` typing (YAML 1.1 plain scalars). An empty
/// document (or one holding only comments) is `Null`.
pub(crate) fn parse(text: &str) -> Result<Yaml, YamlError> {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    let parser = granit_parser::Parser::new_from_str_with_options(text, options);
    let mut stack: Vec<Open> = Vec::new();
    // Anchored values with their size, for aliases.
    let mut anchors: HashMap<usize, (Yaml, usize)> = HashMap::new();
    let mut values = 0_usize;
    let mut root: Option<Yaml> = None;
    let mut documents = 0;
    for event in parser {
        let (event, _) = event.map_err(|e| YamlError::Syntax(Box::new(e)))?;
        let (value, anchor, size) = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::MultipleDocuments);
                }
                continue;
            }
            Event::SequenceStart(_, anchor, _) => {
                push(&mut stack, Open::Seq(Vec::new(), anchor))?;
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                push(&mut stack, Open::Map(Vec::new(), None, anchor))?;
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(items, anchor)) => (Yaml::Seq(items), anchor, 0),
                _ => continue,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(entries, _, anchor)) => (Yaml::Map(last_wins(entries)), anchor, 0),
                _ => continue,
            },
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_deref());
                let size = weight(&value);
                (value, anchor, size)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((value, size)) => (value.clone(), 0, *size),
                None => continue,
            },
            _ => continue,
        };
        values = values.saturating_add(size.max(1));
        if values > MAX_VALUES {
            return Err(YamlError::TooLarge);
        }
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), size.max(weight(&value))));
        }
        match stack.last_mut() {
            Some(Open::Seq(items, _)) => items.push(value),
            Some(Open::Map(entries, key, _)) => match key.take() {
                Some(k) => entries.push((k, value)),
                None => *key = Some(value),
            },
            None => root = Some(value),
        }
    }
    Ok(root.unwrap_or(Yaml::Null))
}

/// A mapping with each key once, at its first place with its last value, as a Python `dict`
/// built by `PyYAML` has it (`1`, `1.0` and `true` are one key there).
fn last_wins(entries: Vec<(Yaml, Yaml)>) -> Vec<(Yaml, Yaml)> {
    let mut out: Vec<(Yaml, Yaml)> = Vec::with_capacity(entries.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (key, value) in entries {
        let Some(id) = python_key(&key) else {
            out.push((key, value));
            continue;
        };
        if let Some(&i) = seen.get(&id) {
            out[i].1 = value;
        } else {
            seen.insert(id, out.len());
            out.push((key, value));
        }
    }
    out
}

/// What makes two keys equal in Python; `None` for collections (Python cannot use them).
fn python_key(key: &Yaml) -> Option<String> {
    Some(match key {
        Yaml::Null => "none".to_owned(),
        Yaml::Bool(b) => format!("n{}", u8::from(*b)),
        Yaml::Int(i) => format!("n{i}"),
        Yaml::UInt(u) => format!("n{u}"),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the value is integral and within i128"
        )]
        Yaml::Float(f) if f.fract() == 0.0 && f.abs() < 1e30 => format!("n{}", *f as i128),
        Yaml::Float(f) => format!("f{}", f.to_bits()),
        Yaml::Str(s) => format!("s{s}"),
        Yaml::Seq(_) | Yaml::Map(_) => return None,
    })
}

fn push(stack: &mut Vec<Open>, open: Open) -> Result<(), YamlError> {
    if stack.len() >= MAX_DEPTH {
        return Err(YamlError::TooDeep);
    }
    stack.push(open);
    Ok(())
}

/// What `value` costs against the budget: one per value, and one per 16 bytes of text.
fn weight(value: &Yaml) -> usize {
    match value {
        Yaml::Seq(items) => 1 + items.iter().map(weight).sum::<usize>(),
        Yaml::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| weight(k) + weight(v))
                .sum::<usize>()
        }
        Yaml::Str(s) => 1 + s.len() / 16,
        _ => 1,
    }
}

/// A scalar as `PyYAML` constructs it: quoted and block scalars are strings, plain ones are
/// typed by YAML 1.1 rules, and a core tag (`!!int` …) types the text it is given.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Yaml {
    match tag.and_then(Tag::core_suffix) {
        Some("int" | "float" | "bool" | "null") => yaml_1_1::resolve_plain(text),
        None if tag.is_none() && style == ScalarStyle::Plain => yaml_1_1::resolve_plain(text),
        _ => Yaml::str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_strings() {
        let v = Yaml::Map(vec![(Yaml::str("session_token"), Yaml::str("canary-77"))]);
        assert!(!format!("{v:?}").contains("canary"));
    }

    #[test]
    fn pyyaml_escapes_and_yaml_1_1_types_are_read() {
        let doc = parse(
            "a: \"\\xE9\\u2603\\U0001F600\\_\\N\\L\\P\"\nb: 1e5\nc: 0o17\nd: yes\ne: 017\n\
             f: 'x'\ng: !!str 5\nh: ~\n",
        )
        .unwrap();
        assert_eq!(
            doc.get("a"),
            Some(&Yaml::str(
                "\u{e9}\u{2603}\u{1F600}\u{a0}\u{85}\u{2028}\u{2029}"
            ))
        );
        assert_eq!(doc.get("b"), Some(&Yaml::str("1e5")));
        assert_eq!(doc.get("c"), Some(&Yaml::str("0o17")));
        assert_eq!(doc.get("d"), Some(&Yaml::Bool(true)));
        assert_eq!(doc.get("e"), Some(&Yaml::Int(15)));
        assert_eq!(doc.get("f"), Some(&Yaml::str("x")));
        assert_eq!(doc.get("g"), Some(&Yaml::str("5")));
        assert_eq!(doc.get("h"), Some(&Yaml::Null));
        assert_eq!(parse("# only a comment\n").unwrap(), Yaml::Null);
        // Python's dict: one entry per key, first place, last value.
        let dup = parse("a: 1\nb: 2\na: 3\n{1: x, 1.0: y, true: z}: 0\n").unwrap();
        assert_eq!(dup.get("a"), Some(&Yaml::Int(3)));
        let Yaml::Map(entries) = &dup else { panic!() };
        assert_eq!(entries.len(), 3);
        let Yaml::Map(inner) = &entries[2].0 else {
            panic!()
        };
        assert_eq!(inner.as_slice(), &[(Yaml::Int(1), Yaml::str("z"))]);
    }

    #[test]
    fn hostile_documents_are_refused_with_bounded_work() {
        use std::fmt::Write as _;
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = level - 1;
            let items = vec![format!("*l{prev}"); 10].join(", ");
            writeln!(bomb, "l{level}: &l{level} [{items}]").unwrap();
        }
        let bomb = bomb.replacen("&a", "&l0", 1);
        assert!(matches!(parse(&bomb), Err(YamlError::TooLarge)));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(parse(&deep), Err(YamlError::TooDeep)));
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(YamlError::MultipleDocuments)
        ));
        let err = parse("a: [unclosed canary-tok\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax(_)));
        let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(!chain.contains("canary"), "{chain}");
        assert!(chain.contains("line"), "{chain}");
    }

    #[test]
    fn arbitrary_text_is_read_or_refused_without_panicking() {
        const PIECES: &[&str] = &[
            "a", ":", " ", "\n", "- ", "? ", "[", "]", "{", "}", ",", "'", "\"", "\\", "&a ", "*a",
            "!!int ", "!x ", "#", "|", ">", "%", "---", "...", "\t", "1", "0x", "e", "\u{e9}",
            "\u{85}", "<<: ", "~", "  ", "\r\n",
        ];
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut read = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state % 24) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(PIECES[usize::try_from(state % PIECES.len() as u64).unwrap()]);
            }
            if let Ok(doc) = parse(&text) {
                // Whatever is read can be written and read back to the same value.
                let again = parse(&crate::pyyaml_emitter::dump(&doc)).unwrap();
                assert_eq!(again, doc, "{text:?}");
                read += 1;
            }
        }
        assert!(read > 2_000, "only {read} texts were YAML");
    }
}
