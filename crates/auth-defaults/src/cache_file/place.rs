//! Where a session-cache file really is, and whether we may write there (Decision 13):
//! only inside the cache root, only in folders the user owns, never through a link that
//! leads out of the root.

use std::fs::DirBuilder;
use std::path::{Path, PathBuf};

use crate::error::{DefaultsError, Result};

/// The cache root as it really is (links resolved); the root itself when it does not exist.
pub(super) fn real_root(root: &Path) -> PathBuf {
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

/// Where to read and write `path`: itself, or the file a symbolic link points to when that
/// is a regular file of the current user inside the cache root. `root` is the real root.
pub(super) fn resolve(path: &Path, root: &Path) -> Result<PathBuf> {
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
    if !target.starts_with(root) {
        return Err(DefaultsError::OutsideCacheRoot {
            path: path.to_path_buf(),
            target,
            root: root.to_path_buf(),
        });
    }
    let target_meta =
        std::fs::metadata(&target).map_err(|_| unsafe_link("it is a symbolic link to nothing"))?;
    if !target_meta.is_file() {
        return Err(unsafe_link(
            "it is a symbolic link to something that is not a file",
        ));
    }
    if owner_if_foreign(&target_meta).is_some() {
        return Err(unsafe_link(
            "it is a symbolic link to a file owned by another user",
        ));
    }
    Ok(target)
}

/// Checks that `folder` (which exists) is inside the real cache root and that it and every
/// folder above it up to the root belong to the current user. Returns the real folder.
pub(super) fn check_folder(folder: &Path, root: &Path) -> Result<PathBuf> {
    let real = std::fs::canonicalize(folder)
        .map_err(|e| DefaultsError::io("find the folder", folder, e))?;
    inside_root(folder, &real, root)?;
    for dir in real.ancestors() {
        let meta = std::fs::metadata(dir).map_err(|e| DefaultsError::io("inspect", dir, e))?;
        if let Some(owner) = owner_if_foreign(&meta) {
            return Err(DefaultsError::ForeignOwner {
                path: dir.to_path_buf(),
                owner,
            });
        }
        if dir == root {
            break;
        }
    }
    Ok(real)
}

/// Checks, for a reader, that `folder` does not lead out of the real cache root `root`
/// through a link. A folder that does not exist holds no file and passes.
pub(super) fn check_folder_to_read(folder: &Path, root: &Path) -> Result<()> {
    match std::fs::canonicalize(folder) {
        Ok(real) => inside_root(folder, &real, root),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(DefaultsError::io("find the folder", folder, e)),
    }
}

fn inside_root(folder: &Path, real: &Path, root: &Path) -> Result<()> {
    if real.starts_with(root) {
        return Ok(());
    }
    Err(DefaultsError::OutsideCacheRoot {
        path: folder.to_path_buf(),
        target: real.to_path_buf(),
        root: root.to_path_buf(),
    })
}

/// The owner of a file that does not belong to the current (effective) user.
#[cfg(unix)]
fn owner_if_foreign(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let owner = meta.uid();
    (owner != rustix::process::geteuid().as_raw()).then_some(owner)
}

#[cfg(not(unix))]
fn owner_if_foreign(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// Creates missing folders with mode 0700. Folders that exist keep their mode (Decision 1):
/// the cache root may be the home folder itself.
pub(super) fn ensure_folder(folder: &Path) -> Result<()> {
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
