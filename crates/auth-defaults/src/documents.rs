//! The content of the two kinds of `authentication.yml`, and the edits the session cache
//! makes to them, with the Python Toolkit's normalisation and matching rules.
//!
//! Everything not understood is left in place, so files stay readable by every Toolkit
//! version that shares them.

use crate::python_text::py_strip;
use crate::yaml::Yaml;

pub(crate) const CURRENT_HOST: &str = "current_host";
pub(crate) const RECENT_HOSTS: &str = "recent_hosts";
pub(crate) const CURRENT_USER: &str = "current_user";
pub(crate) const RECENT_USERS: &str = "recent_users";
pub(crate) const PREFERRED_METHOD: &str = "method";
pub(crate) const USERS: &str = "users";
pub(crate) const LOGIN: &str = "login";
pub(crate) const SESSION_TOKEN: &str = "session_token";
pub(crate) const SESSION_METADATA: &str = "session_metadata";

/// How many recent hosts or users are kept on write.
pub(crate) const RECENT_LIMIT: usize = 8;

fn list_problem(doc: &Yaml, key: &str) -> Option<String> {
    match doc.get(key) {
        None | Some(Yaml::Null | Yaml::Seq(_)) => None,
        Some(other) => Some(format!("'{key}' holds {} instead of a list", other.kind())),
    }
}

/// Why a per-site mapping cannot be edited without losing data, if it cannot.
pub(crate) fn site_problem(doc: &Yaml) -> Option<String> {
    list_problem(doc, USERS).or_else(|| list_problem(doc, RECENT_USERS))
}

/// Why a global mapping cannot be edited without losing data, if it cannot.
pub(crate) fn global_problem(doc: &Yaml) -> Option<String> {
    list_problem(doc, RECENT_HOSTS)
}

fn set_default(doc: &mut Yaml, key: &str, value: Yaml) {
    if doc.get(key).is_none() {
        doc.set(key, value);
    }
}

/// Python's load-time normalisation of a per-site file: defaults for the mandatory keys,
/// `method: null` dropped, logins and the current user stripped. A `null` list reads as an
/// empty one (Python would fail on it).
pub(crate) fn normalize_site(doc: &mut Yaml) {
    set_default(doc, USERS, Yaml::Seq(Vec::new()));
    set_default(doc, CURRENT_USER, Yaml::Null);
    set_default(doc, RECENT_USERS, Yaml::Seq(Vec::new()));
    for key in [USERS, RECENT_USERS] {
        if matches!(doc.get(key), Some(Yaml::Null)) {
            doc.set(key, Yaml::Seq(Vec::new()));
        }
    }
    if matches!(doc.get(PREFERRED_METHOD), Some(Yaml::Null)) {
        doc.remove(PREFERRED_METHOD);
    }
    if let Some(Yaml::Str(user)) = doc.get(CURRENT_USER) {
        let stripped = py_strip(user).to_owned();
        doc.set(CURRENT_USER, Yaml::Str(stripped));
    }
    if let Some(Yaml::Seq(users)) = doc_get_mut(doc, USERS) {
        for entry in users.iter_mut() {
            if let Some(Yaml::Str(login)) = entry.get(LOGIN) {
                let stripped = py_strip(login).to_owned();
                entry.set(LOGIN, Yaml::Str(stripped));
            }
        }
    }
}

/// Python's load-time normalisation of the global file.
pub(crate) fn normalize_global(doc: &mut Yaml) {
    set_default(doc, CURRENT_HOST, Yaml::Null);
    set_default(doc, RECENT_HOSTS, Yaml::Seq(Vec::new()));
    if matches!(doc.get(RECENT_HOSTS), Some(Yaml::Null)) {
        doc.set(RECENT_HOSTS, Yaml::Seq(Vec::new()));
    }
}

fn doc_get_mut<'a>(doc: &'a mut Yaml, key: &str) -> Option<&'a mut Yaml> {
    match doc {
        Yaml::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn users_mut(doc: &mut Yaml) -> Option<&mut Vec<Yaml>> {
    match doc_get_mut(doc, USERS) {
        Some(Yaml::Seq(users)) => Some(users),
        _ => None,
    }
}

/// The login of a user entry, if the entry has a usable one. Entries without one are
/// skipped with a warning (Python fails on them).
fn entry_login(entry: &Yaml) -> Option<&str> {
    let login = entry.get(LOGIN).and_then(Yaml::as_str);
    if login.is_none() {
        tracing::warn!(
            entry = entry.kind(),
            "skipping a session cache entry without a login"
        );
    }
    login
}

fn same_login(a: &str, b: &str) -> bool {
    py_strip(a).to_lowercase() == py_strip(b).to_lowercase()
}

/// A cached session as found in a file: the stored login spelling, token and metadata.
pub(crate) struct FoundSession {
    pub(crate) login: String,
    pub(crate) token: Option<String>,
    pub(crate) metadata: Option<String>,
}

/// The first entry for `login` (case and surrounding spaces ignored). With
/// `require_token`, entries with an empty token are skipped as Python does.
pub(crate) fn find_session(doc: &Yaml, login: &str, require_token: bool) -> Option<FoundSession> {
    let Some(Yaml::Seq(users)) = doc.get(USERS) else {
        return None;
    };
    users.iter().find_map(|entry| {
        let stored = entry_login(entry)?;
        if !same_login(stored, login) {
            return None;
        }
        let token = entry
            .get(SESSION_TOKEN)
            .and_then(Yaml::as_str)
            .filter(|t| !t.is_empty());
        if require_token && token.is_none() {
            return None;
        }
        Some(FoundSession {
            login: stored.to_owned(),
            token: token.map(str::to_owned),
            metadata: entry
                .get(SESSION_METADATA)
                .and_then(Yaml::as_str)
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
        })
    })
}

/// Stores a session: a new login is appended; an existing one gets the new token and the
/// new metadata (stored together, for entries old and new). `token: None` stores the login
/// only (the keyring keeps the secrets) and removes any token from the entry.
/// Returns whether anything changed.
pub(crate) fn insert_or_update(
    doc: &mut Yaml,
    login: &str,
    token: Option<&str>,
    metadata: Option<&str>,
) -> bool {
    let Some(users) = users_mut(doc) else {
        return false;
    };
    if let Some(entry) = users
        .iter_mut()
        .find(|e| entry_login(e).is_some_and(|l| same_login(l, login)))
    {
        let mut changed = false;
        let token_value = token.map_or(Yaml::Null, Yaml::str);
        let stored_token = entry.get(SESSION_TOKEN).cloned();
        match token {
            Some(_) if stored_token.as_ref() != Some(&token_value) => {
                entry.set(SESSION_TOKEN, token_value);
                changed = true;
            }
            None if stored_token.is_some() => {
                entry.remove(SESSION_TOKEN);
                entry.remove(SESSION_METADATA);
                return true;
            }
            _ => {}
        }
        if token.is_some() {
            let stored_meta = entry.get(SESSION_METADATA).and_then(Yaml::as_str);
            if stored_meta != metadata {
                match metadata {
                    Some(m) => entry.set(SESSION_METADATA, Yaml::str(m)),
                    // Keep Python's spelling of "no metadata" for an entry that had some.
                    None if entry.get(SESSION_METADATA).is_some() => {
                        entry.set(SESSION_METADATA, Yaml::Null);
                    }
                    None => return changed,
                }
                changed = true;
            }
        }
        return changed;
    }
    let mut entry = Yaml::Map(vec![(Yaml::str(LOGIN), Yaml::str(login))]);
    if let Some(token) = token {
        entry.set(SESSION_TOKEN, Yaml::str(token));
        if let Some(m) = metadata {
            entry.set(SESSION_METADATA, Yaml::str(m));
        }
    }
    users.push(entry);
    true
}

/// Removes every entry for `login`.
pub(crate) fn remove_user(doc: &mut Yaml, login: &str) {
    if let Some(users) = users_mut(doc) {
        users.retain(|e| !entry_login(e).is_some_and(|l| same_login(l, login)));
    }
}

/// Makes `value` current and the most recent of the list, keeping the 8 most recent.
pub(crate) fn update_recent(doc: &mut Yaml, current_key: &str, recent_key: &str, value: Yaml) {
    doc.set(current_key, value.clone());
    if !matches!(doc.get(recent_key), Some(Yaml::Seq(_))) {
        doc.set(recent_key, Yaml::Seq(Vec::new()));
    }
    if let Some(Yaml::Seq(list)) = doc_get_mut(doc, recent_key) {
        if let Some(pos) = list.iter().position(|v| *v == value) {
            list.remove(pos);
        }
        list.insert(0, value);
        list.truncate(RECENT_LIMIT);
    }
}

/// A login as the Python Toolkit stores it: stripped of Python's white space.
pub(crate) fn strip_login(login: &str) -> String {
    py_strip(login).to_owned()
}

/// The current user of a site file, stripped, if it is a non-empty string.
pub(crate) fn current_user(doc: &Yaml) -> Option<String> {
    current_value(doc, CURRENT_USER)
        .map(py_strip)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

/// The current host of the global file, if it is a non-empty string.
pub(crate) fn current_host(doc: &Yaml) -> Option<String> {
    current_value(doc, CURRENT_HOST)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
}

/// A string value; another type (a number, a list …) is logged and read as none, where
/// Python would fail on it.
fn current_value<'a>(doc: &'a Yaml, key: &str) -> Option<&'a str> {
    match doc.get(key) {
        Some(Yaml::Str(s)) => Some(s),
        None | Some(Yaml::Null) => None,
        Some(other) => {
            tracing::warn!(
                "'{key}' in the session cache is {}, not a string; reading it as none",
                other.kind()
            );
            None
        }
    }
}

/// The recent list with the current value forced to the front (files written by older
/// Toolkits may lack it). Reading does not truncate. Entries that are not strings are left
/// out.
pub(crate) fn recent_items(doc: &Yaml, recent_key: &str, current_key: &str) -> Vec<String> {
    let mut items: Vec<Yaml> = match doc.get(recent_key) {
        Some(Yaml::Seq(list)) => list.clone(),
        _ => Vec::new(),
    };
    if let Some(current @ Yaml::Str(s)) = doc.get(current_key)
        && !s.is_empty()
    {
        if let Some(pos) = items.iter().position(|v| v == current) {
            items.remove(pos);
        }
        items.insert(0, current.clone());
    }
    items
        .into_iter()
        .filter_map(|v| match v {
            Yaml::Str(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn entries_without_login_are_skipped_and_kept() {
        let mut doc =
            parse("users:\n- {session_token: t}\n- {login: ' Bob ', session_token: b}\n").unwrap();
        normalize_site(&mut doc);
        let found = find_session(&doc, "bob", true).unwrap();
        assert_eq!(found.login, "Bob");
        assert!(insert_or_update(&mut doc, "alice", Some("a"), None));
        remove_user(&mut doc, "BOB");
        let Some(Yaml::Seq(users)) = doc.get(USERS) else {
            panic!()
        };
        assert_eq!(users.len(), 2, "the login-less entry survives");
    }

    #[test]
    fn logins_are_stripped_of_python_white_space() {
        let mut doc =
            parse("current_user: \"\\x1Cjd\\x1F\"\nusers:\n- {login: \"\\u3000Bob\\x1D\", session_token: b}\n")
                .unwrap();
        normalize_site(&mut doc);
        assert_eq!(current_user(&doc).as_deref(), Some("jd"));
        assert_eq!(find_session(&doc, "\u{1e}BOB ", true).unwrap().login, "Bob");
        assert_eq!(strip_login("\u{1f}x\u{85}"), "x");
    }

    #[test]
    fn odd_current_values_read_as_none() {
        for text in [
            "current_user: 5\n",
            "current_user: [a]\n",
            "current_user: {a: 1}\n",
            "current_user: ' '\n",
        ] {
            let doc = parse(text).unwrap();
            assert_eq!(current_user(&doc), None, "{text}");
        }
    }

    #[test]
    fn metadata_is_stored_for_existing_entries() {
        let mut doc = Yaml::Map(Vec::new());
        normalize_site(&mut doc);
        assert!(insert_or_update(&mut doc, "jd", Some("t1"), None));
        assert!(insert_or_update(&mut doc, "jd", Some("t2"), Some("m")));
        let found = find_session(&doc, "jd", true).unwrap();
        assert_eq!(found.metadata.as_deref(), Some("m"));
        assert!(!insert_or_update(&mut doc, "jd", Some("t2"), Some("m")));
    }
}
