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
//! they hold it. Lock files are never opened through a symbolic link. Waits are bounded.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{DefaultsError, Result};

mod holder;
mod refresh;
mod stale;
mod wait;

use holder::{holder_of, holder_record, new_nonce};
use refresh::Refresher;
use stale::remove_if_stale;
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
    refresher: Option<Refresher>,
}

impl LockGuard {
    fn new(lock_path: &Path, file: File, nonce: String, options: &LockOptions) -> Self {
        let refresher = Refresher::start(
            &file,
            (options.stale_after / 4).max(Duration::from_millis(10)),
        );
        Self {
            lock_path: lock_path.to_path_buf(),
            file: Some(file),
            nonce,
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
        if self.still_ours(&file) {
            if let Err(e) = std::fs::remove_file(&self.lock_path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %self.lock_path.display(), error = %e, "could not remove lock file");
            }
        } else {
            tracing::warn!(path = %self.lock_path.display(), "the lock was taken over by another process while held");
        }
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
    let lock_path = lock_path_for(target);
    refuse_link(&lock_path)?;
    let mut use_file = match options.method {
        LockMethod::LockFile => true,
        LockMethod::Flock => false,
        LockMethod::Auto => is_network_fs(lock_path.parent().unwrap_or(Path::new("."))),
    };
    let start = Instant::now();
    let mut backoff = Backoff::new();
    // Measuring a lock file's age costs a probe file on the server: a few times per stale
    // period is enough.
    let age_every =
        (options.stale_after / 8).clamp(Duration::from_millis(20), Duration::from_secs(1));
    let mut next_age_check = start;
    loop {
        let check_age = Instant::now() >= next_age_check;
        if check_age {
            next_age_check = Instant::now() + age_every;
        }
        let attempt = if use_file {
            try_lock_file(&lock_path, options, check_age)
        } else {
            match try_flock(&lock_path, options, check_age) {
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

fn refuse_link(lock_path: &Path) -> Result<()> {
    match lock_path.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => Err(DefaultsError::UnsafeCacheFile {
            path: lock_path.to_path_buf(),
            reason: "a lock file must not be a symbolic link; remove it".to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Opens a lock file read-write, never through a symbolic link, private to the user.
#[cfg(unix)]
fn open_lock_file(path: &Path, create_new: bool) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    if create_new {
        flags |= OFlags::EXCL;
    }
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o600))?;
    Ok(File::from(fd))
}

#[cfg(not(unix))]
fn open_lock_file(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    options.open(path)
}

fn link_error(lock_path: &Path, e: std::io::Error, action: &'static str) -> Attempt {
    #[cfg(unix)]
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return Attempt::Failed(DefaultsError::UnsafeCacheFile {
            path: lock_path.to_path_buf(),
            reason: "a lock file must not be a symbolic link; remove it".to_owned(),
        });
    }
    Attempt::Failed(DefaultsError::io(action, lock_path, e))
}

#[expect(
    clippy::disallowed_methods,
    reason = "this module is the one place that takes and releases locks"
)]
fn try_flock(
    lock_path: &Path,
    options: &LockOptions,
    check_age: bool,
) -> Result<LockGuard, Attempt> {
    let mut file = open_lock_file(lock_path, false)
        .map_err(|e| link_error(lock_path, e, "open the lock file"))?;
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
        remove_if_stale(lock_path, options.stale_after, check_age);
        return Err(Attempt::Busy);
    }
    let nonce = new_nonce();
    let _ = file.set_len(0);
    let _ = std::io::Seek::rewind(&mut file);
    let _ = file.write_all(holder_record("flock", &nonce).as_bytes());
    Ok(LockGuard::new(lock_path, file, nonce, options))
}

fn try_lock_file(
    lock_path: &Path,
    options: &LockOptions,
    check_age: bool,
) -> Result<LockGuard, Attempt> {
    match open_lock_file(lock_path, true) {
        Ok(mut file) => {
            let nonce = new_nonce();
            let _ = file.write_all(holder_record("lockfile", &nonce).as_bytes());
            let _ = file.sync_all();
            Ok(LockGuard::new(lock_path, file, nonce, options))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if let Err(e) = refuse_link(lock_path) {
                return Err(Attempt::Failed(e));
            }
            remove_if_stale(lock_path, options.stale_after, check_age);
            Err(Attempt::Busy)
        }
        Err(e) => Err(link_error(lock_path, e, "create the lock file")),
    }
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
        #[allow(
            clippy::useless_conversion,
            clippy::unnecessary_cast,
            reason = "the field's type differs between platforms"
        )]
        let magic = i64::from(s.f_type as i64);
        NETWORK_MAGICS.contains(&magic)
    })
}

#[cfg(not(target_os = "linux"))]
fn is_network_fs(_dir: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests;
