//! The keyring store: used when it works here, otherwise the file store with the reason.

use std::path::{Path, PathBuf};
use std::process::Command;

use tk_auth_core::Secret;
use tk_auth_core::env::TK_AUTH_TEST_CHILD;
use tk_auth_defaults::{Env, SessionCache, StoreBackend, keyring_or_file_store};
use tk_auth_test_support::{child, skip_or_fail};

use crate::support::yaml_data;

const SITE: &str = "https://mysite.shotgunstudio.com";

#[test]
fn ci_never_tries_the_keyring_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([
        ("SHOTGUN_HOME", dir.path().to_str().unwrap()),
        ("TK_AUTH_STORE", "keyring"),
        ("CI", "true"),
    ]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    assert_eq!(
        cache.backend(),
        StoreBackend::File {
            fallback_reason: Some("CI is set".to_owned())
        }
    );
    cache
        .cache_session_data(SITE, "bob", &Secret::new("t"), None)
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    assert_eq!(
        yaml_data(&text)["users"][0]["session_token"],
        "t",
        "the fallback stores in the file"
    );
}

/// Child mode: run by `keyring_store_keeps_tokens_out_of_the_file_or_falls_back` inside a
/// private D-Bus session with no Secret Service.
#[test]
#[ignore = "entry point of the child process that keyring_store_keeps_tokens_out_of_the_file_or_falls_back starts"]
fn keyring_fallback_child() {
    child::enter("keyring::keyring_fallback_child");
    let home = child::var("TK_AUTH_KEYRING_CHILD_HOME");
    let store = keyring_or_file_store(&Env::from_pairs::<&str, &str>([]));
    let backend = store.backend();
    let cache = SessionCache::at(Path::new(&home).join("cache")).with_secret_store(store);
    let login = format!("kr-{}", std::process::id());
    cache
        .cache_session_data(
            SITE,
            &login,
            &Secret::new("kr-token"),
            Some(&Secret::new("kr-meta")),
        )
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    let data = yaml_data(&text);
    assert_eq!(data["users"][0]["login"], login.as_str());
    let got = cache.get_session_data(SITE, &login).unwrap().unwrap();
    assert_eq!(got.session_token.expose(), "kr-token");
    assert_eq!(got.session_metadata.unwrap().expose(), "kr-meta");
    match backend {
        StoreBackend::Keyring { .. } => {
            assert!(!text.contains("kr-token"), "the file keeps the login only");
        }
        StoreBackend::File { fallback_reason } => {
            let why = fallback_reason.expect("a fallback says why");
            // Each store tried says why it could not be used.
            for store in ["secret-service:", "linux-keyutils:"] {
                assert!(why.contains(store), "{why}");
            }
            assert!(text.contains("kr-token"));
        }
        other => panic!("unexpected backend {other:?}"),
    }
    cache.delete_session_data(SITE, &login).unwrap();
    assert!(cache.get_session_data(SITE, &login).unwrap().is_none());
}

/// Runs `test` of this binary inside a private D-Bus session (`dbus-run-session`), with a
/// private home, so that the user's own keyring is never touched. `shell` runs first.
fn in_private_session(test: &str, shell: &str, home: &Path, child_var: &str) {
    let script = format!("{shell}exec \"$0\" \"$@\"");
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            test,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env(child_var, home)
        .env(TK_AUTH_TEST_CHILD, test)
        .env_remove("CI")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} failed in the private session:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn keyring_store_keeps_tokens_out_of_the_file_or_falls_back() {
    if on_path("dbus-run-session").is_none() {
        return skip_or_fail(
            "dbus-run-session is missing (Debian package dbus-daemon): the keyring test runs only in a private D-Bus session",
        );
    }
    let home = tempfile::tempdir().unwrap();
    in_private_session(
        "keyring::keyring_fallback_child",
        "",
        home.path(),
        "TK_AUTH_KEYRING_CHILD_HOME",
    );
}

/// Worker mode: run by `the_secret_service_is_used_when_one_answers` inside a private D-Bus
/// session with an unlocked GNOME Keyring.
#[test]
#[ignore = "entry point of the child process that the_secret_service_is_used_when_one_answers starts"]
fn secret_service_child() {
    child::enter("keyring::secret_service_child");
    let home = child::var("TK_AUTH_SECRET_SERVICE_HOME");
    let store = keyring_or_file_store(&Env::empty());
    assert_eq!(
        store.backend(),
        StoreBackend::Keyring {
            name: "secret-service"
        }
    );
    let cache = SessionCache::at(Path::new(&home).join("cache")).with_secret_store(store);
    cache
        .cache_session_data(SITE, "ss-user", &Secret::new("ss-token"), None)
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    assert!(
        !text.contains("ss-token"),
        "the token is in the keyring only"
    );
    assert_eq!(yaml_data(&text)["users"][0]["login"], "ss-user");
    let got = cache.get_session_data(SITE, "SS-User").unwrap().unwrap();
    assert_eq!(got.session_token.expose(), "ss-token");
    cache.delete_session_data(SITE, "ss-user").unwrap();
    assert!(cache.get_session_data(SITE, "ss-user").unwrap().is_none());
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&Env::process().var("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[test]
fn the_secret_service_is_used_when_one_answers() {
    let missing: Vec<_> = ["dbus-run-session", "gnome-keyring-daemon"]
        .into_iter()
        .filter(|p| on_path(p).is_none())
        .collect();
    if !missing.is_empty() {
        return skip_or_fail(&format!(
            "{} missing (Debian packages dbus-daemon and gnome-keyring)",
            missing.join(" and ")
        ));
    }
    let home = tempfile::tempdir().unwrap();
    // A private keyring, unlocked with a throwaway password.
    in_private_session(
        "keyring::secret_service_child",
        "printf throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ",
        home.path(),
        "TK_AUTH_SECRET_SERVICE_HOME",
    );
}
