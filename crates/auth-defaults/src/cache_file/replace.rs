//! Renaming one file over another, with Windows' sharing rules in mind.
//!
//! On Unix a rename replaces a file whatever other processes have open. Windows refuses to
//! replace or rename a file that another process holds open without `FILE_SHARE_DELETE`,
//! which is how the C runtime's `fopen` (so Python's `open()`) opens files: a Python
//! process reading `authentication.yml` at that moment makes the rename fail with a sharing
//! violation. Such readers hold the file for milliseconds, so the rename is tried again for
//! a while before it is an error.

use std::path::Path;
use std::time::Duration;

/// How long a replacement waits for other processes to close the file.
#[cfg_attr(
    not(windows),
    expect(dead_code, reason = "only Windows refuses a replacement")
)]
pub(crate) const PATIENCE: Duration = Duration::from_secs(2);

/// Renames `from` over `to`, waiting up to [`PATIENCE`] while another process has `to` (or
/// `from`) open in a way that forbids it.
pub(crate) fn rename_over(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    {
        let start = std::time::Instant::now();
        let mut said = false;
        loop {
            match std::fs::rename(from, to) {
                Err(e) if is_sharing_refusal(&e) && start.elapsed() < PATIENCE => {
                    if !said {
                        tracing::debug!(path = %to.display(), "the file is open in another process; waiting to replace it");
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }
    #[cfg(not(windows))]
    std::fs::rename(from, to)
}

/// Whether Windows refused because another process has the file open: access denied (how
/// a rename over an open file is refused), a sharing or a lock violation. Never elsewhere.
#[cfg(any(windows, test))]
fn is_sharing_refusal(e: &std::io::Error) -> bool {
    const ACCESS_DENIED: i32 = 5;
    const SHARING_VIOLATION: i32 = 32;
    const LOCK_VIOLATION: i32 = 33;
    cfg!(windows)
        && matches!(
            e.raw_os_error(),
            Some(ACCESS_DENIED | SHARING_VIOLATION | LOCK_VIOLATION)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens `path` for reading as the C runtime's `fopen` does: on Windows without
    /// `FILE_SHARE_DELETE`, which forbids renaming or replacing it while it is open.
    fn open_as_python_does(path: &Path) -> std::fs::File {
        let mut options = std::fs::File::options();
        options.read(true);
        #[cfg(windows)]
        {
            use std::os::windows::fs::OpenOptionsExt;
            const FILE_SHARE_READ: u32 = 0x1;
            const FILE_SHARE_WRITE: u32 = 0x2;
            options.share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE);
        }
        options.open(path).unwrap()
    }

    /// A session file holding "old" and, beside it, its replacement holding "new".
    fn old_file_and_new_one() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let (new, file) = (
            dir.path().join("new"),
            dir.path().join("authentication.yml"),
        );
        std::fs::write(&file, "old").unwrap();
        std::fs::write(&new, "new").unwrap();
        (dir, new, file)
    }

    #[test]
    fn a_file_a_reader_holds_briefly_is_replaced_once_it_is_closed() {
        let (_dir, new, file) = old_file_and_new_one();
        let reader = open_as_python_does(&file);
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(reader);
        });
        rename_over(&new, &file).unwrap();
        closer.join().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert!(!new.exists());
    }

    #[test]
    #[cfg_attr(
        not(windows),
        ignore = "only Windows refuses to replace a file another process has open"
    )]
    fn a_file_a_reader_keeps_open_is_left_as_it_was_with_the_error() {
        let (_dir, new, file) = old_file_and_new_one();
        let reader = open_as_python_does(&file);
        let refused = rename_over(&new, &file).map_err(|e| (is_sharing_refusal(&e), e.to_string()));
        drop(reader);
        assert!(matches!(refused, Err((true, _))), "{refused:?}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "new");
    }
}
