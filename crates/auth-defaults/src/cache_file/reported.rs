//! Which problems with files were already reported.
//!
//! Readers read the files afresh on every call (another process may have changed them), so
//! one command reads the same file several times: for the current host, the current user,
//! the session. A file whose problem stays is reported once per process for as long as it
//! stays as it is; a file that changes, or a new problem, is reported again.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// How many reports are remembered: a long-running process that meets more unusable files
/// than this reports the oldest again, instead of growing without end.
const REMEMBERED: usize = 64;

/// One report: the file, its problem, and the state it was in.
#[derive(PartialEq, Eq)]
struct Report {
    path: PathBuf,
    problem: String,
    len: Option<u64>,
    modified: Option<SystemTime>,
}

static REPORTED: Mutex<Vec<Report>> = Mutex::new(Vec::new());

/// Whether `problem` with `path`, as the file is now, has not been reported yet; from now on
/// it counts as reported.
pub(crate) fn first_report(path: &Path, problem: &str) -> bool {
    let metadata = std::fs::metadata(path).ok();
    let report = Report {
        path: path.to_path_buf(),
        problem: problem.to_owned(),
        len: metadata.as_ref().map(std::fs::Metadata::len),
        modified: metadata.and_then(|m| m.modified().ok()),
    };
    let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    if reported.contains(&report) {
        return false;
    }
    if reported.len() >= REMEMBERED {
        reported.remove(0);
    }
    reported.push(report);
    true
}
