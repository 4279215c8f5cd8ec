//! `cargo xtask deps`: the dependency policy in `deny.toml` (licences, duplicate versions,
//! sources) checked by cargo-deny, and unused dependencies found by cargo-machete. Each tool
//! is installed with `cargo install --locked` at a pinned version when missing.

use std::process::Stdio;

use anyhow::Result;

use crate::{cargo, run};

/// A cargo subcommand, the crate that provides it and the version we install.
struct Tool {
    subcommand: &'static str,
    krate: &'static str,
    version: &'static str,
    /// Features left out to keep the install short (the advisory fetcher, for cargo-deny).
    no_default_features: bool,
}

const DENY: Tool = Tool {
    subcommand: "deny",
    krate: "cargo-deny",
    version: "0.19.0",
    no_default_features: true,
};

const MACHETE: Tool = Tool {
    subcommand: "machete",
    krate: "cargo-machete",
    version: "0.9.1",
    no_default_features: false,
};

pub(crate) fn check() -> Result<()> {
    ensure_installed(&DENY)?;
    ensure_installed(&MACHETE)?;
    // The RustSec advisory database is a git repository fetched from GitHub, which the CI
    // machines cannot reach (they see the package registries only), so the advisories check
    // would fail on the fetch rather than on an advisory.
    eprintln!(
        "xtask: cargo deny: checking licences, bans (duplicates) and sources; advisories are \
         skipped here because the advisory database (github.com/rustsec/advisory-db) cannot \
         be fetched from this network: run `cargo deny check advisories` where it can"
    );
    run(cargo().args(["deny", "--locked", "check", "licenses", "bans", "sources"]))?;
    run(cargo().args(["machete"]))?;
    Ok(())
}

fn ensure_installed(tool: &Tool) -> Result<()> {
    let present = cargo()
        .args([tool.subcommand, "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    let mut install = cargo();
    install.args(["install", "--locked", "--version", tool.version, tool.krate]);
    if tool.no_default_features {
        install.arg("--no-default-features");
    }
    run(&mut install)
}
