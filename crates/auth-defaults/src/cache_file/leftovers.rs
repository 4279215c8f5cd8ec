//! Files a killed writer leaves beside a session-cache file: its temporary file, and the
//! lock-file asides and clock probes of a waiter killed at the wrong moment.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Temporary files are created only under the lock, so the lock holder may remove every one
/// it finds. Asides and probes of waiters (who hold no lock) go once they are old.
const WAITER_LEFTOVER_AGE: Duration = Duration::from_mins(10);

/// The temporary file name a writer of `file_name` uses.
pub(super) fn temp_name(file_name: &str, seq: u64) -> String {
    format!(".{file_name}.tmp-{}-{seq}", std::process::id())
}

/// Removes what killed writers of `path` left behind. The caller holds the lock on `path`.
pub(super) fn sweep(_guard: &crate::lock::LockGuard, path: &Path) {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let name = name.to_string_lossy();
    let temp_prefix = format!(".{name}.tmp-");
    let aside_prefix = format!("{name}.lock.stale-");
    let probe_prefix = format!(".{name}.lock.clock-");
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let remove = if file_name.starts_with(&temp_prefix) {
            true
        } else if file_name.starts_with(&aside_prefix) || file_name.starts_with(&probe_prefix) {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > WAITER_LEFTOVER_AGE)
        } else {
            false
        };
        if remove && entry.file_type().is_ok_and(|t| !t.is_dir()) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(path = %entry.path().display(), "removed a file left by an interrupted writer");
                }
                Err(e) => {
                    tracing::debug!(path = %entry.path().display(), error = %e, "could not remove a leftover file");
                }
            }
        }
    }
}
