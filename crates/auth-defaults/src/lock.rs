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
mod tests {
    use super::*;
    use holder::hostname;

    fn options(method: LockMethod) -> LockOptions {
        LockOptions::default()
            .with_method(method)
            .with_timeout(Duration::from_millis(200))
            .with_stale_after(Duration::from_mins(1))
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

    #[test]
    fn the_default_wait_outlasts_the_stale_limit() {
        let options = LockOptions::default();
        assert!(options.timeout > options.stale_after);
    }

    fn set_age(path: &Path, age: Duration) {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_modified(std::time::SystemTime::now() - age)
            .unwrap();
    }

    #[test]
    fn a_lock_file_of_another_host_is_taken_over_only_once_stale() {
        for method in [LockMethod::LockFile, LockMethod::Flock] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("authentication.yml");
            let lock_file = lock_path_for(&target);
            std::fs::write(
                &lock_file,
                "lockfile pid=1 host=another-host.example nonce=x\n",
            )
            .unwrap();
            let options = options(method).with_stale_after(Duration::from_secs(5));
            set_age(&lock_file, Duration::from_secs(2));
            assert!(
                matches!(
                    lock(&target, &options),
                    Err(DefaultsError::LockTimeout { .. })
                ),
                "{method:?}: a fresh lock of a live host is respected"
            );
            set_age(&lock_file, Duration::from_secs(8));
            let guard = lock(&target, &options).unwrap();
            assert!(
                std::fs::read_to_string(guard.lock_path())
                    .unwrap()
                    .contains(&format!("pid={}", std::process::id())),
                "{method:?}"
            );
        }
    }

    #[test]
    fn a_holder_that_works_past_the_stale_limit_keeps_its_lock() {
        for method in [LockMethod::LockFile, LockMethod::Flock] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("authentication.yml");
            let short = options(method).with_stale_after(Duration::from_millis(300));
            let guard = lock(&target, &short).unwrap();
            // Seen from another host, only the age tells whether the holder lives.
            let lock_file = lock_path_for(&target);
            let record = std::fs::read_to_string(&lock_file).unwrap();
            let foreign = record.replace(&format!("host={}", hostname()), "host=another-host");
            std::fs::write(&lock_file, &foreign).unwrap();
            let waiter = short
                .with_method(LockMethod::LockFile)
                .with_timeout(Duration::from_millis(1200));
            assert!(
                matches!(
                    lock(&target, &waiter),
                    Err(DefaultsError::LockTimeout { .. })
                ),
                "{method:?}: the holder refreshed its lock"
            );
            drop(guard);
        }
    }

    #[test]
    fn a_holder_never_removes_a_lock_that_replaced_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        let first = lock(&target, &options(LockMethod::LockFile)).unwrap();
        // Another process judged the first lock abandoned and took over.
        std::fs::remove_file(first.lock_path()).unwrap();
        let second = lock(&target, &options(LockMethod::LockFile)).unwrap();
        drop(first);
        assert!(
            lock_path_for(&target).exists(),
            "the new holder's lock file stays"
        );
        assert!(matches!(
            lock(&target, &options(LockMethod::LockFile)),
            Err(DefaultsError::LockTimeout { .. })
        ));
        drop(second);
        assert!(!lock_path_for(&target).exists());
    }

    #[test]
    fn a_lock_file_that_is_a_link_is_refused_and_never_followed() {
        for method in [LockMethod::Flock, LockMethod::LockFile] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("authentication.yml");
            let elsewhere = dir.path().join("elsewhere");
            std::os::unix::fs::symlink(&elsewhere, lock_path_for(&target)).unwrap();
            let err = lock(&target, &options(method)).unwrap_err();
            assert!(
                matches!(err, DefaultsError::UnsafeCacheFile { .. }),
                "{method:?}: {err}"
            );
            assert!(
                !elsewhere.exists(),
                "{method:?}: nothing created through the link"
            );
        }
    }
}
