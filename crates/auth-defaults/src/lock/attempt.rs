//! One attempt at taking a lock, by each method, and the choice of method for a folder.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::claim::{Claimed, Seen, under_claim};
use super::holder::{holder_record, new_nonce};
use super::stale::remove_if_stale;
use super::{LockGuard, LockMethod, LockOptions, same_file};
use crate::error::{DefaultsError, Result};

/// The attempts at taking one lock: the method in use (a lock file once `flock` turned out
/// to be unsupported) and when the age of a lock file is next measured.
pub(super) struct Attempts<'a> {
    lock_path: PathBuf,
    options: &'a LockOptions,
    use_file: bool,
    age_every: Duration,
    next_age_check: Instant,
}

impl<'a> Attempts<'a> {
    /// Attempts at the lock guarding `target`; a lock file that is a link is refused here.
    pub(super) fn new(target: &Path, options: &'a LockOptions) -> Result<Self> {
        let lock_path = super::lock_path_for(target);
        refuse_link(&lock_path)?;
        let use_file = match options.method {
            LockMethod::LockFile => true,
            LockMethod::Flock => false,
            LockMethod::Auto => is_network_fs(lock_path.parent().unwrap_or(Path::new("."))),
        };
        Ok(Self {
            lock_path,
            options,
            use_file,
            // Measuring a lock file's age costs a probe file on the server: a few times per
            // stale period is enough.
            age_every: (options.stale_after / 8)
                .clamp(Duration::from_millis(20), Duration::from_secs(1)),
            next_age_check: Instant::now(),
        })
    }

    /// The lock file.
    pub(super) fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// One attempt, without waiting; never [`Attempt::Unsupported`] (the lock-file method
    /// takes over where `flock` is unsupported).
    pub(super) fn attempt(&mut self) -> Result<LockGuard, Attempt> {
        let check_age = Instant::now() >= self.next_age_check;
        if check_age {
            self.next_age_check = Instant::now() + self.age_every;
        }
        if !self.use_file {
            match try_flock(&self.lock_path, self.options, check_age) {
                Err(Attempt::Unsupported) => {
                    tracing::debug!(path = %self.lock_path.display(), "flock unsupported here; using a lock file");
                    self.use_file = true;
                }
                other => return other,
            }
        }
        try_lock_file(&self.lock_path, self.options, check_age)
    }
}

/// Why an attempt did not take the lock.
pub(super) enum Attempt {
    /// Held by another process: try again after a pause.
    Busy,
    /// The lock file was deleted or replaced as we locked it: try again at once.
    Replaced,
    /// `flock` does not work on this file system.
    Unsupported,
    /// A failure that waiting does not cure.
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
pub(super) fn open_lock_file(path: &Path, create_new: bool) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    if create_new {
        flags |= OFlags::EXCL;
    }
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o600))?;
    Ok(File::from(fd))
}

#[cfg(not(unix))]
pub(super) fn open_lock_file(path: &Path, create_new: bool) -> std::io::Result<File> {
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
        return Err(after_stale_check(lock_path, options, check_age));
    }
    let Some(seen) = Seen::of(&file, current) else {
        return Err(Attempt::Busy);
    };
    let nonce = new_nonce();
    let record = holder_record("flock", &nonce);
    // A lock-file waiter may be judging the previous record abandoned: it removes the file
    // only under the claim, so rewrite the record under it too.
    let written = under_claim(lock_path, &seen, options.stale_after, || {
        write_record(&mut file, &record, false).inspect_err(|_| {
            // Held, and named by the path: the file is ours to remove.
            let _ = std::fs::remove_file(lock_path);
        })
    });
    match written {
        Claimed::Done(Ok(())) => Ok(LockGuard::new(lock_path, file, nonce, record, options)),
        Claimed::Done(Err(e)) => Err(Attempt::Failed(DefaultsError::io(
            "write the lock file",
            lock_path,
            e,
        ))),
        Claimed::Changed => Err(Attempt::Replaced),
        Claimed::Busy => Err(Attempt::Busy),
        Claimed::Unclaimable(e) => Err(Attempt::Failed(DefaultsError::io(
            "claim the lock file",
            lock_path,
            e,
        ))),
    }
}

/// Replaces the contents of a held lock file with `record`; `sync`: on disk (for waiters on
/// other hosts).
fn write_record(file: &mut File, record: &str, sync: bool) -> std::io::Result<()> {
    file.set_len(0)?;
    std::io::Seek::rewind(file)?;
    file.write_all(record.as_bytes())?;
    if sync { file.sync_all() } else { Ok(()) }
}

/// A lock file held by someone else: removed if abandoned (then try again at once), else busy.
fn after_stale_check(lock_path: &Path, options: &LockOptions, check_age: bool) -> Attempt {
    if remove_if_stale(lock_path, options.stale_after, check_age) {
        Attempt::Replaced
    } else {
        Attempt::Busy
    }
}

fn try_lock_file(
    lock_path: &Path,
    options: &LockOptions,
    check_age: bool,
) -> Result<LockGuard, Attempt> {
    match open_lock_file(lock_path, true) {
        Ok(mut file) => {
            let nonce = new_nonce();
            let record = holder_record("lockfile", &nonce);
            // On NFS a full disk may show only when the data reaches the server: at the sync.
            if let Err(e) = write_record(&mut file, &record, true) {
                // Created by us a moment ago and never complete: nobody else acts on it.
                let _ = std::fs::remove_file(lock_path);
                return Err(Attempt::Failed(DefaultsError::io(
                    "write the lock file",
                    lock_path,
                    e,
                )));
            }
            Ok(LockGuard::new(lock_path, file, nonce, record, options))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if let Err(e) = refuse_link(lock_path) {
                return Err(Attempt::Failed(e));
            }
            Err(after_stale_check(lock_path, options, check_age))
        }
        Err(e) => Err(link_error(lock_path, e, "create the lock file")),
    }
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
