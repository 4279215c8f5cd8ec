//! Python's `urllib.parse.urlparse`/`urlunparse` (Python 3.11) rules, to the letter.
//!
//! Site folder names, sanitized URLs and sanitized proxies must come out exactly as the Python
//! Toolkit computes them, so the parser quirks (a `host:port` without scheme read as a
//! scheme, `;params` split only for some schemes, …) are reproduced rather than fixed.
//! Where Python raises `ValueError` (unbalanced IPv6 brackets, a netloc that changes under
//! NFKC normalisation) the components are returned as split; callers here never fail.

use std::fmt::Write as _;

/// Schemes for which `urlunsplit` writes `//` even when the network location is empty.
const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];

/// Schemes whose last path segment may carry `;params`.
const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu",
    "sip", "sips", "mms", "sftp", "tel",
];

/// The six components of Python's `ParseResult`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ParseResult {
    pub(crate) scheme: String,
    pub(crate) netloc: String,
    pub(crate) path: String,
    pub(crate) params: String,
    pub(crate) query: String,
    pub(crate) fragment: String,
}

/// Python's `str.isspace()` for one character.
pub(crate) fn py_isspace(c: char) -> bool {
    // Python also counts the information separators U+001C–U+001F (bidi class B/S), which
    // Unicode's White_Space property leaves out.
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` without arguments.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// `urllib.parse.urlparse(url)`.
pub(crate) fn urlparse(url: &str) -> ParseResult {
    let mut parts = urlsplit(url);
    if USES_PARAMS.contains(&parts.scheme.as_str()) && parts.path.contains(';') {
        let (path, params) = split_params(&parts.path);
        (parts.path, parts.params) = (path.to_owned(), params.to_owned());
    }
    parts
}

/// `urllib.parse.urlsplit(url)`: [`urlparse`] without splitting `;params` off the path
/// (`params` is always empty).
pub(crate) fn urlsplit(url: &str) -> ParseResult {
    // urlsplit: lstrip C0 controls and space, drop every tab, CR and LF.
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let candidate = &rest[..i];
        if i > 0
            && candidate.starts_with(|c: char| c.is_ascii_alphabetic())
            && candidate.chars().all(is_scheme_char)
        {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
    }
    let mut fragment = "";
    if let Some((before, frag)) = rest.split_once('#') {
        rest = before;
        fragment = frag;
    }
    let mut query = "";
    if let Some((before, q)) = rest.split_once('?') {
        rest = before;
        query = q;
    }
    ParseResult {
        scheme,
        netloc: netloc.to_owned(),
        path: rest.to_owned(),
        params: String::new(),
        query: query.to_owned(),
        fragment: fragment.to_owned(),
    }
}

fn split_params(url: &str) -> (&str, &str) {
    let i = match url.rfind('/') {
        Some(slash) => match url[slash..].find(';') {
            Some(j) => slash + j,
            None => return (url, ""),
        },
        None => url.find(';').unwrap_or(url.len()),
    };
    (&url[..i], &url[i + 1..])
}

/// `urllib.parse.urlunparse(components)`.
pub(crate) fn urlunparse(p: &ParseResult) -> String {
    let mut url = p.path.clone();
    if !p.params.is_empty() {
        url = format!("{url};{}", p.params);
    }
    if !p.netloc.is_empty()
        || (!p.scheme.is_empty()
            && USES_NETLOC.contains(&p.scheme.as_str())
            && !url.starts_with("//"))
    {
        if !url.is_empty() && !url.starts_with('/') {
            url.insert(0, '/');
        }
        url = format!("//{}{url}", p.netloc);
    }
    if !p.scheme.is_empty() {
        url = format!("{}:{url}", p.scheme);
    }
    if !p.query.is_empty() {
        url.push('?');
        url.push_str(&p.query);
    }
    if !p.fragment.is_empty() {
        url.push('#');
        url.push_str(&p.fragment);
    }
    url
}

impl ParseResult {
    /// `ParseResult._userinfo`: (username, password) from `user:pass@` in the netloc.
    pub(crate) fn userinfo(&self) -> (Option<&str>, Option<&str>) {
        match self.netloc.rsplit_once('@') {
            Some((info, _)) => match info.split_once(':') {
                Some((user, pass)) => (Some(user), Some(pass)),
                None => (Some(info), None),
            },
            None => (None, None),
        }
    }

    /// `ParseResult._hostinfo`: (hostname as written, port text if not empty).
    pub(crate) fn hostinfo(&self) -> (&str, Option<&str>) {
        let hostinfo = self
            .netloc
            .rsplit_once('@')
            .map_or(self.netloc.as_str(), |(_, h)| h);
        let (hostname, port) = match hostinfo.split_once('[') {
            Some((_, bracketed)) => {
                let (host, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
                (host, after.split_once(':').map_or("", |(_, p)| p))
            }
            None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
        };
        (hostname, (!port.is_empty()).then_some(port))
    }

    /// `ParseResult.hostname`: lowercased, except an IPv6 zone after `%`.
    pub(crate) fn hostname(&self) -> Option<String> {
        let (host, _) = self.hostinfo();
        if host.is_empty() {
            return None;
        }
        Some(match host.split_once('%') {
            Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
            None => host.to_lowercase(),
        })
    }

    /// `ParseResult.port`, with Python's two `ValueError` messages.
    pub(crate) fn port(&self) -> Result<Option<u16>, String> {
        let Some(port) = self.hostinfo().1 else {
            return Ok(None);
        };
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "Port could not be cast to integer value as {}",
                py_repr_str(port)
            ));
        }
        let digits = port.trim_start_matches('0');
        // At most five ASCII digits always parse; longer is out of range whatever they are.
        let value = match digits.len() {
            0 => 0,
            1..=5 => digits.parse::<u32>().unwrap_or(u32::MAX),
            _ => u32::MAX,
        };
        u16::try_from(value)
            .map(Some)
            .map_err(|_| "Port out of range 0-65535".to_owned())
    }
}

/// Python's `repr()` of a string (quotes and the common escapes).
pub(crate) fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_without_scheme_is_read_as_scheme_like_python() {
        let p = urlparse("localhost:8080");
        assert_eq!(p.scheme, "localhost");
        assert_eq!(p.path, "8080");
        let p = urlparse("127.0.0.1:8080");
        assert_eq!(p.scheme, "");
        assert_eq!(p.path, "127.0.0.1:8080");
    }

    #[test]
    fn params_are_split_only_for_schemes_that_use_them() {
        let p = urlparse("http://h/a;b/c;d");
        assert_eq!((p.path.as_str(), p.params.as_str()), ("/a;b/c", "d"));
        let p = urlparse("foo://h/a;b");
        assert_eq!((p.path.as_str(), p.params.as_str()), ("/a;b", ""));
    }

    #[test]
    fn port_errors_use_python_messages() {
        let p = urlparse("http://h:x1");
        assert_eq!(
            p.port().unwrap_err(),
            "Port could not be cast to integer value as 'x1'"
        );
        assert_eq!(
            urlparse("http://h:70000").port().unwrap_err(),
            "Port out of range 0-65535"
        );
        assert_eq!(urlparse("http://h:00080").port(), Ok(Some(80)));
        assert_eq!(urlparse("http://h:0").port(), Ok(Some(0)));
    }
}
