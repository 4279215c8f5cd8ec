//! Where Flow Production Tracking Toolkit defaults and sessions live: the
//! `authentication.yml` session cache shared with the Python Toolkit, `toolkit.ini` settings,
//! the system proxy, and the [`DefaultsManager`] that combines them.
//!
//! The Flow token file ([`FlowTokenFile`], `adsk_flow_tokens.json` in the cache root) holds
//! the Flow (Autodesk Platform Services) access and refresh tokens that Python Toolkit
//! processes share, written the same way.
//!
//! The session cache reads and writes the very files the Python Toolkit uses, so a user
//! logged in from a Python tool is logged in for Rust tools and the other way round. Unlike
//! the Python original, every write takes a cross-process lock, re-reads the file, merges
//! and atomically replaces it: concurrent writers never lose an update and readers never see
//! a torn file.
//!
//! Everything here is synchronous and may block: session-cache writes wait for other
//! processes' locks (30 s at most by default), keyring calls up to 3 s each. Async callers
//! run these calls through `tokio::task::spawn_blocking`.
//!
//! The feature `keyring` (on by default) builds the system keyring stores: the Secret
//! Service and the kernel keyutils on Linux, the Credential Manager on Windows, the login
//! keychain on macOS (`TK_AUTH_STORE=keyring`). Without it, a program that only needs the
//! session files builds no D-Bus stack, and asking for the keyring gives the file store,
//! which says the keyring is not built in.
//!
//! ```
//! use tk_auth_core::Secret;
//! use tk_auth_defaults::{LoginMethod, SessionCache};
//!
//! let home = tempfile::tempdir()?;
//! let cache = SessionCache::at(home.path());
//! let site = "https://mysite.shotgunstudio.com";
//! cache.cache_session_data(site, "jdoe", &Secret::new("token"), None)?;
//! cache.set_preferred_method(site, LoginMethod::AppSessionLauncher)?;
//! assert_eq!(cache.get_session_data(site, "JDoe")?.unwrap().login, "jdoe");
//! assert_eq!(cache.get_preferred_method(site)?, Some(LoginMethod::AppSessionLauncher));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod cache_file;
mod config_defaults;
mod core_config;
mod credentials;
mod defaults_manager;
mod documents;
mod error;
mod expand;
mod flow_tokens;
mod ini_file;
mod locations;
mod lock;
mod proxy;
mod python_text;
mod pyyaml_emitter;
mod secret_store;
mod session_cache;
mod system_proxy;
mod user_settings;
mod yaml;
mod yaml_1_1;

pub use config_defaults::{ConfigDefaultsManager, ShotgunConfig};
pub use core_config::current_shotgun_yml;
pub use credentials::Credentials;
pub use defaults_manager::{Defaults, DefaultsManager};
pub use error::{DefaultsError, Result};
pub use flow_tokens::{FLOW_TOKEN_FILE_NAME, FlowTokenFile, FlowTokens, default_flow_profile};
pub use locations::{Locations, SESSION_CACHE_FILE_NAME};
pub use lock::{LockMethod, LockOptions};
pub use proxy::{HttpProxySetting, ProxySource, system_http_proxy};
#[cfg(feature = "keyring")]
pub use secret_store::KeyringStore;
pub use secret_store::{
    FileStore, KEYRING_TIMEOUT, SecretStore, SessionKey, SessionSecrets, StoreBackend,
    keyring_or_file_store, store_from_env,
};
pub use session_cache::{LoginMethod, MakeCurrent, RenewalLock, SessionCache, SessionData};
pub use system_proxy::SystemProxySettings;
/// The environment variables tk-auth reads (re-exported from `tk-auth-core`).
pub use tk_auth_core::env;
pub use tk_auth_core::env::Env;
pub use user_settings::UserSettings;
pub use yaml::YamlError;
