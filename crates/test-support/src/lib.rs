//! Shared helpers for tk-auth's tests, so that tests in every crate find fixtures, the
//! Python interpreter and the workspace the same way.
//!
//! ```
//! let root = tk_auth_test_support::workspace_root();
//! assert!(root.join("Cargo.toml").exists());
//! ```

#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The workspace's root folder (the one holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives at `<root>/crates/test-support`.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The Python interpreter that has `shotgun_api3` and `PyYAML` installed.
///
/// Taken from `TK_AUTH_PYTHON` (set by `cargo xtask test`), else the workspace's `.venv`.
///
/// # Panics
/// When neither exists: the interop tests are part of the suite, so a missing interpreter
/// is a failure with the remedy in the message, never a silent skip.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("TK_AUTH_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with shotgun_api3: run `cargo xtask python` once (or `cargo xtask test`), \
         or set TK_AUTH_PYTHON to an interpreter that has shotgun_api3 and PyYAML"
    );
    venv
}

/// A fixture file of the crate under test: `<crate>/tests/fixtures/<rel>`.
pub fn fixture(crate_dir: &str, rel: &str) -> PathBuf {
    Path::new(crate_dir).join("tests/fixtures").join(rel)
}
