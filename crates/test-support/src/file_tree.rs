//! What a test sees of a folder of files: which files exist, which changed, their modes —
//! for comparing what tk-auth writes with what the Python Toolkit wrote — and symbolic links
//! made the same way on every platform.

use std::collections::BTreeMap;
use std::path::Path;

/// What identifies one version of a file: inode (0 on Windows), modification time (seconds
/// and nanoseconds), size.
pub type Stamp = (u64, i64, i64, u64);

#[cfg(unix)]
fn stamp(meta: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.size())
}

#[cfg(not(unix))]
fn stamp(meta: &std::fs::Metadata) -> Stamp {
    // No stable file id on Windows: a replaced file shows in its modification time.
    let since = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default();
    let seconds = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    (0, seconds, i64::from(since.subsec_nanos()), meta.len())
}

/// Makes `link` a symbolic link to `target`. On Windows, a link to a folder that exists is a
/// folder link, any other a file link (which is what a dangling link to a file must be).
pub fn symlink(target: &Path, link: &Path) {
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(target, link);
    #[cfg(windows)]
    let made = if target.is_dir() {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        std::os::windows::fs::symlink_file(target, link)
    };
    made.unwrap_or_else(|e| {
        panic!(
            "could not link {} to {}: {e}",
            link.display(),
            target.display()
        )
    });
}

/// Every file and folder below `root`, by path relative to it, with a [`Stamp`] for files
/// (`None` for folders). A missing `root` gives an empty map.
pub fn snapshot(root: &Path) -> BTreeMap<String, Option<Stamp>> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Stamp>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        let rel = path
            .strip_prefix(root)
            .expect("below the root")
            .to_string_lossy()
            .into_owned();
        // One spelling on every platform: tests compare these with Python's lists.
        let rel = if cfg!(windows) {
            rel.replace('\\', "/")
        } else {
            rel
        };
        let meta = std::fs::symlink_metadata(&path).expect("an entry that still exists");
        if meta.is_dir() {
            out.insert(rel, None);
            walk(root, &path, out);
        } else {
            out.insert(rel, Some(stamp(&meta)));
        }
    }
}

/// Every file below `root`, by path relative to it, with its bytes: what a test compares
/// before and after a write that must leave every file as it was.
pub fn contents(root: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(root)
        .into_iter()
        .filter(|(_, stamp)| stamp.is_some())
        .map(|(rel, _)| {
            let bytes = std::fs::read(root.join(&rel)).expect("a readable file");
            (rel, bytes)
        })
        .collect()
}

/// The files whose stamp changed, or that appeared, between two snapshots.
pub fn written(
    before: &BTreeMap<String, Option<Stamp>>,
    after: &BTreeMap<String, Option<Stamp>>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(path, stamp)| stamp.is_some() && before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect()
}

/// Sets a file's Unix permission bits. Windows has none: there it does nothing, and tests
/// compare modes on Unix only (`#[cfg(unix)]` on those assertions).
pub fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("could not chmod {}: {e}", path.display()));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Creates a folder and its parents, with the permission bits `mode` on Unix.
pub fn create_dir_with_mode(path: &Path, mode: u32) {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .create(path)
        .unwrap_or_else(|e| panic!("could not create {}: {e}", path.display()));
}

/// The permission bits of `path` itself (a link is not followed).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .expect("the file exists")
        .mode()
        & 0o7777
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_or_new_file_is_listed_as_written_and_an_untouched_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kept"), "a").unwrap();
        std::fs::write(dir.path().join("changed"), "a").unwrap();
        let before = snapshot(dir.path());
        std::fs::write(dir.path().join("changed.tmp"), "bb").unwrap();
        std::fs::rename(dir.path().join("changed.tmp"), dir.path().join("changed")).unwrap();
        std::fs::create_dir(dir.path().join("site")).unwrap();
        std::fs::write(dir.path().join("site/new"), "c").unwrap();
        let after = snapshot(dir.path());
        assert_eq!(written(&before, &after), ["changed", "site/new"]);
        assert_eq!(after.get("site"), Some(&None));
    }
}
