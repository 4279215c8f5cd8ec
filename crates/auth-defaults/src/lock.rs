//! Cross-process locks on session-cache files: the one place that locks anything.
//!
//! A lock on `authentication.yml` is the file `authentication.yml.lock` beside it. Two ways to
//! hold it, chosen per folder:
//! - **`flock`** (std's `File::lock`), the default on local disks. The holder deletes the lock
//!   file before it unlocks, and a process that gets the lock checks that the path still names
//!   the file it locked, so deleting is safe.
//! - **An exclusive-create lock file** (`O_EXCL`, the gix-lock model) on NFS, where `flock`
//!   may be unsupported or hang, or when `flock` reports that it is unsupported. A lock file
//!   left by a dead process (same host, no such pid) or older than the stale limit is removed.
//!
//! Each lock file records its holder (`<method> pid=<pid> host=<host>`) so that a wait that
//! times out can say who holds the lock. Waits are bounded.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{DefaultsError, Result};

mod holder;
mod wait;

use holder::{holder_of, holder_record, hostname, parse_holder, process_alive};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOptions {
    /// How the lock is taken.
    pub method: LockMethod,
    /// The longest wait before giving up with [`DefaultsError::LockTimeout`].
    pub timeout: Duration,
    /// A lock file older than this is taken over (only the lock-file method can leave one).
    pub stale_after: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self {
            method: LockMethod::Auto,
            timeout: Duration::from_secs(30),
            stale_after: Duration::from_mins(1),
        }
    }
}

/// Proof that the lock on one file is held. Released on drop.
#[derive(Debug)]
pub(crate) struct LockGuard {
    lock_path: PathBuf,
    // `Some` for flock: the open, locked file.
    file: Option<File>,
}

impl LockGuard {
    /// The file this guard locks (the lock file's sibling).
    #[cfg(test)]
    pub(crate) fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

impl Drop for LockGuard {
    #[allow(
        clippy::disallowed_methods,
        reason = "this module is the one place that takes and releases locks"
    )]
    fn drop(&mut self) {
        // Delete first, unlock second: a process that locked the same inode meanwhile sees
        // that the path no longer names it and tries again.
        if let Err(e) = std::fs::remove_file(&self.lock_path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.lock_path.display(), error = %e, "could not remove lock file");
        }
        if let Some(file) = self.file.take() {
            let _ = file.unlock();
        }
    }
}

/// The lock file guarding `target`.
pub(crate) fn lock_path_for(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    target.with_file_name(name)
}

/// Takes the lock on `target` (whose folder must exist), waiting at most `options.timeout`.
pub(crate) fn lock(target: &Path, options: &LockOptions) -> Result<LockGuard> {
    let lock_path = lock_path_for(target);
    let mut use_file = match options.method {
        LockMethod::LockFile => true,
        LockMethod::Flock => false,
        LockMethod::Auto => is_network_fs(lock_path.parent().unwrap_or(Path::new("."))),
    };
    let start = Instant::now();
    let mut backoff = Backoff::new();
    loop {
        let attempt = if use_file {
            try_lock_file(&lock_path, options)
        } else {
            match try_flock(&lock_path, options) {
                Err(Attempt::Unsupported) => {
                    tracing::debug!(path = %lock_path.display(), "flock unsupported here; using a lock file");
                    use_file = true;
                    continue;
                }
                other => other,
            }
        };
        let retry_at_once = match attempt {
            Ok(guard) => return Ok(guard),
            Err(Attempt::Replaced) => true,
            // (The lock-file method never reports `Unsupported`.)
            Err(Attempt::Busy | Attempt::Unsupported) => false,
            Err(Attempt::Failed(e)) => return Err(e),
        };
        let waited = start.elapsed();
        if waited >= options.timeout {
            return Err(DefaultsError::LockTimeout {
                holder: holder_of(&lock_path),
                path: lock_path,
                waited,
            });
        }
        if !retry_at_once {
            std::thread::sleep(backoff.next());
        }
    }
}

enum Attempt {
    /// Held by another process: try again after a pause.
    Busy,
    /// The lock file was deleted or replaced as we locked it: try again at once.
    Replaced,
    Unsupported,
    Failed(DefaultsError),
}

fn open_lock_file(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[allow(
    clippy::disallowed_methods,
    reason = "this module is the one place that takes and releases locks"
)]
fn try_flock(lock_path: &Path, options: &LockOptions) -> Result<LockGuard, Attempt> {
    let mut file = open_lock_file(lock_path, false)
        .map_err(|e| Attempt::Failed(DefaultsError::io("open the lock file", lock_path, e)))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(Attempt::Busy),
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(if is_unsupported(&e) {
                Attempt::Unsupported
            } else {
                Attempt::Failed(DefaultsError::io("lock", lock_path, e))
            });
        }
    }
    // The holder we waited for may have deleted the path; then this inode is orphaned.
    if !same_file(&file, lock_path) {
        return Err(Attempt::Replaced);
    }
    let mut current = String::new();
    let _ = file.read_to_string(&mut current);
    if current.starts_with("lockfile") {
        // A process on a host without flock holds it through the lock-file method (or left
        // it behind when it died).
        drop(file);
        remove_if_stale(lock_path, options.stale_after);
        return Err(Attempt::Busy);
    }
    let _ = file.set_len(0);
    let _ = file.write_all(holder_record("flock").as_bytes());
    Ok(LockGuard {
        lock_path: lock_path.to_path_buf(),
        file: Some(file),
    })
}

fn try_lock_file(lock_path: &Path, options: &LockOptions) -> Result<LockGuard, Attempt> {
    match open_lock_file(lock_path, true) {
        Ok(mut file) => {
            let _ = file.write_all(holder_record("lockfile").as_bytes());
            let _ = file.sync_all();
            Ok(LockGuard {
                lock_path: lock_path.to_path_buf(),
                file: None,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_if_stale(lock_path, options.stale_after);
            Err(Attempt::Busy)
        }
        Err(e) => Err(Attempt::Failed(DefaultsError::io(
            "create the lock file",
            lock_path,
            e,
        ))),
    }
}

fn remove_if_stale(lock_path: &Path, stale_after: Duration) {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let Ok(record) = std::fs::read_to_string(lock_path) else {
        return;
    };
    let age = std::fs::metadata(lock_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .unwrap_or_default();
    let dead_holder =
        parse_holder(&record).is_some_and(|(pid, host)| host == hostname() && !process_alive(pid));
    if !(dead_holder || age > stale_after) {
        return;
    }
    // Move it aside first so that only one waiter removes it, then check that what we moved
    // is what we judged stale; if a fresh lock was taken meanwhile, put it back.
    let aside = lock_path.with_extension(format!(
        "lock.stale-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::rename(lock_path, &aside).is_err() {
        return;
    }
    let moved = std::fs::read_to_string(&aside).unwrap_or_default();
    if moved == record {
        tracing::warn!(path = %lock_path.display(), holder = %record.trim(), "removed an abandoned session-cache lock");
    } else {
        let _ = std::fs::hard_link(&aside, lock_path);
    }
    let _ = std::fs::remove_file(&aside);
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    // Windows does not let a locked, open file be deleted, so the path cannot change.
    path.exists()
}

fn is_unsupported(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        if let Some(code) = e.raw_os_error() {
            let errno = Errno::from_raw_os_error(code);
            return errno == Errno::NOLCK || errno == Errno::OPNOTSUPP || errno == Errno::NOSYS;
        }
    }
    false
}

#[cfg(target_os = "linux")]
fn is_network_fs(dir: &Path) -> bool {
    // NFS, SMB/CIFS (two magics) and AFS: flock there is emulated, unsupported or can hang.
    const NETWORK_MAGICS: [i64; 5] = [0x6969, 0xFF53_4D42, 0xFE53_4D42, 0x5346_414F, 0x0000_517B];
    rustix::fs::statfs(dir).is_ok_and(|s| {
        #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
        let magic = i64::from(s.f_type as i64);
        NETWORK_MAGICS.contains(&magic)
    })
}

#[cfg(not(target_os = "linux"))]
fn is_network_fs(_dir: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(method: LockMethod) -> LockOptions {
        LockOptions {
            method,
            timeout: Duration::from_millis(200),
            stale_after: Duration::from_mins(1),
        }
    }

    #[test]
    fn a_held_lock_times_out_naming_the_holder() {
        for method in [LockMethod::Flock, LockMethod::LockFile] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("authentication.yml");
            let guard = lock(&target, &options(method)).unwrap();
            // flock locks belong to the open file, so a second open in this process conflicts.
            let err = lock(&target, &options(method)).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(&format!("process {}", std::process::id())),
                "{text}"
            );
            drop(guard);
            assert!(
                !lock_path_for(&target).exists(),
                "lock file removed on release"
            );
            drop(lock(&target, &options(method)).unwrap());
        }
    }

    #[test]
    fn a_lock_file_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        // No process has this pid (above the kernel's maximum).
        std::fs::write(
            lock_path_for(&target),
            format!("lockfile pid=999999999 host={}\n", hostname()),
        )
        .unwrap();
        let guard = lock(&target, &options(LockMethod::LockFile)).unwrap();
        let record = std::fs::read_to_string(guard.lock_path()).unwrap();
        assert!(record.contains(&format!("pid={}", std::process::id())));
    }

    #[test]
    fn flock_takes_over_a_lock_file_left_by_a_dead_process() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        std::fs::write(
            lock_path_for(&target),
            format!("lockfile pid=999999999 host={}\n", hostname()),
        )
        .unwrap();
        drop(lock(&target, &options(LockMethod::Flock)).unwrap());
    }

    #[test]
    fn flock_waits_for_a_lock_file_holder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        let guard = lock(&target, &options(LockMethod::LockFile)).unwrap();
        assert!(matches!(
            lock(&target, &options(LockMethod::Flock)),
            Err(DefaultsError::LockTimeout { .. })
        ));
        drop(guard);
    }
}
