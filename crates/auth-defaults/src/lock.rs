//! Cross-process locks on session-cache files: the one place that locks anything.
//!
//! A lock on `authentication.yml` is the file `authentication.yml.lock` beside it. Two ways to
//! hold it, chosen per folder:
//! - **`flock`** (std's `File::lock`), the default on local disks. The holder deletes the lock
//!   file before it unlocks, and a process that gets the lock checks that the path still names
//!   the file it locked, so deleting is safe.
//! - **An exclusive-create lock file** (`O_EXCL`, the gix-lock model) on NFS, where `flock`
//!   may be unsupported or hang, or when `flock` reports that it is unsupported. A lock file
//!   left by a dead process (same host, no such pid) or not refreshed for longer than the
//!   stale limit, by the file server's clock, is taken over.
//!
//! Each lock file records its holder (`<method> pid=<pid> host=<host> nonce=<nonce>`) so that a
//! wait that times out can say who holds the lock, and so that a holder removes the file on
//! release only while it is still its own. Holders refresh the file's modification time while
//! they hold it. An existing lock file is removed or rewritten only under a claim on it, so
//! that a takeover never removes a lock that another process has just taken (see `claim`).
//! Lock files are never opened through a symbolic link. Waits are bounded.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{DefaultsError, Result};

mod attempt;
mod claim;
mod holder;
mod refresh;
mod stale;
mod wait;

use attempt::{Attempt, Attempts};
use claim::{Claimed, Seen, under_claim};
use holder::{describe_holder, holder_of};
use refresh::Refresher;
use wait::Backoff;

/// How a session-cache lock is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LockMethod {
    /// `flock`, or an exclusive-create lock file on NFS or where `flock` is unsupported.
    #[default]
    Auto,
    /// Always `flock` (falls back to a lock file only if `flock` is unsupported).
    Flock,
    /// Always an exclusive-create lock file.
    LockFile,
}

/// How long to wait for a lock, and when a lock file counts as abandoned.
///
/// The default wait (30 s) is longer than the default stale limit (10 s), so that a writer
/// that finds the lock of a process killed on another host takes it over instead of giving
/// up. Keep that order when changing either.
///
/// ```
/// use std::time::Duration;
/// use tk_auth_defaults::{LockMethod, LockOptions};
///
/// let options = LockOptions::default()
///     .with_method(LockMethod::LockFile)
///     .with_timeout(Duration::from_secs(60))
///     .with_stale_after(Duration::from_secs(20));
/// assert!(options.timeout > options.stale_after);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockOptions {
    /// How the lock is taken.
    pub method: LockMethod,
    /// The longest wait before giving up with [`DefaultsError::LockTimeout`].
    pub timeout: Duration,
    /// A lock file not refreshed for this long is taken over. Holders refresh theirs four
    /// times per period.
    pub stale_after: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self {
            method: LockMethod::Auto,
            timeout: Duration::from_secs(30),
            stale_after: Duration::from_secs(10),
        }
    }
}

impl LockOptions {
    /// Takes the lock this way.
    #[must_use]
    pub fn with_method(mut self, method: LockMethod) -> Self {
        self.method = method;
        self
    }

    /// Waits at most this long.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Takes over lock files not refreshed for this long.
    #[must_use]
    pub fn with_stale_after(mut self, stale_after: Duration) -> Self {
        self.stale_after = stale_after;
        self
    }
}

/// Proof that the lock on one file is held. Released on drop.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub(crate) struct LockGuard {
    lock_path: PathBuf,
    // The open lock file (locked, for flock).
    file: Option<File>,
    nonce: String,
    // What the lock file records, as written.
    record: String,
    stale_after: Duration,
    refresher: Option<Refresher>,
}

impl LockGuard {
    fn new(
        lock_path: &Path,
        file: File,
        nonce: String,
        record: String,
        options: &LockOptions,
    ) -> Self {
        let refresher = Refresher::start(
            &file,
            (options.stale_after / 4).max(Duration::from_millis(10)),
        );
        Self {
            lock_path: lock_path.to_path_buf(),
            file: Some(file),
            nonce,
            record,
            stale_after: options.stale_after,
            refresher: Some(refresher),
        }
    }

    /// The lock file.
    #[cfg(test)]
    pub(crate) fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Whether the lock file at the path is still the one this guard created or locked.
    fn still_ours(&self, file: &File) -> bool {
        same_file(file, &self.lock_path)
            && std::fs::read_to_string(&self.lock_path)
                .is_ok_and(|record| record.contains(&format!("nonce={}", self.nonce)))
    }

    /// Removes the lock file if it is still ours. A waiter that judged it abandoned may be
    /// removing it at the same moment: the removal is claimed (see `claim`).
    fn remove_lock_file(&self, file: &File) {
        // A claim is held for the time of a few file operations.
        const BUSY_TRIES: usize = 50;
        let taken_over = || {
            tracing::warn!(path = %self.lock_path.display(), "the lock was taken over by another process while held");
        };
        let Some(seen) = Seen::of(file, self.record.clone()) else {
            return;
        };
        for _ in 0..BUSY_TRIES {
            match under_claim(&self.lock_path, &seen, self.stale_after, || {
                std::fs::remove_file(&self.lock_path)
            }) {
                Claimed::Done(Ok(())) => return,
                Claimed::Done(Err(e)) => {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(path = %self.lock_path.display(), error = %e, "could not remove lock file");
                    }
                    return;
                }
                Claimed::Changed => return taken_over(),
                Claimed::Busy => std::thread::sleep(Duration::from_millis(1)),
                Claimed::Unclaimable(e) => {
                    // A full disk must not leave the lock file behind for the stale limit.
                    tracing::debug!(path = %self.lock_path.display(), error = %e, "could not claim the lock file to release it");
                    if self.still_ours(file) {
                        let _ = std::fs::remove_file(&self.lock_path);
                    }
                    return;
                }
            }
        }
        taken_over();
    }
}

impl Drop for LockGuard {
    #[expect(
        clippy::disallowed_methods,
        reason = "this module is the one place that takes and releases locks"
    )]
    fn drop(&mut self) {
        drop(self.refresher.take());
        let Some(file) = self.file.take() else {
            return;
        };
        // Delete first, unlock second: a process that locked the same inode meanwhile sees
        // that the path no longer names it and tries again. A lock file that another process
        // took over (it judged ours abandoned) is left to its new holder.
        self.remove_lock_file(&file);
        let _ = file.unlock();
    }
}

/// The lock file guarding `target`.
pub(crate) fn lock_path_for(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    target.with_file_name(name)
}

/// Takes the lock on `target` (whose folder must exist), waiting at most `options.timeout`.
/// Blocks the calling thread while it waits.
pub(crate) fn lock(target: &Path, options: &LockOptions) -> Result<LockGuard> {
    let mut attempts = Attempts::new(target, options)?;
    let start = Instant::now();
    let mut backoff = Backoff::new();
    loop {
        let retry_at_once = match attempts.attempt() {
            Ok(guard) => return Ok(guard),
            Err(Attempt::Replaced) => true,
            // (`attempt` never reports `Unsupported`.)
            Err(Attempt::Busy | Attempt::Unsupported) => false,
            Err(Attempt::Failed(e)) => return Err(e),
        };
        let waited = start.elapsed();
        if waited >= options.timeout {
            return Err(DefaultsError::LockTimeout {
                holder: holder_of(attempts.lock_path()),
                path: attempts.lock_path().to_path_buf(),
                waited,
            });
        }
        if !retry_at_once {
            std::thread::sleep(backoff.next());
        }
    }
}

/// Takes the lock on `target` (whose folder must exist) if nobody holds it: `None` when
/// another holder has it. Never waits for the holder; an abandoned lock file is taken over
/// as [`lock`] would.
pub(crate) fn try_lock(target: &Path, options: &LockOptions) -> Result<Option<LockGuard>> {
    // A lock file replaced under the attempt means that its holder just released it: worth
    // a few immediate retries, not a report that it is held.
    const REPLACED_RETRIES: usize = 8;
    let mut attempts = Attempts::new(target, options)?;
    for _ in 0..REPLACED_RETRIES {
        match attempts.attempt() {
            Ok(guard) => return Ok(Some(guard)),
            Err(Attempt::Replaced) => {}
            Err(Attempt::Busy | Attempt::Unsupported) => return Ok(None),
            Err(Attempt::Failed(e)) => return Err(e),
        }
    }
    // Released and taken again every time: others hold it by turns.
    Ok(None)
}

/// Who holds the lock on `target`, as its lock file records it (`process <pid> on <host>`);
/// `None` when nobody does or the record cannot be read.
pub(crate) fn holder(target: &Path) -> Option<String> {
    describe_holder(&lock_path_for(target))
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(windows)]
fn same_file(file: &File, path: &Path) -> bool {
    // Volume and file index: a lock file removed and made again by another process is
    // another file, although it has the same name.
    match (
        file.try_clone().and_then(::same_file::Handle::from_file),
        ::same_file::Handle::from_path(path),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(not(any(unix, windows)))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(all(test, unix))]
mod contention_tests;
#[cfg(all(test, unix))]
mod full_disk_tests;
#[cfg(test)]
mod tests;
