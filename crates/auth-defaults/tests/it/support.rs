//! Helpers shared by the behaviour tests: fixture paths, trees of files, YAML as data.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub(crate) fn fixtures() -> PathBuf {
    tk_auth_test_support::fixture(env!("CARGO_MANIFEST_DIR"), "python-compat")
}

pub(crate) fn manifest(topic: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join(topic).join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// YAML text as plain data, for comparing files by content.
pub(crate) fn yaml_data(text: &str) -> serde_json::Value {
    if text.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

pub(crate) fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

pub(crate) fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// What identifies one version of a file: inode, change time, size.
pub(crate) type Stamp = (u64, i64, i64, u64);

/// Every file and folder below `root`, relative, with a stamp (files only).
pub(crate) fn snapshot(root: &Path) -> BTreeMap<String, Option<Stamp>> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Stamp>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = std::fs::symlink_metadata(&path).unwrap();
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

/// The files whose stamp changed (or that appeared) between two snapshots.
pub(crate) fn written(
    before: &BTreeMap<String, Option<Stamp>>,
    after: &BTreeMap<String, Option<Stamp>>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(path, stamp)| stamp.is_some() && before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect()
}

/// Runs the project's Python (with `PyYAML`) on a script, feeding `input` on stdin; returns
/// stdout.
pub(crate) fn python(script: &str, input: &str) -> String {
    tk_auth_test_support::Python::code(script)
        .stdin(input)
        .run()
        .stdout
}
