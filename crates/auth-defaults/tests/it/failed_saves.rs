//! A save that fails half-way (a full disk, a refused rename, a refused move aside) leaves
//! every session file as it was, leaves no temporary file, and says which file it could not
//! save (Decision 1).

// The full-disk test runs on Unix only, so some helpers go unused on Windows.
#![cfg_attr(windows, allow(unused_imports))]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use tk_auth_core::Secret;
use tk_auth_defaults::{DefaultsError, Env, SessionCache};
use tk_auth_test_support::{child, file_tree, skip_or_fail};

const SITE: &str = "https://mysite.shotgunstudio.com";
const OTHER: &str = "https://other.shotgunstudio.com";

/// A cache under a temp `SHOTGUN_HOME` with sessions for two sites and a current host.
fn cache_with_sessions(home: &Path) -> SessionCache {
    let env = Env::from_pairs([("SHOTGUN_HOME", home.to_str().unwrap())]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    for i in 0..20 {
        cache
            .cache_session_data(
                SITE,
                &format!("user{i}"),
                &Secret::new(format!("tok-{i}")),
                None,
            )
            .unwrap();
    }
    cache
        .cache_session_data(OTHER, "bob", &Secret::new("b"), None)
        .unwrap();
    cache.set_current_host(SITE).unwrap();
    cache
}

/// An error's message followed by those of its causes.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// Child mode: run by `a_full_disk_leaves_every_session_file_as_it_was` with `SIGXFSZ`
/// ignored; limits the size of the files it writes, then saves a new session.
#[cfg(unix)]
#[test]
#[ignore = "entry point of the child process that a_full_disk_leaves_every_session_file_as_it_was starts"]
fn full_disk_child() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    child::enter("failed_saves::full_disk_child");
    let home = PathBuf::from(child::var("TK_AUTH_FULL_DISK_HOME"));
    let limit: u64 = child::var("TK_AUTH_FULL_DISK_LIMIT").parse().unwrap();
    let env = Env::from_pairs([("SHOTGUN_HOME", home.to_str().unwrap())]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    let file = cache.site_file(SITE).unwrap();
    let maximum = getrlimit(Resource::Fsize).maximum;
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: Some(limit),
            maximum,
        },
    )
    .unwrap();
    let err = cache
        .cache_session_data(SITE, "carol", &Secret::new("c"), None)
        .unwrap_err();
    let text = chain(&err);
    assert!(
        matches!(&err, DefaultsError::Io { path, .. } if *path == file),
        "names the session file: {text}"
    );
    assert!(text.contains(&format!("'{}'", file.display())), "{text}");
    // EFBIG, as a full disk gives ENOSPC: the cause is kept.
    assert!(text.contains("too large"), "{text}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "limits file sizes with setrlimit and a POSIX shell, which Windows has not"
)]
fn a_full_disk_leaves_every_session_file_as_it_was() {
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache_with_sessions(dir.path());
        let before = file_tree::contents(dir.path());
        let site_file = cache.site_file(SITE).unwrap();
        let size = std::fs::metadata(&site_file).unwrap().len();
        // Smaller than the new file, larger than the lock file's holder record.
        let limit = 256;
        assert!(size > limit, "the site file has {size} bytes");
        let inner = child::command("failed_saves::full_disk_child");
        let mut cmd = Command::new("sh");
        // An ignored signal stays ignored across exec: the write then fails with EFBIG instead
        // of killing the child, as a write to a full disk fails with ENOSPC.
        cmd.arg("-c")
            .arg("trap '' XFSZ; exec \"$0\" \"$@\"")
            .arg(inner.get_program())
            .args(inner.get_args())
            .arg("--nocapture");
        for (name, value) in inner.get_envs() {
            if let Some(value) = value {
                cmd.env(name, value);
            }
        }
        let output = cmd
            .env("TK_AUTH_FULL_DISK_HOME", dir.path())
            .env("TK_AUTH_FULL_DISK_LIMIT", limit.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "the child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            file_tree::contents(dir.path()),
            before,
            "every file as it was, no temporary or lock file left"
        );
        assert!(cache.get_session_data(SITE, "user7").unwrap().is_some());
        assert!(cache.get_session_data(SITE, "carol").unwrap().is_none());
    }
}

/// A file that can be neither replaced nor renamed, by anyone, until dropped. On Unix it is
/// marked immutable (`chattr +i`; `None` when this process may not: it needs
/// `CAP_LINUX_IMMUTABLE`). On Windows it is held open without `FILE_SHARE_DELETE`, as a
/// reader such as Python's `open()` holds it: Windows then refuses to rename it or to
/// replace it by another.
#[cfg_attr(
    windows,
    expect(dead_code, reason = "on Windows the open handle itself does the work")
)]
struct Immutable(std::fs::File);

#[cfg(unix)]
impl Immutable {
    fn set(path: &Path) -> Option<Self> {
        use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
        use std::os::fd::AsFd;
        let file = std::fs::File::open(path).unwrap();
        let flags = ioctl_getflags(file.as_fd()).ok()?;
        ioctl_setflags(file.as_fd(), flags | IFlags::IMMUTABLE).ok()?;
        Some(Self(file))
    }
}

#[cfg(unix)]
impl Drop for Immutable {
    fn drop(&mut self) {
        use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
        use std::os::fd::AsFd;
        if let Ok(flags) = ioctl_getflags(self.0.as_fd()) {
            let _ = ioctl_setflags(self.0.as_fd(), flags - IFlags::IMMUTABLE);
        }
    }
}

#[cfg(windows)]
impl Immutable {
    #[expect(
        clippy::unnecessary_wraps,
        reason = "the same shape as on Unix, where it can fail"
    )]
    fn set(path: &Path) -> Option<Self> {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_SHARE_READ | FILE_SHARE_WRITE: the sharing of the C runtime's `fopen`.
        let file = std::fs::File::options()
            .read(true)
            .share_mode(0x1 | 0x2)
            .open(path)
            .unwrap();
        Some(Self(file))
    }
}

const NEEDS_IMMUTABLE: &str =
    "a file that cannot be renamed needs chattr +i (root, CAP_LINUX_IMMUTABLE, ext4 or xfs)";

#[test]
fn a_refused_rename_leaves_every_session_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_with_sessions(dir.path());
    let before = file_tree::contents(dir.path());
    let site_file = cache.site_file(SITE).unwrap();
    let Some(_immutable) = Immutable::set(&site_file) else {
        return skip_or_fail(NEEDS_IMMUTABLE);
    };
    let err = cache
        .cache_session_data(SITE, "carol", &Secret::new("c"), None)
        .unwrap_err();
    let text = chain(&err);
    assert!(
        matches!(&err, DefaultsError::Io { action: "replace", path, .. } if *path == site_file),
        "{text}"
    );
    assert!(
        text.contains(&format!("'{}'", site_file.display())),
        "{text}"
    );
    assert_eq!(
        file_tree::contents(dir.path()),
        before,
        "every file as it was, no temporary or lock file left"
    );
    assert!(cache.get_session_data(SITE, "user7").unwrap().is_some());
    assert!(cache.get_session_data(OTHER, "bob").unwrap().is_some());
    assert_eq!(cache.get_current_host(), Some(SITE.into()));
}

#[test]
fn a_refused_move_aside_leaves_the_unusable_file_and_every_other_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_with_sessions(dir.path());
    let site_file = cache.site_file(SITE).unwrap();
    std::fs::write(&site_file, "users:\n- {login: bob, session_token: b\n").unwrap();
    // Old enough not to be taken for a Python write in progress (read again for 2 s).
    std::fs::File::options()
        .write(true)
        .open(&site_file)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_mins(1))
        .unwrap();
    let before = file_tree::contents(dir.path());
    let Some(_immutable) = Immutable::set(&site_file) else {
        return skip_or_fail(NEEDS_IMMUTABLE);
    };
    let err = cache
        .cache_session_data(SITE, "carol", &Secret::new("c"), None)
        .unwrap_err();
    let text = chain(&err);
    assert!(
        matches!(&err, DefaultsError::Io { action: "move aside", path, .. } if *path == site_file),
        "{text}"
    );
    assert!(
        text.contains(&format!("'{}'", site_file.display())),
        "{text}"
    );
    assert_eq!(
        file_tree::contents(dir.path()),
        before,
        "every file as it was, nothing moved aside, no temporary or lock file left"
    );
    assert!(cache.get_session_data(OTHER, "bob").unwrap().is_some());
    assert_eq!(cache.get_current_host(), Some(SITE.into()));
}
