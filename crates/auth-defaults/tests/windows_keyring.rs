//! The keyring store on Windows: a session stored in the Credential Manager by one process is
//! read by another, and logging out removes it from the Credential Manager.
//!
//! A test binary of its own, so that it builds for Windows alone. The Credential Manager is
//! also checked directly (keyring-core's Windows store), not only through tk-auth.

#![cfg(all(windows, feature = "keyring"))]

use std::path::Path;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use tk_auth_core::Secret;
use tk_auth_defaults::{KeyringStore, SecretStore, SessionCache, StoreBackend};
use tk_auth_test_support::child;

const SITE: &str = "https://mysite.shotgunstudio.com";
const CHILD: &str = "the_child_reads_the_session_from_the_credential_manager";

/// The session's entry in the Credential Manager, opened without tk-auth.
fn credential_manager_entry(login: &str) -> Entry {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new().unwrap();
    Entry::new_in_store(&store, "tk-auth:mysite", login).unwrap()
}

/// Removes the test's entry however the test ends, so that no run leaves one behind.
struct RemoveEntry(String);

impl Drop for RemoveEntry {
    fn drop(&mut self) {
        let _ = credential_manager_entry(&self.0).delete_credential();
    }
}

fn cache_at(home: &Path) -> SessionCache {
    let store = KeyringStore::open().expect("the Credential Manager keeps a value");
    assert_eq!(
        store.backend(),
        StoreBackend::Keyring {
            name: "windows-credential-manager"
        }
    );
    SessionCache::at(home).with_secret_store(Arc::new(store))
}

/// Runs the child half in a new process, expecting `token` (or no session when `None`).
fn run_child(home: &Path, login: &str, token: Option<&str>) {
    let mut command = child::command(CHILD);
    command
        .env("TK_AUTH_WINCRED_HOME", home)
        .env("TK_AUTH_WINCRED_LOGIN", login)
        .env("TK_AUTH_WINCRED_TOKEN", token.unwrap_or(""));
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_session_in_the_credential_manager_is_read_by_another_process_and_removed_on_logout() {
    let home = tempfile::tempdir().unwrap();
    let login = format!("wincred-{}", std::process::id());
    let token = format!("wincred-token-{}", std::process::id());
    let _cleanup = RemoveEntry(login.clone());
    let cache = cache_at(home.path());

    cache
        .cache_session_data(
            SITE,
            &login,
            &Secret::new(&token),
            Some(&Secret::new("wincred-meta")),
        )
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    assert!(text.contains(&login), "the file keeps the login: {text}");
    assert!(
        !text.contains(&token),
        "the token is not in the file: {text}"
    );
    let stored = credential_manager_entry(&login).get_secret().unwrap();
    assert!(
        String::from_utf8(stored).unwrap().contains(&token),
        "the Credential Manager keeps the token"
    );

    run_child(home.path(), &login, Some(&token));

    cache.delete_session_data(SITE, &login).unwrap();
    assert!(cache.get_session_data(SITE, &login).unwrap().is_none());
    assert!(
        matches!(
            credential_manager_entry(&login).get_secret(),
            Err(keyring_core::Error::NoEntry)
        ),
        "logging out removes the entry"
    );
    run_child(home.path(), &login, None);
}

/// Child half: reads the session the parent stored, or checks that it is gone.
#[test]
#[ignore = "run by a_session_in_the_credential_manager_is_read_by_another_process_and_removed_on_logout"]
fn the_child_reads_the_session_from_the_credential_manager() {
    child::enter(CHILD);
    let home = child::var("TK_AUTH_WINCRED_HOME");
    let login = child::var("TK_AUTH_WINCRED_LOGIN");
    let token = child::var("TK_AUTH_WINCRED_TOKEN");
    let cache = cache_at(Path::new(&home));
    let got = cache.get_session_data(SITE, &login).unwrap();
    let in_manager = credential_manager_entry(&login).get_secret();
    if token.is_empty() {
        assert!(got.is_none());
        assert!(
            matches!(in_manager, Err(keyring_core::Error::NoEntry)),
            "the entry is gone for other processes too"
        );
    } else {
        let got = got.expect("the session stored by the parent");
        assert_eq!(got.session_token.expose(), token);
        assert_eq!(got.session_metadata.unwrap().expose(), "wincred-meta");
        assert!(in_manager.is_ok());
    }
}
