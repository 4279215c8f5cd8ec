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
/// private D-Bus session where no Secret Service can answer, and by
/// `without_a_session_bus_the_secret_service_is_not_used` with no bus at all. The Secret
/// Service must not be used; `KEYRING_LAUNCHER`, which starts this process in a private
/// session keyring, says which store must (`TK_AUTH_KEYRING_EXPECTED`).
#[test]
#[ignore = "entry point of the child process of the keyring fallback tests"]
fn keyring_fallback_child() {
    child::enter("keyring::keyring_fallback_child");
    let home = child::var("TK_AUTH_KEYRING_CHILD_HOME");
    let expected = child::var("TK_AUTH_KEYRING_EXPECTED");
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
    // Before the checks below, so that a failing run leaves nothing in a keyring.
    cache.delete_session_data(SITE, &login).unwrap();
    assert!(cache.get_session_data(SITE, &login).unwrap().is_none());
    match (expected.as_str(), backend) {
        (
            "linux-keyutils",
            StoreBackend::Keyring {
                name: "linux-keyutils",
            },
        ) => {
            assert!(!text.contains("kr-token"), "the file keeps the login only");
        }
        ("file", StoreBackend::File { fallback_reason }) => {
            let why = fallback_reason.expect("a fallback says why");
            // Each store tried says why it could not be used.
            for store in ["secret-service:", "linux-keyutils:"] {
                assert!(why.contains(store), "{why}");
            }
            assert!(text.contains("kr-token"));
        }
        (expected, other) => panic!("expected the {expected} store, got {other:?}"),
    }
}

/// Starts a program (its arguments follow) in a new, private session keyring, and tells it
/// in `TK_AUTH_KEYRING_EXPECTED` which store it must pick when no Secret Service answers:
/// `linux-keyutils` when the kernel keyring keeps a key as the keyutils store keeps it
/// (added to the session keyring, linked to the user's persistent keyring when there is
/// one), else `file` (containers often refuse the keyring system calls). Python calls the
/// system calls itself: the check owes nothing to tk-auth.
const KEYRING_LAUNCHER: &str = "\
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
add_key, keyctl = {'x86_64': (248, 250), 'aarch64': (217, 219)}[os.uname().machine]
SESSION, JOIN, PERSISTENT, LINK, READ, INVALIDATE = -3, 1, 22, 8, 11, 21
def check():
    if libc.syscall(keyctl, JOIN, None) <= 0:
        return False
    key = libc.syscall(add_key, b'user', b'tk-auth-test-check', b'check', 5, SESSION)
    if key <= 0:
        return False
    try:
        persistent = libc.syscall(keyctl, PERSISTENT, ctypes.c_uint(0xFFFFFFFF), SESSION)
        if persistent > 0 and libc.syscall(keyctl, LINK, key, persistent) != 0:
            return False
        buf = ctypes.create_string_buffer(16)
        return libc.syscall(keyctl, READ, key, buf, 16) == 5 and buf.raw[:5] == b'check'
    finally:
        libc.syscall(keyctl, INVALIDATE, key)
os.environ['TK_AUTH_KEYRING_EXPECTED'] = 'linux-keyutils' if check() else 'file'
os.execv(sys.argv[1], sys.argv[1:])
";

/// A D-Bus session configuration that starts no service on demand: a private bus on which
/// no Secret Service can appear unless the test starts one.
const BUS_WITHOUT_SERVICES: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// Runs `test` of this binary inside a private D-Bus session (`dbus-run-session`, with the
/// configuration file `config` when given), with a private home, so that the user's own
/// keyring is never touched. `shell` runs first; `launcher` (Python code) starts the test
/// when given.
fn in_private_session(
    test: &str,
    shell: &str,
    config: Option<&Path>,
    launcher: Option<&str>,
    home: &Path,
    child_vars: &[(&str, &str)],
) {
    let script = match launcher {
        Some(_) => format!(
            "{shell}exec \"$TK_AUTH_TEST_LAUNCHER_PYTHON\" -c \"$TK_AUTH_TEST_LAUNCHER\" \"$0\" \"$@\""
        ),
        None => format!("{shell}exec \"$0\" \"$@\""),
    };
    let mut command = Command::new("dbus-run-session");
    if let Some(config) = config {
        command.arg("--config-file").arg(config);
    }
    if let Some(launcher) = launcher {
        command
            .env(
                "TK_AUTH_TEST_LAUNCHER_PYTHON",
                tk_auth_test_support::python(),
            )
            .env("TK_AUTH_TEST_LAUNCHER", launcher);
    }
    command
        .args(["--", "sh", "-c", &script])
        .arg(std::env::current_exe().unwrap())
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    run_child(command, test, child_vars);
}

/// Runs the child `test` of this binary through `command` and checks that it passed.
fn run_child(mut command: Command, test: &str, child_vars: &[(&str, &str)]) {
    command
        .args([
            "--exact",
            test,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(TK_AUTH_TEST_CHILD, test)
        .env_remove("CI");
    for (name, value) in child_vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the Secret Service over D-Bus is the Linux keyring"
)]
fn keyring_store_keeps_tokens_out_of_the_file_or_falls_back() {
    if on_path("dbus-run-session").is_none() {
        return skip_or_fail(
            "dbus-run-session is missing (Debian package dbus-daemon): the keyring test runs only in a private D-Bus session",
        );
    }
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("bus.conf");
    std::fs::write(&config, BUS_WITHOUT_SERVICES).unwrap();
    let home_text = home.path().to_str().unwrap();
    in_private_session(
        "keyring::keyring_fallback_child",
        "",
        Some(&config),
        Some(KEYRING_LAUNCHER),
        home.path(),
        &[("TK_AUTH_KEYRING_CHILD_HOME", home_text)],
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the Secret Service over D-Bus is the Linux keyring"
)]
fn without_a_session_bus_the_secret_service_is_not_used() {
    let home = tempfile::tempdir().unwrap();
    let home_text = home.path().to_str().unwrap();
    // No bus address, and a runtime folder without a bus socket.
    let mut command = Command::new(tk_auth_test_support::python());
    command
        .args(["-c", KEYRING_LAUNCHER])
        .arg(std::env::current_exe().unwrap())
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", home.path())
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    run_child(
        command,
        "keyring::keyring_fallback_child",
        &[("TK_AUTH_KEYRING_CHILD_HOME", home_text)],
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
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the Secret Service over D-Bus is the Linux keyring"
)]
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
        None,
        None,
        home.path(),
        &[("TK_AUTH_SECRET_SERVICE_HOME", home.path().to_str().unwrap())],
    );
}
