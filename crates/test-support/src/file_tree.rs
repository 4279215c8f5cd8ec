//! What a test sees of a folder of files: which files exist, which changed, their modes —
//! for comparing what tk-auth writes with what the Python Toolkit wrote.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What identifies one version of a file: inode, modification time (seconds and
/// nanoseconds), size.
pub type Stamp = (u64, i64, i64, u64);

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
        let meta = std::fs::symlink_metadata(&path).expect("an entry that still exists");
        if meta.is_dir() {
            out.insert(rel, None);
            walk(root, &path, out);
        } else {
            out.insert(
                rel,
                Some((meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.size())),
            );
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

/// The permission bits of `path` itself (a link is not followed).
pub fn mode(path: &Path) -> u32 {
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
