//! `cargo xtask deps`: the dependency policy in `deny.toml` (licences, duplicate versions,
//! sources) checked by cargo-deny, and unused dependencies found by cargo-machete. Each tool
//! is installed with `cargo install --locked` at a pinned version when missing.

use std::process::{Command, Stdio};

use anyhow::Result;

use crate::{cargo, run, workspace_root};

/// A cargo subcommand, the crate that provides it and the version we install.
struct Tool {
    subcommand: &'static str,
    krate: &'static str,
    version: &'static str,
}

const DENY: Tool = Tool {
    subcommand: "deny",
    krate: "cargo-deny",
    version: "0.20.2",
};

const MACHETE: Tool = Tool {
    subcommand: "machete",
    krate: "cargo-machete",
    version: "0.9.2",
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
    // `--with-metadata`: crate names as cargo knows them (`rust-ini` is `ini` in code).
    // Run directly: as `cargo machete` it takes the word `machete` for a folder to scan.
    run(Command::new("cargo-machete")
        .args(["--with-metadata", "."])
        .current_dir(workspace_root()))?;
    default_build_has_no_window()
}

/// The login window is behind the `gui` feature: without it, no GUI crate is compiled.
fn default_build_has_no_window() -> Result<()> {
    for package in ["tk-auth-prompt", "tk-auth", "tk-auth-cli"] {
        let out = cargo()
            .args([
                "tree", "--locked", "-e", "normal", "--prefix", "none", "-p", package,
            ])
            .output()?;
        if !out.status.success() {
            anyhow::bail!("cargo tree -p {package} failed with {}", out.status);
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        let gui: Vec<&str> = tree
            .lines()
            .filter(|l| {
                ["eframe ", "egui", "winit ", "glutin", "glow "]
                    .iter()
                    .any(|g| l.starts_with(g))
            })
            .collect();
        if !gui.is_empty() {
            anyhow::bail!(
                "{package} with its default features depends on GUI crates: {}",
                gui.join(", ")
            );
        }
    }
    eprintln!("xtask: the default build has no GUI dependency (cargo tree -e normal)");
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
    run(&mut install)
}
