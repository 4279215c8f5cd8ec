//! The keyring store: secrets in the system keyring, one entry per site and login.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use tk_auth_core::Secret;

use super::keyring_worker;
use super::{KEYRING_TIMEOUT, SecretStore, SessionKey, SessionSecrets, StoreBackend};
use crate::error::{DefaultsError, Result};

/// Keeps session secrets in a system keyring store.
///
/// Every call runs on one thread per store kind and blocks for at most [`KEYRING_TIMEOUT`]:
/// a locked collection or a service that never answers must not hang a login. From async
/// code, call through `tokio::task::spawn_blocking`.
#[derive(Clone)]
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    name: &'static str,
    timeout: Duration,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A keyring error without the stored bytes some variants carry (they may be a secret).
fn keyring_error(operation: &'static str, e: keyring_core::Error) -> DefaultsError {
    use keyring_core::Error;
    let source = match e {
        Error::BadEncoding(_) => Error::BadEncoding(Vec::new()),
        Error::BadDataFormat(_, cause) => Error::BadDataFormat(Vec::new(), cause),
        other => other,
    };
    DefaultsError::Keyring { operation, source }
}

type StoreMaker = fn() -> keyring_core::Result<Arc<CredentialStore>>;

/// The keyring stores to try, best first.
#[cfg(target_os = "linux")]
fn platform_stores() -> Vec<(&'static str, StoreMaker)> {
    vec![
        ("secret-service", || {
            let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
            Ok(store)
        }),
        ("linux-keyutils", || {
            let store: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new()?;
            Ok(store)
        }),
    ]
}

#[cfg(windows)]
fn platform_stores() -> Vec<(&'static str, StoreMaker)> {
    vec![("windows-credential-manager", || {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    })]
}

#[cfg(target_os = "macos")]
fn platform_stores() -> Vec<(&'static str, StoreMaker)> {
    vec![("macos-keychain", || {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    })]
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn platform_stores() -> Vec<(&'static str, StoreMaker)> {
    Vec::new()
}

/// Checks that `store` keeps a value and gives it back.
fn probe(store: &Arc<CredentialStore>) -> Result<()> {
    let fail = |e| keyring_error("open", e);
    let entry = Entry::new_in_store(store, "tk-auth", "probe").map_err(fail)?;
    entry.set_password("probe").map_err(fail)?;
    let back = entry.get_password().map_err(fail)?;
    let _ = entry.delete_credential();
    if back == "probe" {
        Ok(())
    } else {
        Err(DefaultsError::KeyringMismatch)
    }
}

type Opened = Result<Arc<CredentialStore>, Arc<DefaultsError>>;

// What opening each store kind gave, so that the probe entry is written at most once per
// process.
static OPENED: Mutex<Vec<(&'static str, Opened)>> = Mutex::new(Vec::new());

fn open_store(name: &'static str, make: StoreMaker, timeout: Duration) -> Opened {
    let mut opened = OPENED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, outcome)) = opened.iter().find(|(n, _)| *n == name) {
        return outcome.clone();
    }
    let outcome = keyring_worker::call(name, "open", timeout, move || {
        let store = make().map_err(|e| keyring_error("open", e))?;
        probe(&store)?;
        Ok(store)
    })
    .map_err(Arc::new);
    opened.push((name, outcome.clone()));
    outcome
}

/// Parses a stored value: `{"session_token": "…", "session_metadata": "…" | null}`.
///
/// Values are stored as UTF-8 bytes (`set_secret`), which every store keeps as given; as a
/// password, the Windows Credential Manager would keep them as UTF-16, halving the room of
/// its 2,560-byte entries.
fn parse_stored(value: &str) -> Option<SessionSecrets> {
    let parsed: serde_json::Value = serde_json::from_str(value).ok()?;
    let token = parsed.get("session_token")?.as_str()?.to_owned();
    let metadata = match parsed.get("session_metadata") {
        None | Some(serde_json::Value::Null) => None,
        Some(m) => Some(Secret::new(m.as_str()?)),
    };
    Some(SessionSecrets::new(Secret::new(token), metadata))
}

impl KeyringStore {
    /// Opens the first platform keyring store that stores and returns a value within
    /// [`KEYRING_TIMEOUT`]. On Linux: the Secret Service (GNOME Keyring, `KWallet`,
    /// `KeePassXC`) when a session bus and a service answer, else the kernel keyutils store;
    /// on Windows the Credential Manager; on macOS the login keychain. The error says why
    /// each one could not be used. Each store is checked once per process; later calls
    /// reuse the outcome.
    ///
    /// # Errors
    /// [`DefaultsError::NoKeyring`] when no store works.
    pub fn open() -> Result<Self> {
        Self::open_from(&platform_stores(), KEYRING_TIMEOUT)
    }

    fn open_from(stores: &[(&'static str, StoreMaker)], timeout: Duration) -> Result<Self> {
        let mut problems = Vec::new();
        for &(name, make) in stores {
            match open_store(name, make, timeout) {
                Ok(store) => {
                    return Ok(Self {
                        store,
                        name,
                        timeout,
                    });
                }
                Err(e) => {
                    tracing::debug!(store = name, error = %e, "keyring store unusable");
                    problems.push((name, e));
                }
            }
        }
        Err(DefaultsError::NoKeyring { problems })
    }

    /// The name of the store in use: `secret-service`, `linux-keyutils`,
    /// `windows-credential-manager` or `macos-keychain`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn entry_names(key: &SessionKey<'_>) -> (String, String) {
        (
            format!("tk-auth:{}", key.folder()),
            key.login().trim().to_lowercase(),
        )
    }

    fn run<T: Send + 'static>(
        &self,
        operation: &'static str,
        key: &SessionKey<'_>,
        f: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (service, user) = Self::entry_names(key);
        let store = self.store.clone();
        keyring_worker::call(self.name, operation, self.timeout, move || {
            let entry = Entry::new_in_store(&store, &service, &user)
                .map_err(|e| keyring_error(operation, e))?;
            f(&entry).map_err(|e| keyring_error(operation, e))
        })
    }
}

impl SecretStore for KeyringStore {
    fn backend(&self) -> StoreBackend {
        StoreBackend::Keyring { name: self.name }
    }

    /// A stored value that is not a session is logged and read as none.
    fn get(&self, key: &SessionKey<'_>) -> Result<Option<SessionSecrets>> {
        let value = self.run("read", key, |entry| match entry.get_secret() {
            Ok(value) => Ok(Some(value)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })?;
        let Some(value) = value else {
            return Ok(None);
        };
        let parsed = std::str::from_utf8(&value).ok().and_then(parse_stored);
        if parsed.is_none() {
            tracing::warn!(
                store = self.name,
                site = key.folder(),
                login = key.login(),
                "the keyring entry of this session is not a stored session; ignoring it (log in again to replace it)"
            );
        }
        Ok(parsed)
    }

    fn set(&self, key: &SessionKey<'_>, secrets: &SessionSecrets) -> Result<()> {
        let value = serde_json::json!({
            "session_token": secrets.session_token.expose(),
            "session_metadata": secrets.session_metadata.as_ref().map(Secret::expose),
        })
        .to_string();
        self.run("write", key, move |entry| {
            entry.set_secret(value.as_bytes())
        })
    }

    fn delete(&self, key: &SessionKey<'_>) -> Result<()> {
        self.run("delete", key, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
#[path = "keyring_store_tests.rs"]
mod tests;
