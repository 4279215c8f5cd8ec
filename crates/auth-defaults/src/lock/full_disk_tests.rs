//! A lock file that cannot be written because the disk is full: the write fails naming the
//! lock file, and the stored sessions stay as they were. The full disk is a child process
//! (this test binary started again) whose files may not grow past a few bytes
//! (`RLIMIT_FSIZE`), so that writes fail with `EFBIG`.

use std::path::Path;

use tk_auth_core::Secret;
use tk_auth_test_support::{child, file_tree};

use super::{LockMethod, LockOptions, lock_path_for};
use crate::{DefaultsError, SessionCache};

const CHILD: &str = "lock::full_disk_tests::child_on_a_full_disk";
const SITE: &str = "https://full.shotgunstudio.com";
const OTHER_SITE: &str = "https://other.shotgunstudio.com";

/// Less than any lock record.
const FILE_SIZE_LIMIT: u64 = 8;

/// A write of the session files, what it does and the file it writes.
type Write<'a> = (&'a str, &'a Path, Box<dyn Fn() -> crate::Result<()> + 'a>);

fn method(name: &str) -> LockMethod {
    match name {
        "lockfile" => LockMethod::LockFile,
        _ => LockMethod::Flock,
    }
}

/// Child mode: with files limited to a few bytes, every write of the session files fails at
/// the lock, naming the lock file.
#[test]
#[ignore = "entry point of the process that the full-disk test starts"]
fn child_on_a_full_disk() {
    use rustix::process::{Resource, Rlimit, setrlimit};
    child::enter(CHILD);
    // Handled, the signal of a too large write does not end the process: the write fails
    // with EFBIG, as on a full disk.
    signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    )
    .unwrap();
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: Some(FILE_SIZE_LIMIT),
            maximum: None,
        },
    )
    .unwrap();
    let method = method(&child::var("TK_AUTH_LOCK_METHOD"));
    let cache = SessionCache::at(child::var("TK_AUTH_LOCK_ROOT"))
        .with_lock_options(LockOptions::default().with_method(method));
    let site_file = cache.site_file(SITE).unwrap();
    let global_file = cache.global_file();
    let writes: [Write<'_>; 4] = [
        (
            "cache a session",
            &site_file,
            Box::new(|| cache.cache_session_data(SITE, "bob", &Secret::new("tok-bob"), None)),
        ),
        (
            "delete a session",
            &site_file,
            Box::new(|| cache.delete_session_data(SITE, "alice")),
        ),
        (
            "set the current user",
            &site_file,
            Box::new(|| cache.set_current_user(SITE, "bob")),
        ),
        (
            "set the current host",
            &global_file,
            Box::new(|| cache.set_current_host(OTHER_SITE)),
        ),
    ];
    for (what, file, write) in writes {
        let lock_file = lock_path_for(file);
        match write() {
            Err(DefaultsError::Io { path, source, .. }) => {
                assert_eq!(
                    path, lock_file,
                    "{method:?}, {what}: the lock file is named"
                );
                assert_eq!(
                    source.raw_os_error(),
                    Some(rustix::io::Errno::FBIG.raw_os_error()),
                    "{method:?}, {what}: {source}"
                );
            }
            other => panic!("{method:?}, {what}: {other:?}"),
        }
        assert!(
            !lock_file.exists(),
            "{method:?}, {what}: no lock file left behind"
        );
    }
}

#[test]
fn a_lock_file_that_cannot_be_written_on_a_full_disk_fails_naming_it_and_keeps_every_session() {
    for name in ["flock", "lockfile"] {
        let dir = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(dir.path())
            .with_lock_options(LockOptions::default().with_method(method(name)));
        cache
            .cache_session_data(SITE, "alice", &Secret::new("tok-alice"), None)
            .unwrap();
        cache.set_current_user(SITE, "alice").unwrap();
        cache.set_current_host(SITE).unwrap();
        let before = file_tree::contents(dir.path());
        assert_eq!(before.len(), 2, "{name}: {:?}", before.keys());
        let out = child::command(CHILD)
            .env("TK_AUTH_LOCK_ROOT", dir.path())
            .env("TK_AUTH_LOCK_METHOD", name)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{name}: the child ran"
        );
        assert_eq!(
            file_tree::contents(dir.path()),
            before,
            "{name}: every stored session stays byte for byte"
        );
    }
}
