//! The writer of session files: `PyYAML`'s `safe_dump` with its default options, reproduced
//! for the values a session file holds, so that tk-auth writes the bytes Python would.
//!
//! Output is ASCII only (`allow_unicode=False`): a scalar with any other character is
//! double-quoted with `PyYAML`'s escapes. Python opens these files in the locale's encoding
//! (cp1252, cp932 … on Windows), where raw UTF-8 would read as garbled text or fail to
//! decode. Keys are sorted, collections are in block style (empty ones as `[]`/`{}`),
//! indentation is 2, sequences in mappings are not indented, and long scalars are folded
//! at 80 columns.

mod keys;
mod scalar;

use keys::{is_simple_key, sorted};
use scalar::{Scalar, Style, escape, is_break};

use crate::yaml::Yaml;

const INDENT: usize = 2;
const WIDTH: usize = 80;

/// The document as `yaml.safe_dump(value)` writes it.
pub(crate) fn dump(value: &Yaml) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        indent: None,
        indents: Vec::new(),
    };
    e.node(value, Context::Root);
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

/// Where a node is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    SequenceItem,
    MappingValue,
    SimpleKey,
}

/// The emitter's state, named as in `PyYAML` so the two can be read side by side.
struct Emitter {
    out: String,
    column: usize,
    /// The last character written is white space (or nothing was written on the line).
    whitespace: bool,
    /// Only indentation and indicators are on the current line.
    indention: bool,
    /// A plain root scalar needs a `...` document end marker.
    open_ended: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
}

impl Emitter {
    fn node(&mut self, value: &Yaml, context: Context) {
        match value {
            Yaml::Seq(items) if items.is_empty() => self.empty_collection("[", "]"),
            Yaml::Map(entries) if entries.is_empty() => self.empty_collection("{", "}"),
            Yaml::Seq(items) => self.block_sequence(items, context),
            Yaml::Map(entries) => self.block_mapping(entries),
            scalar => {
                if let Some(s) = Scalar::of(scalar) {
                    self.scalar(&s, context);
                }
            }
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(INDENT),
            None => Some(0),
            Some(i) if !indentless => Some(i + INDENT),
            same => same,
        };
    }

    fn decrease_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn empty_collection(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Yaml], context: Context) {
        let indentless = context == Context::MappingValue && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SequenceItem);
        }
        self.decrease_indent();
    }

    fn block_mapping(&mut self, entries: &[(Yaml, Yaml)]) {
        self.increase_indent(false, false);
        for (key, value) in sorted(entries) {
            self.write_indent();
            if is_simple_key(key) {
                self.node(key, Context::SimpleKey);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(key, Context::MappingValue);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MappingValue);
        }
        self.decrease_indent();
    }

    fn scalar(&mut self, s: &Scalar, context: Context) {
        let simple_key = context == Context::SimpleKey;
        self.increase_indent(true, false);
        let split = !simple_key;
        match s.style(simple_key) {
            Style::Plain => self.write_plain(&s.chars, split, context == Context::Root),
            Style::SingleQuoted => self.write_single_quoted(&s.chars, split),
            Style::DoubleQuoted => self.write_double_quoted(&s.chars, split),
        }
        self.decrease_indent();
    }

    fn write(&mut self, text: &str) {
        self.column += text.chars().count();
        self.out.push_str(text);
    }

    fn write_chars(&mut self, chars: &[char]) {
        self.column += chars.len();
        self.out.extend(chars);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn write_line_break(&mut self) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push('\n');
    }

    fn write_plain(&mut self, text: &[char], split: bool, root: bool) {
        if root {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        // Plain scalars never hold line breaks here (they are quoted), only spaces to fold.
        let mut spaces = false;
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ') {
                self.write_chars(&text[start..end]);
                start = end;
            }
            spaces = ch == Some(' ');
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > WIDTH
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    // A lone line break folds into a space when read: write one more.
                    if text[start] == '\n' {
                        self.write_line_break();
                    }
                    for _ in start..end {
                        self.write_line_break();
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.write_chars(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if ch.is_none_or(|c| matches!(c, '"' | '\\') || !(' '..='~').contains(&c)) {
                if start < end {
                    self.write_chars(&text[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    let escaped = escape(c);
                    self.write(&escaped);
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                && self.column + end > WIDTH + start
                && split
            {
                let head: String = text[start.min(end)..end].iter().collect();
                if start < end {
                    start = end;
                }
                self.write(&head);
                self.write("\\");
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                // A space at the start of a continuation line would be dropped: escape it.
                if text.get(start) == Some(&' ') {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: Vec<(&str, Yaml)>) -> Yaml {
        Yaml::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Yaml::str(k), v))
                .collect(),
        )
    }

    #[test]
    fn a_session_file_has_pyyaml_layout() {
        let doc = map(vec![
            (
                "users",
                Yaml::Seq(vec![map(vec![
                    ("session_token", Yaml::str("tok")),
                    ("login", Yaml::str("jd")),
                ])]),
            ),
            ("recent_users", Yaml::Seq(vec![Yaml::str("jd")])),
            ("current_user", Yaml::str("jd")),
            ("method", Yaml::Null),
            ("x", Yaml::Map(Vec::new())),
        ]);
        assert_eq!(
            dump(&doc),
            "current_user: jd\nmethod: null\nrecent_users:\n- jd\nusers:\n- login: jd\n  \
             session_token: tok\nx: {}\n"
        );
    }

    #[test]
    fn non_ascii_text_is_escaped_in_double_quotes() {
        let doc = map(vec![(
            "l\u{e9}",
            Yaml::Seq(vec![
                Yaml::str("\u{e9}t\u{e9}"),
                Yaml::str("a\u{a0}b\u{85}c\u{2028}d\u{2029}"),
                Yaml::str("\u{2603}\u{1F600}"),
                Yaml::str("tab\there"),
            ]),
        )]);
        assert_eq!(
            dump(&doc),
            "\"l\\xE9\":\n- \"\\xE9t\\xE9\"\n- \"a\\_b\\Nc\\Ld\\P\"\n- \"\\u2603\\U0001F600\"\n\
             - \"tab\\there\"\n"
        );
    }

    #[test]
    fn scalars_yaml_1_1_would_misread_are_single_quoted() {
        let doc = map(vec![
            ("123", Yaml::str("yes")),
            (
                "users",
                Yaml::Seq(vec![
                    Yaml::str("null"),
                    Yaml::str("a: b"),
                    Yaml::str("it's: x"),
                    Yaml::str(""),
                    Yaml::str("y"),
                ]),
            ),
        ]);
        assert_eq!(
            dump(&doc),
            "'123': 'yes'\nusers:\n- 'null'\n- 'a: b'\n- 'it''s: x'\n- ''\n- y\n"
        );
    }

    #[test]
    fn long_text_is_folded_at_80_columns() {
        let long = format!("{} {}", "x".repeat(100), "y".repeat(10));
        assert_eq!(
            dump(&map(vec![("k", Yaml::str(long.clone()))])),
            format!("k: {}\n  {}\n", "x".repeat(100), "y".repeat(10))
        );
        let key = "k".repeat(123);
        assert_eq!(
            dump(&map(vec![(key.as_str(), Yaml::Int(1))])),
            format!("? {key}\n: 1\n")
        );
    }
}
