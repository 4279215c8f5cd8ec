//! Access to the Python-generated vectors under `tests/fixtures/python-compat`.

use std::path::PathBuf;

use serde_json::Value;

/// The folder holding the vectors.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-compat")
}

/// The bytes of a file below the vectors folder.
pub(crate) fn read(relative: &str) -> Vec<u8> {
    let path = root().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The parsed JSON of a file below the vectors folder.
pub(crate) fn json(relative: &str) -> Value {
    serde_json::from_slice(&read(relative)).expect("vector files are JSON")
}

/// The cases of a topic's manifest.
pub(crate) fn cases(topic: &str) -> Vec<Value> {
    let manifest = json(&format!("{topic}/manifest.json"));
    manifest["cases"]
        .as_array()
        .expect("a manifest has cases")
        .clone()
}

/// The parsed JSON of a file below `tests/fixtures`.
pub(crate) fn json_at(relative: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("fixture files are JSON")
}

/// An error and its causes on one line, as `anyhow`'s `{:#}` prints them.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
