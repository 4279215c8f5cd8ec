//! The cross-process lock on renewing one login's session on one site, so that processes
//! of the same person ask them once and the others take the new token from the cache.

use std::path::PathBuf;
use std::time::Duration;

use tk_auth_core::Site;

use super::SessionCache;
use crate::cache_file;
use crate::error::Result;
use crate::lock::{self, LockGuard, LockOptions};

/// Proof that this process is renewing the session of one login on one site: other
/// processes that want to renew it wait until it is dropped, then find the new token in the
/// cache instead of asking the person again.
#[derive(Debug)]
pub struct RenewalLock {
    _guard: LockGuard,
}

impl RenewalLock {
    /// Holds `guard` as a renewal lock (for the other files that renew credentials, such as
    /// the Flow token file).
    pub(crate) fn new(guard: LockGuard) -> Self {
        Self { _guard: guard }
    }
}

impl SessionCache {
    /// Takes the cross-process lock on renewing the session of `login` (any case) on
    /// `host`: the file `session-renewal-<login in hex>.lock` in the site's folder.
    ///
    /// Blocks for up to `wait` while another process holds it, then fails with
    /// [`DefaultsError::LockTimeout`](crate::DefaultsError::LockTimeout); from async code
    /// call it through `spawn_blocking`. The lock is meant to be held across the renewal
    /// (prompt and network included), unlike the locks on the cache files. To show the wait
    /// while it lasts, first try [`try_lock_session_renewal`](Self::try_lock_session_renewal).
    pub fn lock_session_renewal(
        &self,
        site: impl Into<Site>,
        login: &str,
        wait: Duration,
    ) -> Result<RenewalLock> {
        let target = self.renewal_lock_target(site, login)?;
        // The holder refreshes its lock file while it waits for a person, so the others
        // wait as long as `wait` and never take over a live renewal.
        let options = LockOptions {
            timeout: wait,
            ..self.lock
        };
        Ok(RenewalLock {
            _guard: lock::lock(&target, &options)?,
        })
    }

    /// Takes the lock of [`lock_session_renewal`](Self::lock_session_renewal) if no other
    /// process holds it; `Ok(None)` when one does (it is renewing that session, and may be
    /// asking its person). Does not wait for the holder; an abandoned lock (its process
    /// ended) is taken over. Errors are real failures: an unsafe folder, a lock file that is
    /// a link, an I/O error. It touches files, so from async code call it through
    /// `spawn_blocking`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tk_auth_defaults::SessionCache;
    ///
    /// let home = tempfile::tempdir()?;
    /// let cache = SessionCache::at(home.path());
    /// let site = "https://mysite.shotgunstudio.com";
    /// let renewing = cache.try_lock_session_renewal(site, "jdoe")?.expect("nobody holds it");
    /// // Another renewal of jdoe's session on the site would have to wait: it is told so.
    /// assert!(cache.try_lock_session_renewal(site, "JDoe")?.is_none());
    /// assert!(cache.session_renewal_holder(site, "jdoe")?.unwrap().starts_with("process "));
    /// drop(renewing);
    /// assert!(cache.try_lock_session_renewal(site, "jdoe")?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_lock_session_renewal(
        &self,
        site: impl Into<Site>,
        login: &str,
    ) -> Result<Option<RenewalLock>> {
        let guard = lock::try_lock(&self.renewal_lock_target(site, login)?, &self.lock)?;
        Ok(guard.map(|guard| RenewalLock { _guard: guard }))
    }

    /// Who holds the renewal lock of `login` on `host`, as its lock file records it:
    /// `process <pid> on <host name>`. `None` when nobody holds it or the record cannot be
    /// read. Reads one small file; the answer may be stale as soon as it is given.
    pub fn session_renewal_holder(
        &self,
        site: impl Into<Site>,
        login: &str,
    ) -> Result<Option<String>> {
        Ok(lock::holder(&self.renewal_lock_target(site, login)?))
    }

    /// Takes the cross-process lock on renewing the credential `name` (an application and
    /// profile, say) that belongs to the whole cache rather than to one site's session: the
    /// file `renewal-<name in hex>.lock` in the cache root. Otherwise as
    /// [`try_lock_session_renewal`](Self::try_lock_session_renewal).
    pub fn try_lock_renewal(&self, name: &str) -> Result<Option<RenewalLock>> {
        let target = self.named_lock_target(name)?;
        Ok(lock::try_lock(&target, &self.lock)?.map(|guard| RenewalLock { _guard: guard }))
    }

    /// Takes the lock of [`try_lock_renewal`](Self::try_lock_renewal), waiting up to `wait`
    /// for the process that holds it, as [`lock_session_renewal`](Self::lock_session_renewal).
    pub fn lock_renewal(&self, name: &str, wait: Duration) -> Result<RenewalLock> {
        let target = self.named_lock_target(name)?;
        let options = LockOptions {
            timeout: wait,
            ..self.lock
        };
        Ok(RenewalLock {
            _guard: lock::lock(&target, &options)?,
        })
    }

    /// Who holds the lock of [`try_lock_renewal`](Self::try_lock_renewal), as
    /// [`session_renewal_holder`](Self::session_renewal_holder) tells it.
    pub fn renewal_holder(&self, name: &str) -> Result<Option<String>> {
        Ok(lock::holder(&self.named_lock_target(name)?))
    }

    /// The file the renewal lock of the credential `name` guards, in the cache root (made
    /// safe to use first).
    fn named_lock_target(&self, name: &str) -> Result<PathBuf> {
        let root = self.locations.cache_root();
        cache_file::ensure_safe_folder(root, root)?;
        Ok(root.join(format!("renewal-{}", hex(name))))
    }

    /// The file that the renewal lock of `login` on `host` guards (its lock file is beside
    /// it, with `.lock` added); the site's folder is made safe to use first.
    fn renewal_lock_target(&self, site: impl Into<Site>, login: &str) -> Result<PathBuf> {
        let folder = self.locations.site_folder(site)?;
        cache_file::ensure_safe_folder(&folder, self.locations.cache_root())?;
        Ok(folder.join(format!("session-renewal-{}", hex(&login.to_lowercase()))))
    }
}

/// `text`'s bytes in hex: a file name that any text can have.
pub(crate) fn hex(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut name, byte| {
        let _ = write!(name, "{byte:02x}");
        name
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DefaultsError;

    const SITE: &str = "https://mysite.shotgunstudio.com";

    #[test]
    fn a_session_renewal_lock_makes_the_next_renewal_of_that_login_wait() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let held = cache
            .lock_session_renewal(SITE, "Alice", Duration::from_secs(1))
            .unwrap();
        let err = cache
            .lock_session_renewal(SITE, "alice", Duration::from_millis(200))
            .unwrap_err();
        assert!(matches!(err, DefaultsError::LockTimeout { .. }), "{err}");
        // Another login on the same site is not held up.
        cache
            .lock_session_renewal(SITE, "bob", Duration::from_millis(200))
            .unwrap();
        drop(held);
        cache
            .lock_session_renewal(SITE, "alice", Duration::from_millis(200))
            .unwrap();
    }

    #[test]
    fn a_try_says_the_renewal_lock_is_held_and_by_whom_until_it_is_released() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        assert_eq!(cache.session_renewal_holder(SITE, "alice").unwrap(), None);
        let held = cache
            .lock_session_renewal(SITE, "Alice", Duration::from_secs(1))
            .unwrap();
        assert!(
            cache
                .try_lock_session_renewal(SITE, "alice")
                .unwrap()
                .is_none()
        );
        let holder = cache
            .session_renewal_holder(SITE, "ALICE")
            .unwrap()
            .unwrap();
        assert!(
            holder.starts_with(&format!("process {} on ", std::process::id())),
            "{holder}"
        );
        // Another login on the same site is free.
        let bob = cache.try_lock_session_renewal(SITE, "bob").unwrap();
        assert!(bob.is_some());
        drop(held);
        assert_eq!(cache.session_renewal_holder(SITE, "alice").unwrap(), None);
        let taken = cache.try_lock_session_renewal(SITE, "alice").unwrap();
        assert!(taken.is_some(), "free once released");
        // And a lock taken by a try makes the blocking kind wait.
        let err = cache
            .lock_session_renewal(SITE, "alice", Duration::from_millis(200))
            .unwrap_err();
        assert!(matches!(err, DefaultsError::LockTimeout { .. }), "{err}");
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
    )]
    fn a_try_on_a_renewal_lock_file_that_is_a_link_fails_instead_of_reporting_it_held() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let folder = cache.locations().site_folder(SITE).unwrap();
        std::fs::create_dir_all(&folder).unwrap();
        let elsewhere = home.path().join("elsewhere");
        // "alice" in hex.
        let lock_file = folder.join("session-renewal-616c696365.lock");
        tk_auth_test_support::file_tree::symlink(&elsewhere, &lock_file);
        let err = cache.try_lock_session_renewal(SITE, "Alice").unwrap_err();
        assert!(
            matches!(err, DefaultsError::UnsafeCacheFile { ref path, .. } if *path == lock_file),
            "{err}"
        );
        assert!(!elsewhere.exists(), "nothing created through the link");
    }

    #[test]
    fn a_named_renewal_lock_is_held_by_one_until_released_and_is_apart_from_sessions() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let name = "flow/app-1/default";
        let held = cache
            .try_lock_renewal(name)
            .unwrap()
            .expect("free at first");
        assert!(cache.try_lock_renewal(name).unwrap().is_none());
        let holder = cache.renewal_holder(name).unwrap().unwrap();
        assert!(holder.contains(&std::process::id().to_string()), "{holder}");
        // Another name, and a session's lock, are other locks.
        assert!(
            cache
                .try_lock_renewal("flow/app-1/other")
                .unwrap()
                .is_some()
        );
        assert!(
            cache
                .try_lock_session_renewal(SITE, name)
                .unwrap()
                .is_some()
        );
        drop(held);
        assert!(cache.lock_renewal(name, Duration::from_millis(10)).is_ok());
    }
}
