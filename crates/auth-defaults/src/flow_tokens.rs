//! The Flow (Autodesk Platform Services) token file, `adsk_flow_tokens.json` in the cache
//! root, which Python Toolkit processes read and write too (`tank_vendor.adsk_auth.file_store`).
//!
//! The file is one JSON object. Each key names an application and a kind of token,
//! `adsk.flow.<application id>.access_token` or `….refresh_token`, and holds an object from
//! profile (the OS user, by default) to token:
//!
//! ```json
//! {"adsk.flow.8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV.access_token": {"jdoe": "eyJ…"},
//!  "adsk.flow.8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV.refresh_token": {"jdoe": "…"}}
//! ```
//!
//! Reading is as lenient as Python's: a missing, unreadable or non-JSON file, or JSON that is
//! not an object, holds no tokens. Writing keeps every other entry, in its order, and writes
//! the bytes Python's `json.dump` writes, but atomically and under a lock (docs/decisions.md,
//! Decision 19).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use tk_auth_core::Secret;

use crate::cache_file;
use crate::error::{DefaultsError, Result};
use crate::locations::Locations;
use crate::lock::{self, LockOptions};
use crate::session_cache::{RenewalLock, hex_name};

mod document;
mod profile;
mod python_json;

pub use profile::default_flow_profile;

use document::{Loaded, load_settled, token};

/// The name of the Flow token file in the cache root.
pub const FLOW_TOKEN_FILE_NAME: &str = "adsk_flow_tokens.json";

const ACCESS_TOKEN: &str = "access_token";
const REFRESH_TOKEN: &str = "refresh_token";

/// The key of one application's tokens of one kind (Python's `_service_name`).
fn service(application_id: &str, kind: &str) -> String {
    format!("adsk.flow.{application_id}.{kind}")
}

/// The tokens stored for one application and profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowTokens {
    /// The access token (a JWT), if one is stored.
    pub access_token: Option<Secret>,
    /// The refresh token, if one is stored.
    pub refresh_token: Option<Secret>,
}

/// The Flow token file of one folder, shared with Python Toolkit processes.
///
/// ```
/// use tk_auth_core::Secret;
/// use tk_auth_defaults::FlowTokenFile;
///
/// let home = tempfile::tempdir()?;
/// let file = FlowTokenFile::in_folder(home.path());
/// file.persist("app-id", "jdoe", Some(&Secret::new("acc")), Some(&Secret::new("ref")))?;
/// let tokens = file.tokens("app-id", "jdoe");
/// assert_eq!(tokens.access_token.unwrap().expose(), "acc");
/// assert_eq!(
///     std::fs::read_to_string(file.path())?,
///     r#"{"adsk.flow.app-id.access_token": {"jdoe": "acc"}, "adsk.flow.app-id.refresh_token": {"jdoe": "ref"}}"#
/// );
/// assert!(file.delete("app-id", "jdoe")?);
/// assert_eq!(file.tokens("app-id", "jdoe").refresh_token, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FlowTokenFile {
    folder: PathBuf,
    /// Where writes may go (Decision 13): the cache root.
    root: PathBuf,
    lock: LockOptions,
}

impl FlowTokenFile {
    /// The token file Python Toolkit processes use: in the cache root (Python's
    /// `LocalFileStorageManager.get_global_root(CACHE)`), beside the global
    /// `authentication.yml`.
    pub fn new(locations: &Locations) -> Self {
        Self::in_folder(locations.cache_root())
    }

    /// The token file in `folder` (Python's `storage_dir`).
    pub fn in_folder(folder: impl Into<PathBuf>) -> Self {
        let folder = folder.into();
        Self {
            root: folder.clone(),
            folder,
            lock: LockOptions::default(),
        }
    }

    /// Takes the locks of this file this way (how long a write waits for another writer).
    #[must_use]
    pub fn with_lock_options(mut self, options: LockOptions) -> Self {
        self.lock = options;
        self
    }

    /// Where the file is.
    pub fn path(&self) -> PathBuf {
        self.folder.join(FLOW_TOKEN_FILE_NAME)
    }

    /// The tokens stored for `application_id` and `profile`, from one read of the file.
    ///
    /// Never fails: a file that is missing, unreadable, not JSON or not a JSON object holds
    /// no tokens, as in Python, and so does an entry that is not an object of strings (where
    /// Python raises). A file that does not parse and was modified within the last second
    /// is read again for up to 100 ms first: it may be a Python process's write in progress.
    pub fn tokens(&self, application_id: &str, profile: &str) -> FlowTokens {
        let path = self.path();
        let entries = match load_settled(&path) {
            Ok(Loaded::Unusable(why)) => {
                tracing::debug!(path = %path.display(), problem = %why, "the Flow token file is not usable; it holds no tokens");
                Map::new()
            }
            Ok(loaded) => loaded.into_entries(),
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "could not read the Flow token file; it holds no tokens");
                Map::new()
            }
        };
        let get = |kind| token(&entries, &service(application_id, kind), profile).map(Secret::new);
        FlowTokens {
            access_token: get(ACCESS_TOKEN),
            refresh_token: get(REFRESH_TOKEN),
        }
    }

    /// Stores the tokens given for `application_id` and `profile` (Python's
    /// `persist_tokens`): each one that is given and not empty replaces the stored one; the
    /// others, and every entry of other applications and profiles, are kept in their order.
    /// The file is rewritten even when nothing is given, as Python does.
    ///
    /// The folder is created (0700) if missing; the file is written 0600 through a temporary
    /// file renamed over it, under a lock on the file. A file that holds no usable JSON
    /// object is replaced (its content is lost, as in Python). Blocks while another tk-auth
    /// process writes the file.
    pub fn persist(
        &self,
        application_id: &str,
        profile: &str,
        access: Option<&Secret>,
        refresh: Option<&Secret>,
    ) -> Result<()> {
        self.rewrite(|entries| {
            for (kind, value) in [(ACCESS_TOKEN, access), (REFRESH_TOKEN, refresh)] {
                let Some(value) = value.filter(|v| !v.is_empty()) else {
                    continue;
                };
                let slot = entries
                    .entry(service(application_id, kind))
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    // Python fails here (and writes nothing); the entry could never be read.
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(profiles) = slot {
                    profiles.insert(profile.to_owned(), Value::String(value.expose().to_owned()));
                }
            }
            true
        })
        .map(|_| ())
    }

    /// Removes the tokens of `application_id` and `profile` (Python's `delete_tokens`);
    /// the (possibly empty) objects of the application are kept. Whether anything was
    /// removed: the file is rewritten only then.
    pub fn delete(&self, application_id: &str, profile: &str) -> Result<bool> {
        if !self.path().exists() {
            return Ok(false);
        }
        self.rewrite(|entries| {
            let mut changed = false;
            for kind in [ACCESS_TOKEN, REFRESH_TOKEN] {
                if let Some(Value::Object(profiles)) =
                    entries.get_mut(&service(application_id, kind))
                {
                    // `shift_remove` keeps the order of the other profiles, as Python's `del`.
                    changed |= profiles.shift_remove(profile).is_some();
                }
            }
            changed
        })
    }

    /// Locks the file, reads it, lets `change` edit the entries and writes them back if it
    /// returns `true`.
    fn rewrite(&self, change: impl FnOnce(&mut Map<String, Value>) -> bool) -> Result<bool> {
        let path = self.path();
        let (guard, resolved) = cache_file::lock_for_rewrite(&path, &self.root, &self.lock)?;
        let loaded =
            load_settled(&resolved).map_err(|e| DefaultsError::io("read", &resolved, e))?;
        let unusable = match &loaded {
            Loaded::Unusable(why) => Some(why.clone()),
            _ => None,
        };
        let mut entries = loaded.into_entries();
        if !change(&mut entries) {
            return Ok(false);
        }
        if let Some(why) = unusable {
            tracing::warn!(path = %resolved.display(), problem = %why, "the Flow token file was not usable; replacing it");
        }
        let text = python_json::dumps(&Value::Object(entries));
        cache_file::write_bytes(&guard, &resolved, text.as_bytes())?;
        tracing::debug!(path = %resolved.display(), "replaced the Flow token file");
        Ok(true)
    }

    /// Takes the cross-process lock on refreshing the tokens of `application_id` and
    /// `profile`, if no other process holds it: `Ok(None)` when one does (it is refreshing
    /// them, or logging in). The lock file is beside the token file,
    /// `adsk_flow_tokens.refresh-<application id in hex>-<profile in hex>.lock`. The lock is
    /// the session cache's kind ([`SessionCache::try_lock_renewal`](crate::SessionCache::try_lock_renewal)):
    /// an abandoned one (its process ended) is taken over. Python takes no such lock.
    pub fn try_lock_refresh(
        &self,
        application_id: &str,
        profile: &str,
    ) -> Result<Option<RenewalLock>> {
        let target = self.refresh_lock_target(application_id, profile);
        cache_file::ensure_safe_folder(&self.folder, &self.root)?;
        Ok(lock::try_lock(&target, &self.lock)?.map(RenewalLock::new))
    }

    /// Takes the lock of [`try_lock_refresh`](Self::try_lock_refresh), waiting up to `wait`
    /// for the process that holds it, then failing with
    /// [`DefaultsError::LockTimeout`]. Blocks: from async code call it through
    /// `spawn_blocking`.
    pub fn lock_refresh(
        &self,
        application_id: &str,
        profile: &str,
        wait: Duration,
    ) -> Result<RenewalLock> {
        let target = self.refresh_lock_target(application_id, profile);
        cache_file::ensure_safe_folder(&self.folder, &self.root)?;
        let options = LockOptions {
            timeout: wait,
            ..self.lock
        };
        Ok(RenewalLock::new(lock::lock(&target, &options)?))
    }

    /// Who holds the refresh lock of `application_id` and `profile`, as its lock file
    /// records it (`process <pid> on <host name>`); `None` when nobody does or the record
    /// cannot be read. The answer may be stale as soon as it is given.
    pub fn refresh_holder(&self, application_id: &str, profile: &str) -> Option<String> {
        lock::holder(&self.refresh_lock_target(application_id, profile))
    }

    /// The file the refresh lock guards (its lock file adds `.lock`); hex keeps any id and
    /// profile a valid file name.
    fn refresh_lock_target(&self, application_id: &str, profile: &str) -> PathBuf {
        self.folder.join(format!(
            "adsk_flow_tokens.refresh-{}-{}",
            hex_name(application_id),
            hex_name(profile)
        ))
    }

    /// The folder the file is in.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[cfg(test)]
mod tests;
