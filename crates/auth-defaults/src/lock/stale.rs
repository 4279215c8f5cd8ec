//! Deciding that a lock file was abandoned, and removing it.
//!
//! A lock file is abandoned when its holder is a process of this host that no longer exists,
//! or when it has not been refreshed for longer than the stale limit. Holders refresh their
//! lock file's modification time while they hold it, and ages are measured against the clock
//! of the file server: the modification time of a probe file written in the same folder, so
//! that hosts whose clocks disagree with each other (or with an NFS server) still agree on
//! the age of a lock.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::claim::{Claimed, Seen, under_claim};
use super::holder::{hostname, parse_holder, process_alive};

/// The file server's idea of "now" for files in `folder`.
fn server_now(folder: &Path, lock_name: &str) -> SystemTime {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let probe = folder.join(format!(
        ".{lock_name}.clock-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    let now = options
        .open(&probe)
        .and_then(|file| file.metadata()?.modified());
    let _ = std::fs::remove_file(&probe);
    // A folder we cannot write in: fall back to this host's clock.
    now.unwrap_or_else(|_| SystemTime::now())
}

/// How long ago the lock file at `path` was last written or refreshed, by the server's clock.
pub(super) fn age(path: &Path) -> Option<Duration> {
    let modified = std::fs::symlink_metadata(path).ok()?.modified().ok()?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name()?.to_string_lossy().into_owned();
    // A lock written after our probe (clock granularity) is simply fresh.
    Some(
        server_now(folder, &name)
            .duration_since(modified)
            .unwrap_or_default(),
    )
}

/// Whether the holder named in `record` is a process of this host that has exited.
pub(super) fn holder_is_dead(record: &str) -> bool {
    parse_holder(record).is_some_and(|(pid, host)| host == hostname() && !process_alive(pid))
}

/// Removes the lock file at `lock_path` if it is abandoned, and says whether the path has
/// changed since (then try again at once). `check_age` says whether to measure its age this
/// time (that costs a probe file on the server, so callers ration it); a dead holder on this
/// host is checked every time.
pub(super) fn remove_if_stale(lock_path: &Path, stale_after: Duration, check_age: bool) -> bool {
    let Some(seen) = Seen::at(lock_path) else {
        return false;
    };
    let by_age = || check_age && age(lock_path).is_some_and(|a| a > stale_after);
    if !(holder_is_dead(&seen.record) || by_age()) {
        return false;
    }
    // Other waiters may be judging the same file: see `claim` for why the removal is claimed.
    match under_claim(lock_path, &seen, stale_after, || {
        std::fs::remove_file(lock_path)
    }) {
        Claimed::Done(Ok(())) => {
            tracing::warn!(path = %lock_path.display(), holder = %seen.record.trim(), "removed an abandoned session-cache lock");
            true
        }
        Claimed::Done(Err(e)) => {
            tracing::debug!(path = %lock_path.display(), error = %e, "could not remove an abandoned lock file");
            false
        }
        Claimed::Changed => true,
        Claimed::Busy | Claimed::Unclaimable(_) => false,
    }
}
