//! Python's `http.cookies.SimpleCookie().load(text)` (Python 3.11), for the cookie jars the
//! Toolkit stores as session metadata.
//!
//! The whole text is checked first and ignored if any part is invalid, exactly as Python
//! does; where Python raises `CookieError` instead (a cookie name outside the legal
//! characters, an unknown `$attribute`), this reports [`JarError`].

/// One cookie: its name, unquoted value and `domain` attribute (`Some("")` when not given,
/// `None` for a `$Domain` without value, as in Python).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Cookie {
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) domain: Option<String>,
}

/// A cookie text that Python's parser would reject with an exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JarError(pub(crate) String);

/// The cookies of a jar in first-seen order; a name seen again updates the first entry.
#[derive(Default)]
pub(crate) struct CookieJar {
    cookies: Vec<Cookie>,
}

/// Attribute names Python's `Morsel` reserves (lowercase).
const RESERVED: &[&str] = &[
    "expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite",
];
/// Attributes that may appear without a value.
const FLAGS: &[&str] = &["secure", "httponly"];

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
/// `_LegalKeyChars` of the cookie pattern.
fn is_key_char(c: char) -> bool {
    is_word(c) || "!#%&'~_`><@,:/$*+-.^|)(?}{=".contains(c)
}
/// `_LegalValueChars` of the cookie pattern.
fn is_value_char(c: char) -> bool {
    is_key_char(c) || c == '[' || c == ']'
}
/// `_LegalChars`, what `Morsel.set` accepts in a cookie name.
fn is_legal_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c)
}

/// One match of Python's `_CookiePattern`: key span, optional value span, end of match.
struct PatternMatch {
    key: (usize, usize),
    value: Option<(usize, usize)>,
    end: usize,
}

/// Matches `_CookiePattern` at `start`, with the backtracking order of Python's `re`.
fn match_at(s: &[char], start: usize) -> Option<PatternMatch> {
    let n = s.len();
    let key_start = start + s[start..].iter().take_while(|c| is_space(**c)).count();
    let mut key_end = key_start;
    // The key is lazy: grow it one character at a time until the rest matches.
    loop {
        if key_end >= n || !is_key_char(s[key_end]) {
            return None;
        }
        key_end += 1;
        if let Some((value, end)) = match_value_group(s, key_end) {
            return Some(PatternMatch {
                key: (key_start, key_end),
                value: Some(value),
                end,
            });
        }
        if let Some(end) = match_tail(s, key_end) {
            return Some(PatternMatch {
                key: (key_start, key_end),
                value: None,
                end,
            });
        }
    }
}

fn spaces_from(s: &[char], at: usize) -> usize {
    s.get(at..)
        .map_or(0, |rest| rest.iter().take_while(|c| is_space(**c)).count())
}

/// `\s*(\s+|;|$)`: where the match ends, if it can.
fn match_tail(s: &[char], at: usize) -> Option<usize> {
    let w = spaces_from(s, at);
    let after = at + w;
    if s.get(after) == Some(&';') {
        Some(after + 1)
    } else if w > 0 || after == s.len() {
        Some(after)
    } else {
        None
    }
}

/// `\s*=\s*(?P<val>…)` followed by the tail: the value span and the end of the match.
fn match_value_group(s: &[char], at: usize) -> Option<((usize, usize), usize)> {
    let eq = at + spaces_from(s, at);
    if s.get(eq) != Some(&'=') {
        return None;
    }
    let after_eq = eq + 1;
    let w = spaces_from(s, after_eq);
    // The second `\s*` is greedy: try the value after all the spaces first, then after
    // fewer (where only an empty value can start).
    for k in (0..=w).rev() {
        let b = after_eq + k;
        if let Some(end) = match_quoted(s, b)
            && let Some(tail) = match_tail(s, end)
        {
            return Some(((b, end), tail));
        }
        for len in [11, 10, 9] {
            if let Some(end) = match_expires_date(s, b, len)
                && let Some(tail) = match_tail(s, end)
            {
                return Some(((b, end), tail));
            }
        }
        let run = s[b..].iter().take_while(|c| is_value_char(**c)).count();
        for len in (0..=run).rev() {
            if let Some(tail) = match_tail(s, b + len) {
                return Some(((b, b + len), tail));
            }
        }
    }
    None
}

/// `"(?:[^\\"]|\\.)*"` at `at`: the end of the quoted string.
fn match_quoted(s: &[char], at: usize) -> Option<usize> {
    if s.get(at) != Some(&'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match s.get(i)? {
            '"' => return Some(i + 1),
            '\\' => match s.get(i + 1) {
                Some(c) if *c != '\n' => i += 2,
                _ => return None,
            },
            _ => i += 1,
        }
    }
}

/// `\w{3},\s[\w\d\s-]{len}\s[\d:]{8}\sGMT` at `at`.
fn match_expires_date(s: &[char], at: usize, len: usize) -> Option<usize> {
    let mut i = at;
    let mut take = |pred: &dyn Fn(char) -> bool, count: usize| -> Option<()> {
        for _ in 0..count {
            if !pred(*s.get(i)?) {
                return None;
            }
            i += 1;
        }
        Some(())
    };
    take(&is_word, 3)?;
    take(&|c| c == ',', 1)?;
    take(&is_space, 1)?;
    take(&|c| is_word(c) || is_space(c) || c == '-', len)?;
    take(&is_space, 1)?;
    take(&|c| c.is_ascii_digit() || c == ':', 8)?;
    take(&is_space, 1)?;
    take(&|c| c == 'G', 1)?;
    take(&|c| c == 'M', 1)?;
    take(&|c| c == 'T', 1)?;
    Some(i)
}

/// Python's `http.cookies._unquote`.
fn unquote(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 2 || chars[0] != '"' || chars[chars.len() - 1] != '"' {
        return value.to_owned();
    }
    let inner = &chars[1..chars.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        // `\ooo` (first digit 0–3) is an octal escape; any other `\x` stands for `x`.
        if inner[i] == '\\' && i + 1 < inner.len() {
            let octal = inner.get(i + 1..i + 4).filter(|d| {
                ('0'..='3').contains(&d[0]) && d[1..].iter().all(|c| ('0'..='7').contains(c))
            });
            if let Some(digits) = octal {
                let code = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + d.to_digit(8).unwrap_or(0));
                out.extend(char::from_u32(code));
                i += 4;
                continue;
            }
            if inner[i + 1] != '\n' {
                out.push(inner[i + 1]);
                i += 2;
                continue;
            }
        }
        out.push(inner[i]);
        i += 1;
    }
    out
}

enum Item {
    Attribute(String, Option<String>),
    Cookie(String, String),
}

impl CookieJar {
    /// Loads a cookie text as `SimpleCookie().load(text)` does.
    pub(crate) fn load(text: &str) -> Result<CookieJar, JarError> {
        let s: Vec<char> = text.chars().collect();
        let mut items = Vec::new();
        let mut morsel_seen = false;
        let mut i = 0;
        // First check the whole text; an invalid text loads nothing.
        while i < s.len() {
            let Some(m) = match_at(&s, i) else { break };
            i = m.end;
            let key: String = s[m.key.0..m.key.1].iter().collect();
            let value: Option<String> = m.value.map(|(a, b)| s[a..b].iter().collect());
            let lower = key.to_ascii_lowercase();
            if let Some(attribute) = key.strip_prefix('$') {
                if morsel_seen {
                    items.push(Item::Attribute(attribute.to_owned(), value));
                }
            } else if RESERVED.contains(&lower.as_str()) {
                if !morsel_seen {
                    return Ok(CookieJar::default());
                }
                match value {
                    None if FLAGS.contains(&lower.as_str()) => {
                        items.push(Item::Attribute(key, None));
                    }
                    None => return Ok(CookieJar::default()),
                    Some(v) => items.push(Item::Attribute(key, Some(unquote(&v)))),
                }
            } else if let Some(v) = value {
                items.push(Item::Cookie(key, v));
                morsel_seen = true;
            } else {
                return Ok(CookieJar::default());
            }
        }
        let mut jar = CookieJar::default();
        let mut current: Option<usize> = None;
        for item in items {
            match item {
                Item::Attribute(name, value) => {
                    let lower = name.to_ascii_lowercase();
                    if !RESERVED.contains(&lower.as_str()) {
                        // The name is left out of the message: in a garbled jar it may be a
                        // piece of a cookie value, and cookies are secret.
                        return Err(JarError(
                            "a `$` attribute that cookies do not have".to_owned(),
                        ));
                    }
                    if lower == "domain"
                        && let Some(index) = current
                    {
                        jar.cookies[index].domain = value;
                    }
                }
                Item::Cookie(name, raw) => {
                    if !name.chars().all(is_legal_name_char) {
                        return Err(JarError(
                            "a cookie name with characters not allowed in one".to_owned(),
                        ));
                    }
                    let value = unquote(&raw);
                    let index = if let Some(index) = jar.cookies.iter().position(|c| c.name == name)
                    {
                        jar.cookies[index].value = value;
                        index
                    } else {
                        jar.cookies.push(Cookie {
                            name,
                            value,
                            domain: Some(String::new()),
                        });
                        jar.cookies.len() - 1
                    };
                    current = Some(index);
                }
            }
        }
        Ok(jar)
    }

    /// The cookie with this exact name.
    pub(crate) fn get(&self, name: &str) -> Option<&Cookie> {
        self.cookies.iter().find(|c| c.name == name)
    }

    /// All cookies, in first-seen order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Cookie> {
        self.cookies.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, String)> {
        CookieJar::load(text)
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.value.clone(),
                    c.domain.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn attributes_attach_to_the_cookie_before_them() {
        assert_eq!(
            pairs("a=1; Domain=x.com; secure\r\nb=\"q\\\"t\"; path=/"),
            vec![
                ("a".into(), "1".into(), "x.com".into()),
                ("b".into(), "q\"t".into(), String::new())
            ]
        );
    }

    #[test]
    fn an_invalid_text_loads_nothing() {
        assert!(pairs("a=1; path").is_empty());
        assert!(pairs("domain=x; a=1").is_empty());
        assert!(pairs("a").is_empty());
    }

    #[test]
    fn expires_dates_with_a_comma_are_one_value() {
        assert_eq!(
            pairs("a=1; expires=Thu, 01-Jan-2026 00:00:00 GMT; b=2").len(),
            2
        );
    }

    #[test]
    fn illegal_names_are_errors_like_python() {
        assert!(CookieJar::load("a/b=1").is_err());
        assert!(CookieJar::load("a=1; $Foo=2").is_err());
    }
}
