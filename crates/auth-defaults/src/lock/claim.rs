//! Changing a lock file that other processes may change at the same moment: removing an
//! abandoned one, releasing one's own, writing one's record into one just locked.
//!
//! A lock file can only be removed by its path, and by then the path may name another file:
//! two waiters judge the same lock file abandoned, the first removes it and a third process
//! takes the lock with a fresh file, which the second waiter's removal would delete. Moving
//! the file aside first and putting it back when it turns out fresh does not help: while it
//! is aside the lock looks free, and a fourth process takes it too.
//!
//! So an existing lock file is changed only under a *claim*: a file beside it named after
//! the lock file's identity (its inode and record) and created exclusively, so that one
//! process at a time acts on that lock file. Under the claim the process checks that the path
//! still names the file it judged, then acts. Nobody else can change the path meanwhile: a
//! new lock file needs the path free, and every change of an existing one is made under its
//! claim. A claim whose maker died (a process of this host that has exited, or not touched
//! for the stale limit) is passed over by a claim named after it, so one process at a time
//! passes over it.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::attempt::open_lock_file;
use super::holder::{holder_record, new_nonce};
use super::stale::{age, holder_is_dead};

/// Claims of dead makers passed over before giving up for this attempt.
const MAX_PASSED_OVER: usize = 4;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// What a process saw of a lock file: which file it was, what it recorded and when it was
/// last refreshed (`None`: any refresh is fine, as for the holder itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    dev: u64,
    ino: u64,
    modified: Option<SystemTime>,
    pub(super) record: String,
}

impl Seen {
    /// The file at `path` now, never through a link; `None` when there is none.
    pub(super) fn at(path: &Path) -> Option<Self> {
        let mut file = open_read(path).ok()?;
        let mut record = String::new();
        file.read_to_string(&mut record).ok()?;
        let mut seen = Self::of(&file, record)?;
        seen.modified = file.metadata().ok()?.modified().ok();
        Some(seen)
    }

    /// The open `file`, recording `record`.
    pub(super) fn of(file: &File, record: String) -> Option<Self> {
        let (dev, ino) = identity(file)?;
        Some(Self {
            dev,
            ino,
            modified: None,
            record,
        })
    }

    /// Whether `self`, seen later, is still the file `before` was.
    fn still(&self, before: &Self) -> bool {
        self.dev == before.dev
            && self.ino == before.ino
            && self.record == before.record
            && before.modified.is_none_or(|m| self.modified == Some(m))
    }

    /// A name for this file's claim, continuing `seed`: the same file gives the same name
    /// in every process and program version (FNV-1a).
    fn key(&self, seed: u64) -> u64 {
        let mut hash = seed;
        let bytes = self.dev.to_le_bytes().into_iter();
        let bytes = bytes
            .chain(self.ino.to_le_bytes())
            .chain(self.record.bytes());
        for byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }
}

/// How an action under a claim went.
#[derive(Debug)]
pub(super) enum Claimed<T> {
    /// The path still named the file seen, and the action ran.
    Done(std::io::Result<T>),
    /// The path names another file now, or none.
    Changed,
    /// A live process holds the claim: it is acting on this lock file now.
    Busy,
    /// No claim could be made (a folder we cannot write in, a full disk…).
    Unclaimable(std::io::Error),
}

/// Runs `action` if the path `lock_path` still names the lock file `seen`, holding the claim
/// on that file meanwhile.
pub(super) fn under_claim<T>(
    lock_path: &Path,
    seen: &Seen,
    stale_after: Duration,
    action: impl FnOnce() -> std::io::Result<T>,
) -> Claimed<T> {
    let mut key = seen.key(FNV_OFFSET);
    let mut passed_over = Vec::new();
    let own = loop {
        let claim = claim_path(lock_path, key);
        match make_claim(&claim) {
            Ok(()) => break claim,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // Gone meanwhile: its maker just finished.
                let Some(other) = Seen::at(&claim) else {
                    return Claimed::Busy;
                };
                let abandoned =
                    holder_is_dead(&other.record) || age(&claim).is_some_and(|a| a > stale_after);
                if !abandoned || passed_over.len() == MAX_PASSED_OVER {
                    return Claimed::Busy;
                }
                key = other.key(key);
                passed_over.push(claim);
            }
            Err(e) => return Claimed::Unclaimable(e),
        }
    };
    let outcome = if Seen::at(lock_path).is_some_and(|now| now.still(seen)) {
        Claimed::Done(action())
    } else {
        Claimed::Changed
    };
    // The claims passed over were made for this same lock file, which is now changed or
    // judged again by whoever comes next: nobody needs them.
    for claim in passed_over.iter().chain(std::iter::once(&own)) {
        if let Err(e) = std::fs::remove_file(claim) {
            tracing::debug!(path = %claim.display(), error = %e, "could not remove a lock claim");
        }
    }
    outcome
}

/// Where the first claim on the lock file `seen` at `lock_path` is made.
#[cfg(test)]
pub(super) fn first_claim_path(lock_path: &Path, seen: &Seen) -> PathBuf {
    claim_path(lock_path, seen.key(FNV_OFFSET))
}

fn claim_path(lock_path: &Path, key: u64) -> PathBuf {
    let mut name = lock_path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".claim-{key:016x}"));
    lock_path.with_file_name(name)
}

fn make_claim(claim: &Path) -> std::io::Result<()> {
    let mut file = open_lock_file(claim, true)?;
    // Without its record (a full disk) the claim is still ours; others wait for its age.
    let _ = file.write_all(holder_record("claim", &new_nonce()).as_bytes());
    Ok(())
}

#[cfg(unix)]
fn open_read(path: &Path) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?))
}

#[cfg(not(unix))]
fn open_read(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
fn identity(file: &File) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_file: &File) -> Option<(u64, u64)> {
    // Windows does not let an open lock file be deleted or replaced: the record tells.
    Some((0, 0))
}
