//! `toolkit.ini` read with the rules of Python's `configparser` (defaults), on top of
//! rust-ini: option names case-insensitive, section names case-sensitive, `[DEFAULT]`
//! inherited by every section, `:` and `=` delimiters, indented continuation lines, no
//! inline comments, `%` interpolation on read, and duplicate sections or options rejected.
//!
//! A UTF-8 byte-order mark is skipped (Python fails on it).

use std::path::{Path, PathBuf};

use ini::{Ini, ParseOption};

use crate::error::{DefaultsError, Result};

const DEFAULT_SECTION: &str = "DEFAULT";
const MAX_INTERPOLATION_DEPTH: usize = 10;

type Options = Vec<(String, String)>;

/// A parsed ini file.
#[derive(Clone, Default)]
pub(crate) struct IniFile {
    path: PathBuf,
    defaults: Options,
    sections: Vec<(String, Options)>,
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

/// The 1-based line of the `nth` (0-based) header of `section`, for messages.
fn header_line(text: &str, section: &str, nth: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            t.starts_with('[') && t.ends_with(']') && t[1..t.len() - 1].trim() == section
        })
        .nth(nth)
        .map_or(0, |(i, _)| i + 1)
}

impl IniFile {
    /// An empty file at `path` (used when no file exists).
    pub(crate) fn empty(path: PathBuf) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }

    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let options = ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            enabled_indented_mutiline_value: true,
            ..ParseOption::default()
        };
        let ini = Ini::load_from_str_opt(text, options)
            .map_err(|e| syntax(path, e.line, e.msg.to_string()))?;
        let mut file = Self::empty(path.to_path_buf());
        let mut seen: Vec<String> = Vec::new();
        for (section, props) in &ini {
            let Some(section) = section else {
                if props.is_empty() {
                    continue;
                }
                let first = text
                    .lines()
                    .enumerate()
                    .find(|(_, l)| {
                        let t = l.trim();
                        !t.is_empty() && !t.starts_with('#') && !t.starts_with(';')
                    })
                    .map_or((0, String::new()), |(i, l)| (i + 1, l.to_owned()));
                return Err(syntax(
                    path,
                    first.0,
                    format!("File contains no section headers: '{}'", first.1),
                ));
            };
            let count = seen.iter().filter(|s| *s == section).count();
            if count > 0 {
                return Err(syntax(
                    path,
                    header_line(text, section, count),
                    format!("section '{section}' already exists"),
                ));
            }
            seen.push(section.to_owned());
            let mut options: Options = Vec::new();
            for (key, value) in props {
                if key.contains('\n') {
                    return Err(syntax(
                        path,
                        header_line(text, section, 0),
                        format!(
                            "a line in section '{section}' has no '=' or ':': '{}'",
                            key.lines().next().unwrap_or_default()
                        ),
                    ));
                }
                let name = key.trim().to_lowercase();
                if options.iter().any(|(k, _)| *k == name) {
                    return Err(syntax(
                        path,
                        header_line(text, section, 0),
                        format!("option '{name}' in section '{section}' already exists"),
                    ));
                }
                options.push((name, value.trim().to_owned()));
            }
            if section == DEFAULT_SECTION {
                file.defaults = options;
            } else {
                file.sections.push((section.to_owned(), options));
            }
        }
        Ok(file)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn section(&self, section: &str) -> Option<&Options> {
        self.sections
            .iter()
            .find(|(name, _)| name == section)
            .map(|(_, o)| o)
    }

    /// The option names of a section (with inherited defaults), or `None` if it is missing.
    pub(crate) fn options(&self, section: &str) -> Option<Vec<String>> {
        let own = self.section(section)?;
        let mut names: Vec<String> = own.iter().map(|(k, _)| k.clone()).collect();
        for (k, _) in &self.defaults {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
        Some(names)
    }

    fn raw(&self, section: &str, name: &str) -> Option<&str> {
        let own = self.section(section)?;
        let name = name.to_lowercase();
        own.iter()
            .chain(self.defaults.iter())
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of an option after `%` interpolation, `None` if the section or option is
    /// missing.
    pub(crate) fn get(&self, section: &str, name: &str) -> Result<Option<String>> {
        let Some(raw) = self.raw(section, name) else {
            return Ok(None);
        };
        self.interpolate(section, name, raw, 1).map(Some)
    }

    fn interpolate(&self, section: &str, name: &str, raw: &str, depth: usize) -> Result<String> {
        let bad = |why: String| DefaultsError::InvalidSetting {
            value: raw.to_owned(),
            path: self.path.clone(),
            name: name.to_owned(),
            section: section.to_owned(),
            expected: why,
        };
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(bad("'%(…)s' references nest too deeply".to_owned()));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(r) = after.strip_prefix('%') {
                out.push('%');
                rest = r;
            } else if let Some(r) = after.strip_prefix('(') {
                let Some(close) = r.find(")s") else {
                    return Err(bad("'%(' must be closed by ')s'".to_owned()));
                };
                let reference = &r[..close];
                let Some(value) = self.raw(section, reference) else {
                    return Err(bad(format!(
                        "'%({reference})s' names no option of the section"
                    )));
                };
                out.push_str(&self.interpolate(section, reference, value, depth + 1)?);
                rest = &r[close + 2..];
            } else {
                return Err(bad(
                    "'%' must be followed by '%' or '(' (write '%%' for a literal '%')".to_owned(),
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IniFile> {
        IniFile::parse(Path::new("t.ini"), text)
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
    fn duplicate_options_and_lone_percent_are_errors() {
        assert!(parse("[A]\nx = 1\nX = 2\n").is_err());
        let f = parse("[A]\nx = 50%\n").unwrap();
        let e = f.get("A", "x").unwrap_err().to_string();
        assert!(e.contains("'%%'"), "{e}");
    }
}
