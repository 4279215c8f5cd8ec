//! Where the secrets of cached sessions (token and metadata) are kept: the [`SecretStore`]
//! trait, with the session-cache files ([`FileStore`], the default, shared with the Python
//! Toolkit) and, with the feature `keyring`, the system keyring (`KeyringStore`) as
//! implementations.
//!
//! The session cache always keeps logins, current and recent lists in its files; a store
//! other than the file store keeps only the secrets.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tk_auth_core::{Secret, Site};

use crate::env::Env;
use crate::error::Result;
use crate::lock::LockOptions;

mod file_store;
#[cfg(feature = "keyring")]
mod keyring_store;
#[cfg(feature = "keyring")]
mod keyring_worker;

pub use file_store::FileStore;
#[cfg(feature = "keyring")]
pub use keyring_store::KeyringStore;

/// How long one keyring call may take.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the keyring is not used when this crate was built without it.
#[cfg(not(feature = "keyring"))]
const NOT_BUILT_IN: &str =
    "the keyring is not built in (tk-auth-defaults was built without its feature `keyring`)";

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
        /// The keyring store: `secret-service` or `linux-keyutils` on Linux,
        /// `windows-credential-manager` on Windows, `macos-keychain` on macOS.
        name: &'static str,
    },
}

impl StoreBackend {
    /// Whether the secrets are in the session-cache files.
    pub fn is_file(&self) -> bool {
        matches!(self, StoreBackend::File { .. })
    }
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

/// Which session a store is asked about. Made by the session cache.
#[derive(Debug)]
pub struct SessionKey<'a> {
    site: &'a Site,
    folder: String,
    login: &'a str,
    pub(crate) site_file: PathBuf,
    pub(crate) root: &'a Path,
    pub(crate) lock: &'a LockOptions,
}

impl<'a> SessionKey<'a> {
    pub(crate) fn new(
        site: &'a Site,
        folder: String,
        login: &'a str,
        site_file: PathBuf,
        root: &'a Path,
        lock: &'a LockOptions,
    ) -> Self {
        Self {
            site,
            folder,
            login,
            site_file,
            root,
            lock,
        }
    }

    /// The site.
    pub fn site(&self) -> &Site {
        self.site
    }

    /// The site's cache folder name (`mysite` for `https://mysite.shotgunstudio.com`).
    pub fn folder(&self) -> &str {
        &self.folder
    }

    /// The login, spelled as stored in the session cache.
    pub fn login(&self) -> &str {
        self.login
    }
}

/// The secrets of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionSecrets {
    /// The session token.
    pub session_token: Secret,
    /// The session metadata (web-login cookies), when there is some.
    pub session_metadata: Option<Secret>,
}

impl SessionSecrets {
    /// The secrets of a session.
    pub fn new(session_token: Secret, session_metadata: Option<Secret>) -> Self {
        Self {
            session_token,
            session_metadata,
        }
    }
}

/// A place that keeps the secrets of cached sessions.
///
/// The [`SessionCache`](crate::SessionCache) asks its store for a session's secrets when the
/// site's file has none, stores them there on login and deletes them on logout. A store
/// whose [`backend`](Self::backend) is [`StoreBackend::File`] keeps the whole entry in the
/// session file; any other store keeps the secrets only, and the cache records the login in
/// the file.
///
/// Calls block: the file store may wait up to the lock limit (30 s by default) for other
/// writers, the keyring store up to [`KEYRING_TIMEOUT`] per call. From async code, call
/// through `tokio::task::spawn_blocking`.
pub trait SecretStore: std::fmt::Debug + Send + Sync {
    /// Which store this is, for display.
    fn backend(&self) -> StoreBackend;

    /// The secrets of a session, if this store has them.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn get(&self, key: &SessionKey<'_>) -> Result<Option<SessionSecrets>>;

    /// Stores the secrets of a session, replacing any.
    ///
    /// # Errors
    /// When the store cannot be written.
    fn set(&self, key: &SessionKey<'_>, secrets: &SessionSecrets) -> Result<()>;

    /// Forgets the secrets of a session (nothing happens when there are none).
    ///
    /// # Errors
    /// When the store cannot be written.
    fn delete(&self, key: &SessionKey<'_>) -> Result<()>;
}

/// The store `TK_AUTH_STORE` asks for: `file` (the default) or `keyring`, which falls back to
/// the file store, saying why, when no keyring store works here. The keyring is never tried
/// when `CI` is set.
///
/// Blocks while the keyring is opened (up to [`KEYRING_TIMEOUT`] per store tried).
pub fn store_from_env(env: &Env) -> Arc<dyn SecretStore> {
    match env.requested_store().as_deref() {
        Some("keyring") => keyring_or_file_store(env),
        None | Some("file") => Arc::new(FileStore::new()),
        Some(other) => {
            tracing::warn!(value = other, "unknown TK_AUTH_STORE; using the file store");
            Arc::new(FileStore::new())
        }
    }
}

/// The keyring store if one works here, else the file store with the reason: no store of
/// this platform works (each one says why), `CI` is set (the keyring is never tried then), or
/// the crate was built without its feature `keyring`.
///
/// Blocks while the keyring is opened (up to [`KEYRING_TIMEOUT`] per store tried).
pub fn keyring_or_file_store(env: &Env) -> Arc<dyn SecretStore> {
    if env.is_ci() {
        return Arc::new(FileStore::fallback("CI is set"));
    }
    match open_keyring() {
        Ok(store) => store,
        Err(why) => {
            tracing::warn!(error = %why, "keyring unavailable; using the file store");
            Arc::new(FileStore::fallback(why))
        }
    }
}

/// The first keyring store that works here, or why there is none.
#[cfg(feature = "keyring")]
fn open_keyring() -> std::result::Result<Arc<dyn SecretStore>, String> {
    match KeyringStore::open() {
        Ok(store) => Ok(Arc::new(store)),
        Err(e) => Err(crate::error::with_causes(&e)),
    }
}

#[cfg(not(feature = "keyring"))]
fn open_keyring() -> std::result::Result<Arc<dyn SecretStore>, String> {
    Err(NOT_BUILT_IN.to_owned())
}
