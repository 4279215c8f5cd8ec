//! Tests of the keyring store, on keyring-core's mock store.

use std::path::PathBuf;

use super::*;
use crate::lock::LockOptions;

use tk_auth_test_support::logs_with as capture_logs;

fn mock() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = keyring_core::mock::Store::new()?;
    Ok(store)
}

fn broken() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NoStorageAccess(
        "no service here".into(),
    ))
}

fn hanging() -> keyring_core::Result<Arc<CredentialStore>> {
    std::thread::sleep(Duration::from_millis(300));
    mock()
}

fn key<'a>(site: &'a tk_auth_core::Site, lock: &'a LockOptions) -> SessionKey<'a> {
    SessionKey::new(
        site,
        "mysite".to_owned(),
        "bob",
        PathBuf::from("/nonexistent/authentication.yml"),
        std::path::Path::new("/nonexistent"),
        lock,
    )
}

#[test]
fn the_first_store_that_works_is_used() {
    let stores: [(&'static str, StoreMaker); 3] = [
        ("mock-order-broken", broken),
        ("mock-order-works", mock),
        ("mock-order-unused", mock),
    ];
    let store = KeyringStore::open_from(&stores, KEYRING_TIMEOUT).unwrap();
    assert_eq!(store.name(), "mock-order-works");
    assert_eq!(
        store.backend(),
        StoreBackend::Keyring {
            name: "mock-order-works"
        }
    );
}

#[test]
fn when_no_store_works_each_one_says_why() {
    let stores: [(&'static str, StoreMaker); 2] =
        [("mock-none-broken", broken), ("mock-none-hanging", hanging)];
    let err = KeyringStore::open_from(&stores, Duration::from_millis(50)).unwrap_err();
    assert!(matches!(&err, DefaultsError::NoKeyring { problems } if problems.len() == 2));
    let why = err.to_string();
    assert!(
        why.contains("mock-none-broken: keyring open failed: ") && why.contains("no service here"),
        "{why}"
    );
    assert!(
        why.contains("mock-none-hanging: the keyring did not answer a open"),
        "{why}"
    );
    let none = KeyringStore::open_from(&[], KEYRING_TIMEOUT).unwrap_err();
    assert!(
        none.to_string()
            .contains("no keyring store is built in for this platform"),
        "{none}"
    );
}

#[test]
fn entries_written_as_passwords_are_read_as_the_bytes_now_written() {
    let stores: [(&'static str, StoreMaker); 1] = [("mock-bytes", mock)];
    let store = KeyringStore::open_from(&stores, KEYRING_TIMEOUT).unwrap();
    let lock = LockOptions::default();
    let site = tk_auth_core::Site::new("https://mysite.shotgunstudio.com");
    let key = key(&site, &lock);
    let entry = Entry::new_in_store(&store.store, "tk-auth:mysite", "bob").unwrap();
    entry
        .set_password(r#"{"session_token": "tök", "session_metadata": null}"#)
        .unwrap();
    let got = store.get(&key).unwrap().unwrap();
    assert_eq!(got.session_token.expose(), "tök");
    assert_eq!(got.session_metadata, None);

    let metadata = "cookie=".repeat(300);
    store
        .set(
            &key,
            &SessionSecrets::new(Secret::new("tök"), Some(Secret::new(&metadata))),
        )
        .unwrap();
    let stored = entry.get_secret().unwrap();
    assert_eq!(
        stored.len(),
        serde_json::json!({"session_token": "tök", "session_metadata": metadata})
            .to_string()
            .len(),
        "stored as UTF-8, one byte per ASCII character"
    );
    assert_eq!(entry.get_password().unwrap().len(), stored.len());
    entry.set_secret(b"\xff\xfe not text").unwrap();
    // Under a capture, as in every test reaching this warning: tracing remembers whether a
    // log line is wanted, and a thread without a capture reaching it first while another
    // test captures could have it remembered as unwanted for both.
    let (got, logs) = capture_logs(|| store.get(&key));
    assert_eq!(got.unwrap(), None, "bytes that are not text");
    assert!(logs.contains("not a stored session"), "{logs}");
    store.delete(&key).unwrap();
}

#[test]
fn keyring_errors_keep_their_cause_and_never_the_stored_bytes() {
    let bytes = b"canary\xff".to_vec();
    let listed = format!("{bytes:?}");
    let err = keyring_error("read", keyring_core::Error::BadEncoding(bytes));
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is chained"
    );
    let shown = format!("{err} {err:?} {}", crate::error::with_causes(&err));
    assert!(!shown.contains(&listed[1..listed.len() - 1]), "{shown}");
}

#[test]
fn the_probe_entry_is_written_once_per_process() {
    // The mock store keeps one credential per name for the life of the store, so a
    // second probe would meet the armed error.
    static STORE: std::sync::OnceLock<Arc<CredentialStore>> = std::sync::OnceLock::new();
    let shared = || -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(STORE.get_or_init(|| mock().unwrap()).clone())
    };
    let stores: [(&'static str, StoreMaker); 1] = [("mock-probe-once", shared)];
    let first = KeyringStore::open_from(&stores, KEYRING_TIMEOUT).unwrap();
    let probe_entry = Entry::new_in_store(&first.store, "tk-auth", "probe").unwrap();
    let cred: &keyring_core::mock::Cred = probe_entry.as_any().downcast_ref().unwrap();
    cred.set_error(keyring_core::Error::NoStorageAccess("probed twice".into()));
    let second = KeyringStore::open_from(&stores, KEYRING_TIMEOUT).unwrap();
    assert_eq!(second.name(), "mock-probe-once");
}

#[test]
fn a_malformed_stored_value_is_logged_not_silently_ignored() {
    let stores: [(&'static str, StoreMaker); 1] = [("mock-malformed", mock)];
    let store = KeyringStore::open_from(&stores, KEYRING_TIMEOUT).unwrap();
    let lock = LockOptions::default();
    let site = tk_auth_core::Site::new("https://mysite.shotgunstudio.com");
    let key = key(&site, &lock);
    let entry = Entry::new_in_store(&store.store, "tk-auth:mysite", "bob").unwrap();
    entry.set_password("{not json canary-77").unwrap();
    let (got, logs) = capture_logs(|| store.get(&key));
    assert_eq!(got.unwrap(), None);
    assert!(logs.contains("not a stored session"), "{logs}");
    assert!(!logs.contains("canary"), "{logs}");

    store
        .set(
            &key,
            &SessionSecrets::new(Secret::new("t"), Some(Secret::new("m"))),
        )
        .unwrap();
    let back = store.get(&key).unwrap().unwrap();
    assert_eq!(back.session_token.expose(), "t");
    assert_eq!(back.session_metadata.unwrap().expose(), "m");
    store.delete(&key).unwrap();
    assert_eq!(store.get(&key).unwrap(), None);
}
