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
    use std::io::Write;
    let mut child = std::process::Command::new(tk_auth_test_support::python())
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A test that cannot run on this machine: under CI (`CI` set) that is a failure; elsewhere
/// the test reports itself skipped, with the reason, on the terminal (past the test
/// harness's output capture).
pub(crate) fn skip_or_fail(reason: &str) {
    use std::io::Write;
    assert!(
        std::env::var_os("CI").is_none(),
        "this test cannot run here, and CI must run it: {reason}"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// Runs `f` and returns its result with everything logged meanwhile, at every level.
pub(crate) fn logs_of<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let bytes = buffer.0.lock().unwrap().clone();
    (out, String::from_utf8(bytes).unwrap())
}
