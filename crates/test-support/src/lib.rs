//! Shared helpers for tk-auth's tests, so that tests in every crate find fixtures, run Python
//! and child processes, capture logs and report what they cannot run the same way.
//!
//! ```
//! let root = tk_auth_test_support::workspace_root();
//! assert!(root.join("Cargo.toml").exists());
//! ```

#![deny(missing_docs)]
#![allow(
    clippy::missing_panics_doc,
    reason = "test helpers panic by design: a failed helper is a failed test"
)]

pub mod child;
pub mod file_tree;
mod fixtures;
mod logs;
mod loopback_http;
mod python;
mod saml_idp;
mod skip;
#[cfg(feature = "emulator")]
mod test_ca;
#[cfg(feature = "emulator")]
mod test_site;

pub use fixtures::{fixture, read_fixture, read_fixture_json, workspace_root};
pub use logs::{LogCapture, logs_of, logs_with};
pub use python::{Python, PythonOutput, python};
pub use saml_idp::{
    IdpStats, IdpUnavailable, PySamlIdp, PySamlIdpBuilder, saml_idp_check_script, saml_idp_script,
};
pub use skip::{skip_or_fail, var_or_skip};
#[cfg(feature = "emulator")]
pub use test_ca::TestCa;
#[cfg(feature = "emulator")]
pub use test_site::{TEST_PASSWORD, site_with_user};
