//! Reading and safely rewriting one session-cache file.
//!
//! Readers never lock: writers replace the file by renaming a complete temporary file over
//! it, so a reader sees the old or the new file, never a torn one. Writers lock, re-read,
//! apply their change to what is on disk now, and write only when something changed.
//!
//! Python writers take no lock and rewrite the file in place (truncate, then write). A file
//! that is empty or does not parse and was modified within the last second is such a write
//! in progress: it is read again after a short wait before it counts as empty or corrupt.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{DefaultsError, Result};
use crate::lock::{self, LockGuard, LockOptions};
use crate::pyyaml_emitter;
use crate::yaml::{self, Yaml};

mod leftovers;
mod place;
mod replace;
pub(crate) mod reported;

/// Files larger than this are not session caches (a real one holds a few kilobytes).
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A file modified this recently may be half-written by a Python process.
const SETTLING: Duration = Duration::from_secs(1);
/// The longest wait for such a file to settle, and the pause between reads.
const SETTLE_LIMIT: Duration = Duration::from_secs(2);
const SETTLE_PAUSE: Duration = Duration::from_millis(50);

/// What a file held, as far as the session cache is concerned.
pub(crate) enum Content {
    /// A mapping (missing and empty files count as an empty one).
    Document(Yaml),
    /// Anything else; the string says what is wrong.
    Unusable(String),
}

/// Reads a cache file without locking. Unusable files read as empty, with a warning (once
/// per process while the file stays as it is). `root` is the cache root: a link leading out
/// of it, to the file or to its folder, is not followed (Decision 13).
pub(crate) fn read(path: &Path, root: &Path) -> Yaml {
    let root = place::real_root(root);
    let folder = path.parent().unwrap_or(Path::new("."));
    let resolved = match place::check_folder_to_read(folder, &root)
        .and_then(|()| place::resolve(path, &root))
    {
        Ok(p) => p,
        Err(e) => {
            if reported::first_report(path, &e.to_string()) {
                tracing::warn!(error = %e, "ignoring session cache file");
            }
            return Yaml::Map(Vec::new());
        }
    };
    match load_settled(&resolved) {
        Ok(Content::Document(doc)) => doc,
        Ok(Content::Unusable(why)) => {
            if reported::first_report(&resolved, &why) {
                tracing::warn!(path = %resolved.display(), problem = %why, "session cache file is not usable; treating it as empty");
            }
            Yaml::Map(Vec::new())
        }
        Err(e) => {
            let why = crate::error::with_causes(&e);
            if reported::first_report(&resolved, &why) {
                tracing::warn!(error = %why, "could not read session cache file; treating it as empty");
            }
            Yaml::Map(Vec::new())
        }
    }
}

/// Locks `path`, re-reads it, lets `change` edit the document and writes it back if `change`
/// returns `true`. An unusable file is moved aside first (never silently replaced).
/// `validate` says whether a parsed mapping is still unusable for this kind of file.
///
/// Writes happen only inside the cache root `root`, in folders the user owns; a link out of
/// the root is refused (Decision 13). Missing folders are created 0700; existing folders
/// keep their mode (Decision 1). Files left by killed writers are removed under the
/// lock. Blocks while another process holds the lock (up to `lock_options.timeout`).
pub(crate) fn update(
    path: &Path,
    root: &Path,
    lock_options: &LockOptions,
    validate: fn(&Yaml) -> Option<String>,
    change: impl FnOnce(&mut Yaml) -> bool,
) -> Result<bool> {
    let (guard, resolved) = lock_for_rewrite(path, root, lock_options)?;
    let unusable = match load_settled(&resolved)? {
        Content::Document(doc) => match validate(&doc) {
            None => Ok(doc),
            Some(why) => Err(why),
        },
        Content::Unusable(why) => Err(why),
    };
    let mut doc = match unusable {
        Ok(doc) => doc,
        Err(why) if resolved != path => {
            // Moving the target aside would act through the link: leave both to the user.
            return Err(DefaultsError::UnsafeCacheFile {
                path: path.to_path_buf(),
                reason: format!(
                    "it is a symbolic link to '{}', which is unusable ({why}); repair or remove it",
                    resolved.display()
                ),
            });
        }
        Err(why) => {
            quarantine(&guard, &resolved, &why)?;
            Yaml::Map(Vec::new())
        }
    };
    if !change(&mut doc) {
        return Ok(false);
    }
    write(&guard, &resolved, &doc)?;
    Ok(true)
}

/// Makes ready to rewrite `path` inside the cache root `root`, as [`update`] does: its
/// folder created (0700) and checked, a link leading out of the root refused, the lock taken
/// (blocking up to `lock_options.timeout`) and files left by killed writers removed. Returns
/// the guard and the file to write: `path`, or the file a link inside the root leads to.
pub(crate) fn lock_for_rewrite(
    path: &Path,
    root: &Path,
    lock_options: &LockOptions,
) -> Result<(LockGuard, PathBuf)> {
    let folder = path.parent().unwrap_or(Path::new("."));
    place::ensure_folder(folder)?;
    let root = place::real_root(root);
    place::check_folder(folder, &root)?;
    let resolved = place::resolve(path, &root)?;
    let resolved_folder = resolved.parent().unwrap_or(Path::new("."));
    if resolved_folder != folder {
        place::check_folder(resolved_folder, &root)?;
    }
    let guard = lock::lock(&resolved, lock_options)?;
    leftovers::sweep(&guard, &resolved);
    Ok((guard, resolved))
}

struct Loaded {
    content: Content,
    /// The file exists but is empty.
    empty: bool,
    modified: Option<SystemTime>,
}

fn load(path: &Path) -> Result<Loaded> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                content: Content::Document(Yaml::Map(Vec::new())),
                empty: false,
                modified: None,
            });
        }
        Err(e) => return Err(DefaultsError::io("read", path, e)),
    };
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DefaultsError::io("read", path, e))?;
    let loaded = |content| Loaded {
        content,
        empty: bytes.is_empty(),
        modified,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(loaded(Content::Unusable(format!(
            "it is larger than {} MiB",
            MAX_FILE_BYTES / 1024 / 1024
        ))));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(loaded(Content::Unusable("it is not UTF-8 text".to_owned())));
    };
    Ok(loaded(match yaml::parse(text) {
        Ok(Yaml::Null) => Content::Document(Yaml::Map(Vec::new())),
        Ok(doc @ Yaml::Map(_)) => Content::Document(doc),
        Ok(other) => Content::Unusable(format!("it holds {} instead of a mapping", other.kind())),
        Err(e) => Content::Unusable(match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        }),
    }))
}

/// Loads `path`, reading again while it is empty or unusable and was modified within the
/// last second (a writer without a lock may be in the middle of rewriting it).
fn load_settled(path: &Path) -> Result<Content> {
    let start = Instant::now();
    loop {
        let loaded = load(path)?;
        let suspect = loaded.empty || matches!(loaded.content, Content::Unusable(_));
        // A modification time in the future (clock skew) counts as recent.
        let recent = loaded.modified.is_some_and(|t| {
            SystemTime::now()
                .duration_since(t)
                .map_or(true, |age| age < SETTLING)
        });
        if !(suspect && recent) || start.elapsed() >= SETTLE_LIMIT {
            return Ok(loaded.content);
        }
        tracing::debug!(path = %path.display(), "session cache file is being rewritten; reading it again");
        std::thread::sleep(SETTLE_PAUSE);
    }
}

/// Moves an unusable file aside as `<name>.corrupt-<unix time>` (with a counter if that
/// name is taken) and says so.
fn quarantine(_guard: &LockGuard, path: &Path, why: &str) -> Result<()> {
    if path.symlink_metadata().is_err() {
        return Ok(());
    }
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut aside = path.with_file_name(format!("{name}.corrupt-{secs}"));
    let mut n = 1;
    while aside.symlink_metadata().is_ok() {
        aside = path.with_file_name(format!("{name}.corrupt-{secs}-{n}"));
        n += 1;
    }
    replace::rename_over(path, &aside).map_err(|e| DefaultsError::io("move aside", path, e))?;
    tracing::warn!(
        path = %path.display(),
        moved_to = %aside.display(),
        problem = %why,
        "session cache file was unusable; moved it aside and started a new one"
    );
    Ok(())
}

/// Creates `folder` (0700) inside the cache root `root` and checks that it is safe to write
/// in (Decision 13): for the files beside the session files, such as renewal locks.
pub(crate) fn ensure_safe_folder(folder: &Path, root: &Path) -> Result<()> {
    place::ensure_folder(folder)?;
    place::check_folder(folder, &place::real_root(root))?;
    Ok(())
}

/// Writes `doc` to a private temporary file beside `path`, flushes it to disk and renames
/// it over `path`. Taking the guard proves the caller holds the lock.
pub(crate) fn write(guard: &LockGuard, path: &Path, doc: &Yaml) -> Result<()> {
    write_bytes(guard, path, pyyaml_emitter::dump(doc).as_bytes())?;
    // Each replacement costs a few fsyncs: tests count these events to keep a login at
    // one replacement per file.
    tracing::debug!(path = %path.display(), "replaced the session cache file");
    Ok(())
}

/// Writes `bytes` to a private (0600) temporary file beside `path`, flushes it to disk and
/// renames it over `path`. Taking the guard proves the caller holds the lock.
pub(crate) fn write_bytes(_guard: &LockGuard, path: &Path, bytes: &[u8]) -> Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(leftovers::temp_name(
        &name,
        SEQ.fetch_add(1, Ordering::Relaxed),
    ));
    // Errors name the session file, not the temporary one: the file is what the user knows,
    // and it is left as it was.
    let result = write_new_private(&temp, bytes)
        .map_err(|e| DefaultsError::io("write", path, e))
        .and_then(|()| {
            replace::rename_over(&temp, path).map_err(|e| DefaultsError::io("replace", path, e))
        });
    if result.is_err()
        && let Err(e) = std::fs::remove_file(&temp)
    {
        // The next write removes it under the lock.
        tracing::debug!(path = %temp.display(), error = %e, "could not remove the temporary file");
    }
    result?;
    sync_folder(path);
    Ok(())
}

fn write_new_private(temp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(temp)?;
    #[cfg(unix)]
    {
        // The umask can only remove bits, but be explicit: the file must be 0600.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(folder) = path.parent()
        && let Ok(dir) = File::open(folder)
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}
