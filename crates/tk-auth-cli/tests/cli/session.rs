//! `tk-auth status|sites|users|logout` against a real session cache in a temporary
//! `SHOTGUN_HOME`.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tk_auth::core::Secret;
use tk_auth::defaults::SessionCache;

const SITE: &str = "https://mysite.shotgunstudio.com";

fn tk_auth(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("tk-auth").expect("the tk-auth binary is built");
    cmd.env("SHOTGUN_HOME", home)
        .env("HOME", home)
        .env_remove("TK_AUTH_STORE")
        .env_remove("SGTK_PREFERENCES_LOCATION")
        .env_remove("SGTK_DESKTOP_CONFIG_LOCATION");
    cmd
}

fn logged_in() -> (tempfile::TempDir, SessionCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(dir.path());
    cache
        .cache_session_data(SITE, "jdoe", &Secret::new("tok-canary-9"), None)
        .unwrap();
    cache
        .cache_session_data(SITE, "alice", &Secret::new("tok-a"), None)
        .unwrap();
    cache.set_current_host(SITE).unwrap();
    cache.set_current_user(SITE, "alice").unwrap();
    cache.set_current_user(SITE, "jdoe").unwrap();
    (dir, cache)
}

#[test]
fn status_reports_the_current_session_without_its_token() {
    let (dir, cache) = logged_in();
    let out = tk_auth(dir.path())
        .args(["status", "--json"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("canary"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["site"], SITE);
    assert_eq!(v["login"], "jdoe");
    assert_eq!(v["session_stored"], true);
    assert_eq!(v["store"], "file");
    assert_eq!(
        v["cache_file"],
        cache.site_file(SITE).unwrap().to_str().unwrap()
    );
    tk_auth(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("session stored: yes"));
}

#[test]
fn sites_and_users_list_the_recent_ones() {
    let (dir, _cache) = logged_in();
    tk_auth(dir.path())
        .args(["sites", "--json"])
        .assert()
        .success()
        .stdout(format!("[\"{SITE}\"]\n"));
    let out = tk_auth(dir.path())
        .args(["users", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["users"], serde_json::json!(["jdoe", "alice"]));
}

#[test]
fn logout_forgets_only_the_default_user() {
    let (dir, cache) = logged_in();
    tk_auth(dir.path())
        .arg("logout")
        .assert()
        .success()
        .stdout(predicate::str::contains("jdoe"));
    assert!(cache.get_session_data(SITE, "jdoe").unwrap().is_none());
    assert!(cache.get_session_data(SITE, "alice").unwrap().is_some());
    tk_auth(dir.path())
        .args([
            "logout",
            "--login",
            "ALICE",
            "--site",
            "MySite.shotgunstudio.com",
        ])
        .assert()
        .success();
    assert!(cache.get_session_data(SITE, "alice").unwrap().is_none());
}

#[test]
fn logout_without_any_site_says_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    tk_auth(dir.path())
        .arg("logout")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--site"));
}
