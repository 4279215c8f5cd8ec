//! Where session tokens are kept: in the session-cache files (the default, shared with the
//! Python Toolkit) or in the system keyring.
//!
//! Every keyring call runs on its own thread with a time limit, because a locked collection
//! or a service that never answers must not hang a login. When the keyring cannot be used,
//! the file store is used instead and [`SecretStore::backend`] says so.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use tk_auth_core::Secret;

use crate::env::Env;
use crate::error::{DefaultsError, Result};

/// How long one keyring call may take.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// The store in use, for display (`tk-auth status`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreBackend {
    /// Tokens are in the session-cache files. `fallback_reason` says why, when the keyring
    /// was asked for but could not be used.
    File {
        /// Why the keyring is not in use although it was requested.
        fallback_reason: Option<String>,
    },
    /// Tokens are in the named keyring store.
    Keyring {
        /// The keyring store: `secret-service` or `linux-keyutils`.
        name: &'static str,
    },
}

impl std::fmt::Display for StoreBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreBackend::File {
                fallback_reason: None,
            } => f.write_str("file"),
            StoreBackend::File {
                fallback_reason: Some(why),
            } => write!(f, "file (keyring unavailable: {why})"),
            StoreBackend::Keyring { name } => write!(f, "keyring ({name})"),
        }
    }
}

/// The choice of secret store.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum SecretStore {
    /// Tokens in the `authentication.yml` files.
    #[default]
    File,
    /// The keyring was requested but is unusable; tokens go to the files.
    FileFallback(String),
    /// Tokens in the system keyring; the files keep logins and recent lists.
    Keyring(KeyringStore),
}

impl SecretStore {
    /// The store `TK_AUTH_STORE` asks for (`file`, the default, or `keyring`). The keyring
    /// is never tried when `CI` is set.
    pub fn from_env(env: &Env) -> Self {
        match env.requested_store().as_deref() {
            Some("keyring") => Self::keyring(env),
            None | Some("file") => SecretStore::File,
            Some(other) => {
                tracing::warn!(value = other, "unknown TK_AUTH_STORE; using the file store");
                SecretStore::File
            }
        }
    }

    /// The keyring store if it works here, else the file store with the reason.
    pub fn keyring(env: &Env) -> Self {
        if env.is_ci() {
            return SecretStore::FileFallback("CI is set".to_owned());
        }
        match KeyringStore::open() {
            Ok(store) => SecretStore::Keyring(store),
            Err(e) => {
                tracing::warn!(error = %e, "keyring unavailable; using the file store");
                SecretStore::FileFallback(e.to_string())
            }
        }
    }

    /// Which store is in use.
    pub fn backend(&self) -> StoreBackend {
        match self {
            SecretStore::File => StoreBackend::File {
                fallback_reason: None,
            },
            SecretStore::FileFallback(why) => StoreBackend::File {
                fallback_reason: Some(why.clone()),
            },
            SecretStore::Keyring(k) => StoreBackend::Keyring { name: k.name },
        }
    }

    pub(crate) fn keyring_store(&self) -> Option<&KeyringStore> {
        match self {
            SecretStore::Keyring(k) => Some(k),
            _ => None,
        }
    }
}

/// A keyring credential store, with time-limited calls.
#[derive(Clone)]
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    name: &'static str,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn keyring_error(operation: &'static str, e: impl std::fmt::Display) -> DefaultsError {
    DefaultsError::Keyring {
        operation,
        message: e.to_string(),
    }
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

#[cfg(not(target_os = "linux"))]
fn platform_stores() -> Vec<(&'static str, StoreMaker)> {
    Vec::new()
}

/// Checks that `store` keeps a value and gives it back.
fn probe(store: &Arc<CredentialStore>) -> Result<()> {
    let entry =
        Entry::new_in_store(store, "tk-auth", "probe").map_err(|e| keyring_error("open", e))?;
    entry
        .set_password("probe")
        .map_err(|e| keyring_error("open", e))?;
    let back = entry.get_password().map_err(|e| keyring_error("open", e))?;
    let _ = entry.delete_credential();
    if back == "probe" {
        Ok(())
    } else {
        Err(keyring_error("open", "the keyring returned another value"))
    }
}

/// The keyring's own message inside one of our errors.
fn error_message(e: &DefaultsError) -> String {
    match e {
        DefaultsError::Keyring { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Runs `f` on a thread and waits at most [`KEYRING_TIMEOUT`] for it.
fn time_boxed<T: Send + 'static>(
    operation: &'static str,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("tk-auth-keyring-{operation}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| keyring_error(operation, e))?;
    rx.recv_timeout(KEYRING_TIMEOUT)
        .map_err(|_| keyring_error(operation, format!("no answer within {KEYRING_TIMEOUT:?}")))?
}

impl KeyringStore {
    /// Opens the first platform keyring store that stores and returns a value within
    /// [`KEYRING_TIMEOUT`]. On Linux: the Secret Service (GNOME Keyring, `KWallet`, `KeePassXC`)
    /// when a session bus and a service answer, else the kernel keyutils store. The error
    /// says why each one could not be used.
    pub fn open() -> Result<Self> {
        let mut problems = Vec::new();
        for (name, make) in platform_stores() {
            match time_boxed("open", move || {
                let store = make().map_err(|e| keyring_error("open", e))?;
                probe(&store)?;
                Ok(store)
            }) {
                Ok(store) => return Ok(Self { store, name }),
                Err(e) => {
                    tracing::debug!(store = name, error = %e, "keyring store unusable");
                    problems.push(format!("{name}: {}", error_message(&e)));
                }
            }
        }
        if problems.is_empty() {
            problems.push("no keyring store is built in for this platform".to_owned());
        }
        Err(keyring_error("open", problems.join("; ")))
    }

    fn entry_names(site_folder: &Path, login: &str) -> (String, String) {
        let site = site_folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (format!("tk-auth:{site}"), login.trim().to_lowercase())
    }

    /// The stored token and metadata of `login` at a site, if any (failures are logged).
    pub(crate) fn get(&self, site_folder: &Path, login: &str) -> Option<(Secret, Option<Secret>)> {
        let (service, user) = Self::entry_names(site_folder, login);
        let store = self.store.clone();
        let result = time_boxed("read", move || {
            let entry = Entry::new_in_store(&store, &service, &user)
                .map_err(|e| keyring_error("read", e))?;
            match entry.get_password() {
                Ok(value) => Ok(Some(value)),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_error("read", e)),
            }
        });
        match result {
            Ok(Some(value)) => {
                let parsed: serde_json::Value = serde_json::from_str(&value).ok()?;
                let token = parsed.get("session_token")?.as_str()?.to_owned();
                let metadata = parsed
                    .get("session_metadata")
                    .and_then(serde_json::Value::as_str)
                    .map(Secret::new);
                Some((Secret::new(token), metadata))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the session from the keyring");
                None
            }
        }
    }

    /// Stores the token and metadata of `login` at a site.
    pub(crate) fn set(
        &self,
        site_folder: &Path,
        login: &str,
        token: &Secret,
        metadata: Option<&Secret>,
    ) -> Result<()> {
        let (service, user) = Self::entry_names(site_folder, login);
        let value = serde_json::json!({
            "session_token": token.expose(),
            "session_metadata": metadata.map(Secret::expose),
        })
        .to_string();
        let store = self.store.clone();
        time_boxed("write", move || {
            let entry = Entry::new_in_store(&store, &service, &user)
                .map_err(|e| keyring_error("write", e))?;
            entry
                .set_password(&value)
                .map_err(|e| keyring_error("write", e))
        })
    }

    /// Removes the session of `login` at a site (failures are logged).
    pub(crate) fn delete(&self, site_folder: &Path, login: &str) {
        let (service, user) = Self::entry_names(site_folder, login);
        let store = self.store.clone();
        let result = time_boxed("delete", move || {
            let entry = Entry::new_in_store(&store, &service, &user)
                .map_err(|e| keyring_error("delete", e))?;
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_error("delete", e)),
            }
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not delete the session from the keyring");
        }
    }
}
