//! The file store: secrets in the site's `authentication.yml`, as the Python Toolkit keeps
//! them.

use tk_auth_core::Secret;

use super::{SecretStore, SessionKey, SessionSecrets, StoreBackend};
use crate::cache_file;
use crate::documents as doc;
use crate::error::Result;

/// Keeps session secrets in the session-cache files, the only place Python tools read them
/// from. Writes take the cache's cross-process lock, so they block up to its limit
/// (30 s by default) while other processes write.
#[derive(Debug, Clone, Default)]
pub struct FileStore {
    fallback_reason: Option<String>,
}

impl FileStore {
    /// The file store, chosen on purpose.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file store, used because the keyring was asked for but cannot be used.
    pub fn fallback(reason: impl Into<String>) -> Self {
        Self {
            fallback_reason: Some(reason.into()),
        }
    }
}

impl SecretStore for FileStore {
    fn backend(&self) -> StoreBackend {
        StoreBackend::File {
            fallback_reason: self.fallback_reason.clone(),
        }
    }

    fn get(&self, key: &SessionKey<'_>) -> Result<Option<SessionSecrets>> {
        let mut d = cache_file::read(&key.site_file, key.root);
        doc::normalize_site(&mut d);
        Ok(doc::find_session(&d, key.login(), true).map(|found| {
            SessionSecrets::new(
                Secret::new(found.token.unwrap_or_default()),
                found.metadata.map(Secret::new),
            )
        }))
    }

    fn set(&self, key: &SessionKey<'_>, secrets: &SessionSecrets) -> Result<()> {
        cache_file::update(&key.site_file, key.root, key.lock, doc::site_problem, |d| {
            doc::normalize_site(d);
            doc::insert_or_update(
                d,
                key.login(),
                Some(secrets.session_token.expose()),
                secrets.session_metadata.as_ref().map(Secret::expose),
            )
        })?;
        Ok(())
    }

    fn delete(&self, key: &SessionKey<'_>) -> Result<()> {
        if key.site_file.symlink_metadata().is_err() {
            return Ok(());
        }
        cache_file::update(&key.site_file, key.root, key.lock, doc::site_problem, |d| {
            doc::normalize_site(d);
            // With no token, the entry keeps its login only.
            doc::insert_or_update(d, key.login(), None, None)
        })?;
        Ok(())
    }
}
