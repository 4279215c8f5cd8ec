//! `toolkit.ini` read with the rules of Python's `configparser` defaults, line for line:
//! option names case-insensitive, section names case-sensitive, `[DEFAULT]` inherited by
//! every section, `=` and `:` delimiters, indented continuation lines, comments only on lines
//! of their own (`#`, `;`), `%` interpolation on read, and duplicate sections or options
//! rejected.
//!
//! The file must be UTF-8 (a byte-order mark is skipped, where Python fails on it). Errors
//! name the file and the line, never the text on it: values hold proxy passwords.

use std::path::{Path, PathBuf};

use crate::error::{DefaultsError, Result};
use crate::python_text::{is_python_space, py_strip};

const DEFAULT_SECTION: &str = "DEFAULT";
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// One option: its name (lower case), its value lines and the line it starts on.
#[derive(Clone)]
struct IniOption {
    name: String,
    value: String,
    line: usize,
}

/// A parsed ini file.
#[derive(Clone, Default)]
pub(crate) struct IniFile {
    path: PathBuf,
    defaults: Vec<IniOption>,
    sections: Vec<(String, Vec<IniOption>)>,
}

// Values can hold proxy passwords: show the file and section names only.
impl std::fmt::Debug for IniFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IniFile")
            .field("path", &self.path)
            .field(
                "sections",
                &self.sections.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn syntax(path: &Path, line: usize, message: String) -> DefaultsError {
    DefaultsError::IniSyntax {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The lines of a text file as Python's universal newlines split them.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        if let Some(i) = t.find(['\n', '\r']) {
            let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
            rest = Some(&t[i + skip..]).filter(|r| !r.is_empty());
            Some(&t[..i])
        } else {
            rest = None;
            Some(t)
        }
    })
}

/// The 1-based line of a byte offset, counting line breaks as [`lines`] does.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    let mut line = 1;
    let mut after_cr = false;
    for &b in &bytes[..offset.min(bytes.len())] {
        if b == b'\r' || (b == b'\n' && !after_cr) {
            line += 1;
        }
        after_cr = b == b'\r';
    }
    line
}

/// Where option lines go while reading.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    None,
    Defaults,
    Section(usize),
}

impl IniFile {
    /// An empty file at `path` (used when no file exists).
    pub(crate) fn empty(path: PathBuf) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }

    /// Reads the bytes of the file at `path`.
    pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            syntax(
                path,
                line_of(bytes, at),
                format!(
                    "the byte at position {at} (counting from 0) is not UTF-8 text; save the file as UTF-8"
                ),
            )
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut file = Self::empty(path.to_path_buf());
        let mut target = Target::None;
        let mut section_name = String::new();
        // The option that indented lines continue, and the indentation of its first line.
        let mut open: Option<usize> = None;
        let mut indent_level = 0;
        // A line that is not an option is reported after the file is read, as Python does.
        let mut bad_line: Option<DefaultsError> = None;
        for (i, line) in lines(text).enumerate() {
            let number = i + 1;
            let stripped = py_strip(line);
            let comment = stripped.starts_with('#') || stripped.starts_with(';');
            if stripped.is_empty() || comment {
                // Blank lines belong to a value being continued, comments do not.
                if !comment && let Some(o) = open {
                    file.options_mut(target)[o].value.push('\n');
                }
                continue;
            }
            let indent = line.chars().take_while(|c| is_python_space(*c)).count();
            if let (Some(o), true) = (open, indent > indent_level) {
                let value = &mut file.options_mut(target)[o].value;
                value.push('\n');
                value.push_str(stripped);
                continue;
            }
            indent_level = indent;
            if let Some(name) = section_header(stripped) {
                open = None;
                name.clone_into(&mut section_name);
                if name == DEFAULT_SECTION {
                    target = Target::Defaults;
                } else if file.sections.iter().any(|(n, _)| n == name) {
                    return Err(syntax(
                        path,
                        number,
                        format!("section '{name}' already exists"),
                    ));
                } else {
                    file.sections.push((name.to_owned(), Vec::new()));
                    target = Target::Section(file.sections.len() - 1);
                }
                continue;
            }
            if target == Target::None {
                return Err(syntax(
                    path,
                    number,
                    "settings come before any section header such as [Login]".to_owned(),
                ));
            }
            let Some((name, value)) = stripped.split_once(['=', ':']) else {
                bad_line.get_or_insert_with(|| {
                    syntax(
                        path,
                        number,
                        format!(
                            "a line in section '{section_name}' has no '=' or ':' after the setting name"
                        ),
                    )
                });
                continue;
            };
            let name = py_strip(name).to_lowercase();
            if name.is_empty() {
                bad_line.get_or_insert_with(|| {
                    syntax(
                        path,
                        number,
                        format!(
                            "a line in section '{section_name}' has a value but no setting name"
                        ),
                    )
                });
            }
            let options = file.options_mut(target);
            if options.iter().any(|o| o.name == name) {
                return Err(syntax(
                    path,
                    number,
                    format!("option '{name}' in section '{section_name}' already exists"),
                ));
            }
            options.push(IniOption {
                name,
                value: py_strip(value).to_owned(),
                line: number,
            });
            open = Some(options.len() - 1);
        }
        if let Some(e) = bad_line {
            return Err(e);
        }
        for option in file
            .defaults
            .iter_mut()
            .chain(file.sections.iter_mut().flat_map(|(_, o)| o.iter_mut()))
        {
            let end = option.value.trim_end_matches(is_python_space).len();
            option.value.truncate(end);
        }
        Ok(file)
    }

    fn options_mut(&mut self, target: Target) -> &mut Vec<IniOption> {
        match target {
            Target::Section(i) => &mut self.sections[i].1,
            Target::Defaults | Target::None => &mut self.defaults,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn section(&self, section: &str) -> Option<&Vec<IniOption>> {
        self.sections
            .iter()
            .find(|(name, _)| name == section)
            .map(|(_, o)| o)
    }

    /// The option names of a section (with inherited defaults), or `None` if it is missing.
    pub(crate) fn options(&self, section: &str) -> Option<Vec<String>> {
        let own = self.section(section)?;
        let mut names: Vec<String> = own.iter().map(|o| o.name.clone()).collect();
        for o in &self.defaults {
            if !names.contains(&o.name) {
                names.push(o.name.clone());
            }
        }
        Some(names)
    }

    fn raw(&self, section: &str, name: &str) -> Option<&IniOption> {
        let own = self.section(section)?;
        let name = name.to_lowercase();
        own.iter()
            .chain(self.defaults.iter())
            .find(|o| o.name == name)
    }

    /// The value of an option after `%` interpolation, `None` if the section or option is
    /// missing.
    pub(crate) fn get(&self, section: &str, name: &str) -> Result<Option<String>> {
        let Some(option) = self.raw(section, name) else {
            return Ok(None);
        };
        self.interpolate(section, option, 1).map(Some)
    }

    fn interpolate(&self, section: &str, option: &IniOption, depth: usize) -> Result<String> {
        let bad = |why: &str| {
            syntax(
                &self.path,
                option.line,
                format!(
                    "the value of '{}' in section '{section}' {why}",
                    option.name
                ),
            )
        };
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(bad("has '%(…)s' references nested too deeply"));
        }
        let mut out = String::with_capacity(option.value.len());
        let mut rest = option.value.as_str();
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(r) = after.strip_prefix('%') {
                out.push('%');
                rest = r;
            } else if let Some(r) = after.strip_prefix('(') {
                let reference = r
                    .find(')')
                    .filter(|&close| close > 0 && r[close + 1..].starts_with('s'))
                    .map(|close| &r[..close]);
                let Some(reference) = reference else {
                    return Err(bad("has a '%(' not closed by ')s'"));
                };
                let Some(referenced) = self.raw(section, reference) else {
                    return Err(bad(&format!(
                        "refers to '%({reference})s', which is not a setting of the section"
                    )));
                };
                out.push_str(&self.interpolate(section, referenced, depth + 1)?);
                rest = &r[reference.len() + 2..];
            } else {
                return Err(bad(
                    "has a '%' not followed by '%' or '(' (write '%%' for a literal '%')",
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The name in a `[name]` header line (Python takes everything up to the last `]`).
fn section_header(stripped: &str) -> Option<&str> {
    let inner = stripped.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    Some(&inner[..close]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IniFile> {
        IniFile::parse(Path::new("t.ini"), text.as_bytes())
    }

    fn line_of_error(text: &str) -> usize {
        match parse(text) {
            Err(DefaultsError::IniSyntax { line, .. }) => line,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bom_is_skipped() {
        let f = parse("\u{feff}[Login]\ndefault_login = a\n").unwrap();
        assert_eq!(
            f.get("Login", "default_login").unwrap().as_deref(),
            Some("a")
        );
    }

    #[test]
    fn errors_name_the_offending_line_and_never_its_text() {
        assert_eq!(line_of_error("[A]\nx = 1\n\nX = canary\n"), 4);
        assert_eq!(line_of_error("[A]\nx = 1\n[B]\n[A]\n"), 4);
        assert_eq!(line_of_error("[A]\nx = 1\ncanary-pw\ny = 2\n"), 3);
        assert_eq!(line_of_error("[A]\nx = 1\ncanary-pw"), 3);
        assert_eq!(line_of_error("# c\n\nx = canary\n[A]\n"), 3);
        assert_eq!(line_of_error("[A]\r\nx = 1\rcanary\r\n"), 3);
        for text in ["[A]\nx = 1\ncanary-pw\n", "x = canary\n", "[A]\n= canary\n"] {
            let e = parse(text).unwrap_err().to_string();
            assert!(!e.contains("canary"), "{e}");
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_with_its_position() {
        let e =
            IniFile::parse(Path::new("t.ini"), b"[Login]\nhttp_proxy = u:p\xe9ss@h\n").unwrap_err();
        let DefaultsError::IniSyntax { line, message, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*line, 2);
        assert!(message.contains("position 24"), "{message}");
        assert!(e.to_string().contains("t.ini"), "{e}");
    }

    #[test]
    fn configparser_line_rules_are_followed() {
        let f = parse(
            "[A]\nkey : v:w\n  more\n\n  last\n# c\n[ B ]\nx=1\n[C] trailing\ny = 2 ; not a comment\n",
        )
        .unwrap();
        assert_eq!(
            f.get("A", "KEY").unwrap().as_deref(),
            Some("v:w\nmore\n\nlast")
        );
        assert_eq!(f.get(" B ", "x").unwrap().as_deref(), Some("1"));
        assert_eq!(
            f.get("C", "y").unwrap().as_deref(),
            Some("2 ; not a comment")
        );
        assert_eq!(
            f.get("C", "\u{1c}y").unwrap(),
            None,
            "names are matched as written"
        );
    }

    #[test]
    fn interpolation_errors_name_the_line_not_the_value() {
        let f = parse("[A]\nx = 1\np = canary%pw\nq = %(nope)s canary\nr = %(x)x)s\ns = %(x)s%%\n")
            .unwrap();
        for (name, line) in [("p", 3), ("q", 4), ("r", 5)] {
            let e = f.get("A", name).unwrap_err();
            assert!(!e.to_string().contains("canary"), "{e}");
            assert!(
                matches!(e, DefaultsError::IniSyntax { line: l, .. } if l == line),
                "{e}"
            );
        }
        assert_eq!(f.get("A", "s").unwrap().as_deref(), Some("1%"));
        let e = f.get("A", "p").unwrap_err().to_string();
        assert!(e.contains("'%%'"), "{e}");
    }

    #[test]
    fn arbitrary_bytes_are_read_or_refused_without_panicking() {
        const PIECES: &[&[u8]] = &[
            b"[",
            b"]",
            b"Login",
            b"DEFAULT",
            b"=",
            b":",
            b" ",
            b"\t",
            b"\n",
            b"\r",
            b"\r\n",
            b"#",
            b";",
            b"%",
            b"%(",
            b")s",
            b"%%",
            b"x",
            b"\xe9",
            b"\xc3\xa9",
            b"\xef\xbb\xbf",
            b"\x1c",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut read = 0;
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            for _ in 0..(state % 30) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.extend_from_slice(
                    PIECES[usize::try_from(state % PIECES.len() as u64).unwrap()],
                );
            }
            if let Ok(file) = IniFile::parse(Path::new("t.ini"), &bytes) {
                for (section, options) in &file.sections {
                    for o in options {
                        let _ = file.get(section, &o.name);
                    }
                }
                read += 1;
            }
        }
        assert!(read > 2_000, "only {read} inputs were read");
    }
}
