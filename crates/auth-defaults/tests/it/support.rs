//! Helpers shared by the behaviour tests: fixture paths, trees of files, YAML as data.

use std::path::PathBuf;

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

#[cfg(unix)]
pub(crate) use tk_auth_test_support::file_tree::mode;
pub(crate) use tk_auth_test_support::file_tree::{
    create_dir_with_mode, set_mode as chmod, snapshot, symlink, written,
};

/// Runs the project's Python (with `PyYAML`) on a script, feeding `input` on stdin; returns
/// stdout.
pub(crate) fn python(script: &str, input: &str) -> String {
    tk_auth_test_support::Python::code(script)
        .stdin(input)
        .run()
        .stdout
}
