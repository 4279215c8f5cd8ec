//! Corrupt, hostile and odd cache files: never a panic, unusable files moved aside (never
//! silently replaced), other users never lost, files private after every write.

use std::path::{Path, PathBuf};

use tk_auth_core::Secret;
use tk_auth_defaults::SessionCache;

use crate::support::yaml_data;
#[cfg(unix)]
use crate::support::{chmod, mode};

const SITE: &str = "https://mysite.shotgunstudio.com";

fn site_file(root: &Path) -> PathBuf {
    SessionCache::at(root).site_file(SITE).unwrap()
}

fn with_file(bytes: &[u8]) -> (tempfile::TempDir, SessionCache, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(dir.path());
    let file = site_file(dir.path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    (dir, cache, file)
}

fn quarantined(file: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("authentication.yml.corrupt-")
        })
        .collect()
}

#[test]
fn unusable_files_are_moved_aside_and_never_silently_replaced() {
    let big = {
        let mut v = b"users:\n".to_vec();
        v.resize(50 * 1024 * 1024, b'#');
        v
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "truncated",
            b"users:\n- login: bob\n  session_token: 'unterminated\n".to_vec(),
        ),
        ("binary", vec![0xff, 0xfe, 0x00, 0x01, 0x9c, 0x80, 0x00]),
        ("a list", b"- a\n- b\n".to_vec()),
        ("users is a string", b"users: everyone\n".to_vec()),
        ("50 MB", big),
    ];
    for (what, bytes) in cases {
        let (_dir, cache, file) = with_file(&bytes);
        // Reading treats it as empty and leaves it alone.
        assert!(
            cache.get_session_data(SITE, "bob").unwrap().is_none(),
            "{what}"
        );
        assert!(
            quarantined(&file).is_empty(),
            "{what}: readers never move files"
        );
        cache
            .cache_session_data(SITE, "alice", &Secret::new("a"), None)
            .unwrap();
        let aside = quarantined(&file);
        assert_eq!(aside.len(), 1, "{what}: moved aside");
        assert_eq!(
            std::fs::read(&aside[0]).unwrap(),
            bytes,
            "{what}: original kept byte for byte"
        );
        assert_eq!(
            cache
                .get_session_data(SITE, "alice")
                .unwrap()
                .unwrap()
                .login,
            "alice",
            "{what}"
        );
    }
}

#[test]
fn null_users_and_entries_without_login_lose_nobody() {
    let (_dir, cache, file) = with_file(b"users: null\n");
    cache
        .cache_session_data(SITE, "alice", &Secret::new("a"), None)
        .unwrap();
    assert!(
        quarantined(&file).is_empty(),
        "users: null is read as no users"
    );
    assert!(cache.get_session_data(SITE, "alice").unwrap().is_some());

    let (_dir, cache, file) = with_file(
        b"users:\n- session_token: orphan\n- login: bob\n  session_token: b\n- just a string\n",
    );
    assert_eq!(
        cache
            .get_session_data(SITE, "bob")
            .unwrap()
            .unwrap()
            .session_token
            .expose(),
        "b"
    );
    cache
        .cache_session_data(SITE, "alice", &Secret::new("a"), None)
        .unwrap();
    let data = yaml_data(&std::fs::read_to_string(&file).unwrap());
    let users = data["users"].as_array().unwrap();
    assert_eq!(users.len(), 4, "odd entries are kept, alice added: {data}");
    assert_eq!(users[0]["session_token"], "orphan");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_symlink_to_our_own_file_is_followed_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("elsewhere.yml");
    std::fs::write(&real, "users:\n- {login: bob, session_token: b}\n").unwrap();
    let file = site_file(dir.path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    crate::support::symlink(&real, &file);
    let cache = SessionCache::at(dir.path());
    cache
        .cache_session_data(SITE, "alice", &Secret::new("a"), None)
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink(),
        "link kept"
    );
    let data = yaml_data(&std::fs::read_to_string(&real).unwrap());
    assert_eq!(
        data["users"].as_array().unwrap().len(),
        2,
        "bob kept, alice added"
    );
    #[cfg(unix)]
    assert_eq!(mode(&real), 0o600);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_dangling_symlink_is_refused_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let file = site_file(dir.path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let target = dir.path().join("nowhere/evil.yml");
    crate::support::symlink(&target, &file);
    let cache = SessionCache::at(dir.path());
    let err = cache
        .cache_session_data(SITE, "alice", &Secret::new("a"), None)
        .unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!target.exists());
    assert!(cache.get_session_data(SITE, "alice").unwrap().is_none());
}

#[test]
#[cfg_attr(windows, ignore = "Windows has no Unix file modes")]
fn a_world_writable_file_becomes_private_on_write() {
    #[cfg(unix)]
    {
        let (_dir, cache, file) = with_file(b"users:\n- {login: bob, session_token: b}\n");
        chmod(&file, 0o666);
        chmod(file.parent().unwrap(), 0o777);
        cache
            .cache_session_data(SITE, "alice", &Secret::new("a"), None)
            .unwrap();
        assert_eq!(mode(&file), 0o600);
        // Decision 1: only the files written and the folders created are made private.
        assert_eq!(
            mode(file.parent().unwrap()),
            0o777,
            "an existing folder keeps its mode"
        );
        assert!(cache.get_session_data(SITE, "bob").unwrap().is_some());
    }
}

#[test]
fn tokens_never_appear_in_debug_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(dir.path());
    let meta = Secret::new("canary-meta-51");
    cache
        .cache_session_data(SITE, "bob", &Secret::new("canary-tok-51"), Some(&meta))
        .unwrap();
    let data = cache.get_session_data(SITE, "bob").unwrap().unwrap();
    let text = format!("{data:?} {cache:?}");
    assert!(!text.contains("canary"), "{text}");
}

#[test]
fn tokens_of_a_corrupt_file_never_reach_the_logs() {
    let (_dir, cache, _file) =
        with_file(b"users:\n- login: bob\n  session_token: canary-tok-77\n  x: [unclosed\n");
    let logs = tk_auth_test_support::logs_of(|| {
        assert!(cache.get_session_data(SITE, "bob").unwrap().is_none());
        cache
            .cache_session_data(SITE, "alice", &Secret::new("canary-new-77"), None)
            .unwrap();
    });
    assert!(logs.contains("moved it aside"), "{logs}");
    assert!(!logs.contains("canary"), "{logs}");
}

#[test]
fn a_corrupt_file_is_warned_about_once_until_it_changes() {
    let (_dir, cache, file) = with_file(b"users: [unclosed\n");
    // Old enough not to be taken for a file another process is rewriting.
    let age = |file: &Path, hours: u64| {
        let when = std::time::SystemTime::now() - std::time::Duration::from_hours(hours);
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(when)
            .unwrap();
    };
    age(&file, 2);
    let warnings = |logs: &str| logs.matches("not usable").count();
    let logs = tk_auth_test_support::logs_of(|| {
        for _ in 0..3 {
            assert!(cache.get_session_data(SITE, "bob").unwrap().is_none());
            assert!(cache.get_current_user(SITE).unwrap().is_none());
        }
    });
    assert_eq!(warnings(&logs), 1, "{logs}");
    // Another state of the file is another report.
    std::fs::write(&file, b"- a list\n").unwrap();
    age(&file, 1);
    let logs = tk_auth_test_support::logs_of(|| {
        assert!(cache.get_recent_users(SITE).unwrap().is_empty());
        assert!(cache.get_recent_users(SITE).unwrap().is_empty());
    });
    assert_eq!(warnings(&logs), 1, "{logs}");
    assert!(
        logs.contains("a list") || logs.contains("instead of a mapping"),
        "{logs}"
    );
}
