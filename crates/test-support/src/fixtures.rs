//! Where the workspace and each crate's fixture files are.

use std::path::{Path, PathBuf};

/// The workspace's root folder (the one holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives at `<root>/crates/test-support`.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A fixture file of the crate under test: `<crate>/tests/fixtures/<rel>`. Pass
/// `env!("CARGO_MANIFEST_DIR")` as `crate_dir`.
pub fn fixture(crate_dir: &str, rel: &str) -> PathBuf {
    Path::new(crate_dir).join("tests/fixtures").join(rel)
}

/// The bytes of a fixture file (see [`fixture`]); panics naming the file if it is missing.
pub fn read_fixture(crate_dir: &str, rel: &str) -> Vec<u8> {
    let path = fixture(crate_dir, rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A JSON fixture file (see [`fixture`]), parsed.
pub fn read_fixture_json<T: serde::de::DeserializeOwned>(crate_dir: &str, rel: &str) -> T {
    let bytes = read_fixture(crate_dir, rel);
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("fixture {rel} is not valid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_fixture_is_named_in_the_panic() {
        let panic =
            std::panic::catch_unwind(|| read_fixture(env!("CARGO_MANIFEST_DIR"), "nope.bin"))
                .unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("tests/fixtures/nope.bin"), "{message}");
    }
}
