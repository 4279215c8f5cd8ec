//! `$VAR`/`${VAR}` and `~` expansion with the rules of Python's `os.path.expandvars` and
//! `os.path.expanduser` (POSIX flavour), which the Toolkit applies to settings and paths.

use std::path::{Component, Path, PathBuf};

use crate::env::Env;

/// Replaces `$NAME` and `${NAME}` with the variable's value; unset variables stay as written.
///
/// `NAME` is made of ASCII letters, digits and `_`, as in Python.
pub(crate) fn expand_vars(value: &str, env: &Env) -> String {
    if !value.contains('$') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, token_len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (Some(&braced[..end]), end + 2),
                None => (None, 0),
            }
        } else {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len == 0 {
                (None, 0)
            } else {
                (Some(&after[..len]), len)
            }
        };
        if let Some(v) = name.and_then(|n| env.var(n)) {
            out.push_str(&v);
            rest = &after[token_len..];
        } else {
            // Keep the text as written and carry on after the token.
            out.push('$');
            out.push_str(&after[..token_len]);
            rest = &after[token_len..];
        }
    }
    out.push_str(rest);
    out
}

/// Replaces a leading `~` (alone or followed by `/`) with the home folder.
///
/// `~user` forms are left unchanged: looking up other accounts is out of scope.
pub(crate) fn expand_user(value: &str, env: &Env) -> String {
    let Some(after) = value.strip_prefix('~') else {
        return value.to_owned();
    };
    if !(after.is_empty() || after.starts_with('/')) {
        return value.to_owned();
    }
    let Some(home) = env.home() else {
        return value.to_owned();
    };
    let home = home.to_string_lossy();
    let joined = format!("{}{after}", home.trim_end_matches('/'));
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

/// Makes a path absolute against the current folder and removes `.` and `..` lexically, as
/// Python's `os.path.abspath` does.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::from_pairs([("HOME", "/home/jd/"), ("A", "x"), ("SUB", "sub dir")])
    }

    #[test]
    fn vars_expand_like_python() {
        let e = env();
        assert_eq!(expand_vars("$A/${SUB}/y", &e), "x/sub dir/y");
        assert_eq!(expand_vars("$UNSET/z", &e), "$UNSET/z");
        assert_eq!(expand_vars("${NOPE}", &e), "${NOPE}");
        assert_eq!(expand_vars("cost$ 5", &e), "cost$ 5");
        assert_eq!(expand_vars("a${A", &e), "a${A");
        assert_eq!(expand_vars("%A%", &e), "%A%");
        assert_eq!(expand_vars("$A$A", &e), "xx");
    }

    #[test]
    fn tilde_expands_only_at_the_start() {
        let e = env();
        assert_eq!(expand_user("~/cache", &e), "/home/jd/cache");
        assert_eq!(expand_user("~", &e), "/home/jd");
        assert_eq!(expand_user("a/~/b", &e), "a/~/b");
        assert_eq!(expand_user("~other/x", &e), "~other/x");
    }

    #[test]
    fn absolute_normalises_dots() {
        let (given, expected) = if cfg!(windows) {
            (r"C:\a\.\b\..\c", r"C:\a\c")
        } else {
            ("/a/./b/../c", "/a/c")
        };
        assert_eq!(absolute(Path::new(given)), PathBuf::from(expected));
    }
}
