//! Reading and safely rewriting one session-cache file.
//!
//! Readers never lock: writers replace the file by renaming a complete temporary file over
//! it, so a reader sees the old or the new file, never a torn one. Writers lock, re-read,
//! apply their change to what is on disk now, and write only when something changed.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::error::{DefaultsError, Result};
use crate::lock::{self, LockGuard, LockOptions};
use crate::pyyaml_emitter;
use crate::yaml::{self, Yaml};

/// Files larger than this are not session caches (a real one holds a few kilobytes).
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What a file held, as far as the session cache is concerned.
pub(crate) enum Content {
    /// A mapping (missing and empty files count as an empty one).
    Document(Yaml),
    /// Anything else; the string says what is wrong.
    Unusable(String),
}

/// Reads a cache file without locking. Unusable files read as empty, with a warning.
pub(crate) fn read(path: &Path) -> Yaml {
    let resolved = match resolve(path) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "ignoring session cache file");
            return Yaml::Map(Vec::new());
        }
    };
    match load(&resolved) {
        Ok(Content::Document(doc)) => doc,
        Ok(Content::Unusable(why)) => {
            tracing::warn!(path = %resolved.display(), problem = %why, "session cache file is not usable; treating it as empty");
            Yaml::Map(Vec::new())
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read session cache file; treating it as empty");
            Yaml::Map(Vec::new())
        }
    }
}

/// Locks `path`, re-reads it, lets `change` edit the document and writes it back if `change`
/// returns `true`. An unusable file is moved aside first (never silently replaced).
/// `validate` says whether a parsed mapping is still unusable for this kind of file.
pub(crate) fn update(
    path: &Path,
    lock_options: &LockOptions,
    validate: fn(&Yaml) -> Option<String>,
    change: impl FnOnce(&mut Yaml) -> bool,
) -> Result<bool> {
    let folder = path.parent().unwrap_or(Path::new("."));
    ensure_folder(folder)?;
    let resolved = resolve(path)?;
    let guard = lock::lock(&resolved, lock_options)?;
    let mut doc = match load(&resolved)? {
        Content::Document(doc) => match validate(&doc) {
            None => doc,
            Some(why) => {
                quarantine(&guard, &resolved, &why)?;
                Yaml::Map(Vec::new())
            }
        },
        Content::Unusable(why) => {
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

/// Where to read and write: `path` itself, or the file a symbolic link points to when that
/// file is a regular file owned by the current user.
fn resolve(path: &Path) -> Result<PathBuf> {
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(path.to_path_buf());
    };
    if !meta.file_type().is_symlink() {
        if !meta.is_file() {
            return Err(DefaultsError::UnsafeCacheFile {
                path: path.to_path_buf(),
                reason: "it is not a regular file".to_owned(),
            });
        }
        return Ok(path.to_path_buf());
    }
    let unsafe_link = |reason: &str| DefaultsError::UnsafeCacheFile {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let target =
        std::fs::canonicalize(path).map_err(|_| unsafe_link("it is a symbolic link to nothing"))?;
    let target_meta =
        std::fs::metadata(&target).map_err(|_| unsafe_link("it is a symbolic link to nothing"))?;
    if !target_meta.is_file() {
        return Err(unsafe_link(
            "it is a symbolic link to something that is not a file",
        ));
    }
    if !owned_by_current_user(&target_meta) {
        return Err(unsafe_link(
            "it is a symbolic link to a file owned by another user",
        ));
    }
    Ok(target)
}

#[cfg(unix)]
fn owned_by_current_user(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn owned_by_current_user(_meta: &std::fs::Metadata) -> bool {
    true
}

fn load(path: &Path) -> Result<Content> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Content::Document(Yaml::Map(Vec::new())));
        }
        Err(e) => return Err(DefaultsError::io("read", path, e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DefaultsError::io("read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Content::Unusable(format!(
            "it is larger than {} MiB",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(Content::Unusable("it is not UTF-8 text".to_owned()));
    };
    Ok(match yaml::parse(&text) {
        Ok(Yaml::Null) => Content::Document(Yaml::Map(Vec::new())),
        Ok(doc @ Yaml::Map(_)) => Content::Document(doc),
        Ok(other) => Content::Unusable(format!("it holds {} instead of a mapping", other.kind())),
        Err(e) => Content::Unusable(match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        }),
    })
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
    std::fs::rename(path, &aside).map_err(|e| DefaultsError::io("move aside", path, e))?;
    tracing::warn!(
        path = %path.display(),
        moved_to = %aside.display(),
        problem = %why,
        "session cache file was unusable; moved it aside and started a new one"
    );
    Ok(())
}

/// Creates missing folders with mode 0700.
pub(crate) fn ensure_folder(folder: &Path) -> Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(folder)
        .map_err(|e| DefaultsError::io("create the folder", folder, e))?;
    Ok(())
}

/// Makes the folder of a file being written private (0700), if it is ours.
fn make_folder_private(folder: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(folder) {
            let ours = meta.uid() == rustix::process::geteuid().as_raw();
            if ours
                && meta.mode() & 0o777 != 0o700
                && let Err(e) =
                    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
            {
                tracing::warn!(folder = %folder.display(), error = %e, "could not make the folder private");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// Writes `doc` to a private temporary file beside `path`, flushes it to disk and renames
/// it over `path`. Taking the guard proves the caller holds the lock.
pub(crate) fn write(_guard: &LockGuard, path: &Path, doc: &Yaml) -> Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let text = pyyaml_emitter::dump(doc);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_new_private(&temp, text.as_bytes()).and_then(|()| {
        std::fs::rename(&temp, path).map_err(|e| DefaultsError::io("replace", path, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    if let Some(folder) = path.parent() {
        make_folder_private(folder);
    }
    sync_folder(path);
    Ok(())
}

fn write_new_private(temp: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(temp)
        .map_err(|e| DefaultsError::io("create", temp, e))?;
    #[cfg(unix)]
    {
        // The umask can only remove bits, but be explicit: the file must be 0600.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| DefaultsError::io("set permissions on", temp, e))?;
    }
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| DefaultsError::io("write", temp, e))
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
