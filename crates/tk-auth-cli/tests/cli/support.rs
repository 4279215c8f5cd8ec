//! What the behaviour tests share: the command in a temporary `SHOTGUN_HOME`, sessions
//! stored for a running site, and the Python-written fixtures.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tk_auth::core::Secret;
use tk_auth::defaults::SessionCache;
use tk_auth_site_emulator::SiteEmulator;

/// `tk-auth` with `home` as `SHOTGUN_HOME` and `HOME`, and none of the variables that would
/// reach the person's own settings, keyring, prompts or proxies.
pub(crate) fn tk_auth(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tk-auth").expect("the tk-auth binary is built");
    cmd.env("SHOTGUN_HOME", home).env("HOME", home);
    for name in [
        "TK_AUTH_STORE",
        "TK_AUTH_LOG",
        "RUST_LOG",
        "TK_AUTH_PROMPT",
        "SGTK_PREFERENCES_LOCATION",
        "SGTK_DESKTOP_CONFIG_LOCATION",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

/// A temporary `SHOTGUN_HOME` where `login` is the current user of `site`, with a session
/// the site just issued; returns the folder and the token.
pub(crate) fn logged_in_on(site: &SiteEmulator, login: &str) -> (tempfile::TempDir, String) {
    let home = tempfile::tempdir().unwrap();
    let token = site.create_session(login).unwrap();
    let cache = SessionCache::at(home.path());
    cache
        .cache_session_data(site.url(), login, &Secret::new(token.clone()), None)
        .unwrap();
    cache.set_current_host(site.url()).unwrap();
    cache.set_current_user(site.url(), login).unwrap();
    (home, token)
}

/// The `payload export` cases: a `SHOTGUN_HOME` written by Python and what Python exported
/// from it (see `tests/fixtures/python-compat/NOTE.md`).
pub(crate) fn export_cases() -> Vec<PathBuf> {
    let root =
        tk_auth_test_support::fixture(env!("CARGO_MANIFEST_DIR"), "python-compat/payload_export");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 9, "{cases:?}");
    cases
}

/// A writable copy of a case's Python-written `SHOTGUN_HOME`, and `tk-auth` set up to use it
/// with the case's environment.
pub(crate) fn python_home(case: &Path) -> (tempfile::TempDir, Command) {
    let home = tempfile::tempdir().unwrap();
    copy_tree(&case.join("SHOTGUN_HOME"), home.path());
    let mut cmd = tk_auth(home.path());
    let env: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(case.join("env.json")).unwrap()).unwrap();
    for (name, value) in env {
        cmd.env(name, value.as_str().unwrap());
    }
    (home, cmd)
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A file tree's paths and contents, to show that a command wrote nothing.
pub(crate) fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}
