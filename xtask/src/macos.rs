//! `cargo xtask macos-check`: the libraries and the command type-checked (`cargo check`, all
//! features) for both macOS targets, `aarch64-apple-darwin` and `x86_64-apple-darwin`, on
//! Linux.
//!
//! Most crates check with the Rust target alone, but a few build C code in their build
//! scripts — above all aws-lc-sys, the TLS and crypto library — and that C needs macOS's libc
//! headers, which Linux lacks. Zig's C compiler ships them (and needs no Apple SDK to compile,
//! only to link programs, which `cargo check` never does), and the Python Package Index
//! ships Zig as the `ziglang` package: it is installed at a pinned version into a venv under `target/`, and a
//! small wrapper script per target is handed to the `cc` crate as `CC_<target>`/`AR_<target>`.
//!
//! What this does not prove: that the programs link against Apple's frameworks
//! (Security.framework for the platform certificate verifier, CoreFoundation), nor that the
//! tests pass on a Mac. Those need a Mac with Xcode.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, latest_deps::LIBRARIES, run, target_dir, var};

/// The Rust targets, with Zig's name for each.
const TARGETS: &[(&str, &str)] = &[
    ("aarch64-apple-darwin", "aarch64-macos"),
    ("x86_64-apple-darwin", "x86_64-macos"),
];

/// The Zig release installed from the Python Package Index; its version as `zig version` prints it.
const ZIGLANG: &str = "ziglang==0.17.1";
const ZIG_VERSION: &str = "0.17.1";

pub(crate) fn check() -> Result<()> {
    crate::system::ensure_rust_targets(&TARGETS.iter().map(|t| t.0).collect::<Vec<_>>())?;
    let python = zig_python()?;
    let wrappers = target_dir().join("macos-cc");
    std::fs::create_dir_all(&wrappers)
        .with_context(|| format!("could not create {}", wrappers.display()))?;
    for (triple, zig_target) in TARGETS {
        let (cc, ar) = write_wrappers(&wrappers, &python, triple, zig_target)?;
        let env_triple = triple.replace('-', "_");
        let mut check = cargo();
        check
            .args(["check", "--locked", "--all-features", "--target", triple])
            .env(format!("CC_{env_triple}"), cc)
            .env(format!("AR_{env_triple}"), ar);
        for package in LIBRARIES.iter().chain(&["tk-auth-cli"]) {
            check.args(["-p", package]);
        }
        run(&mut check)?;
    }
    eprintln!(
        "xtask: macOS: the libraries and the command type-check for {}; linking and the tests \
         need a Mac with Xcode",
        TARGETS
            .iter()
            .map(|t| t.0)
            .collect::<Vec<_>>()
            .join(" and ")
    );
    Ok(())
}

/// A venv under `target/` with Zig installed from the Python Package Index; returns its interpreter.
fn zig_python() -> Result<PathBuf> {
    let venv = target_dir().join("zig-venv");
    let python = venv.join("bin/python");
    if zig_version(&python).as_deref() == Some(ZIG_VERSION) {
        return Ok(python);
    }
    let system_python = var("PYTHON").unwrap_or_else(|| "python3".into());
    run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        ZIGLANG,
    ]))?;
    match zig_version(&python) {
        Some(v) if v == ZIG_VERSION => Ok(python),
        other => bail!("{ZIGLANG} installed, but `python -m ziglang version` printed {other:?}"),
    }
}

fn zig_version(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args(["-m", "ziglang", "version"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Writes the C compiler and archiver wrappers for one target; returns their paths.
fn write_wrappers(
    dir: &Path,
    python: &Path,
    triple: &str,
    zig_target: &str,
) -> Result<(PathBuf, PathBuf)> {
    let cache = dir.join("zig-cache");
    let head = format!(
        "#!/bin/sh\n# Written by `cargo xtask macos-check`.\nexport ZIG_GLOBAL_CACHE_DIR='{cache}'\n",
        cache = cache.display()
    );
    // The `cc` crate passes clang's `--target=arm64-apple-macosx`, which Zig's driver does not
    // accept in that spelling; Zig takes the target from its own `-target` instead.
    let cc_script = format!(
        "{head}for a in \"$@\"; do shift; case \"$a\" in --target=*) ;; *) set -- \"$@\" \"$a\" ;; esac; done\n\
         exec '{python}' -m ziglang cc -target {zig_target} \"$@\"\n",
        python = python.display()
    );
    let ar_script = format!(
        "{head}exec '{python}' -m ziglang ar \"$@\"\n",
        python = python.display()
    );
    let cc = dir.join(format!("cc-{triple}"));
    let ar = dir.join(format!("ar-{triple}"));
    for (path, script) in [(&cc, cc_script), (&ar, ar_script)] {
        std::fs::write(path, script)
            .with_context(|| format!("could not write {}", path.display()))?;
        make_executable(path)?;
    }
    Ok((cc, ar))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("could not make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    bail!("the macOS check runs on Linux (its compiler wrappers are shell scripts)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrapper drops clang's `--target=…` and keeps every other argument as it was,
    /// spaces included: checked by running it with `echo` in place of Python.
    #[test]
    fn the_compiler_wrapper_drops_only_the_clang_target() {
        let dir = tempfile::tempdir().unwrap();
        let fake_python = dir.path().join("fake-python");
        std::fs::write(
            &fake_python,
            "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n",
        )
        .unwrap();
        make_executable(&fake_python).unwrap();
        let (cc, _) = write_wrappers(
            dir.path(),
            &fake_python,
            "aarch64-apple-darwin",
            "aarch64-macos",
        )
        .unwrap();
        let out = Command::new(&cc)
            .args([
                "-O1",
                "--target=arm64-apple-macosx",
                "-I",
                "/a b/include",
                "-c",
                "x.c",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "[-m]\n[ziglang]\n[cc]\n[-target]\n[aarch64-macos]\n[-O1]\n[-I]\n[/a b/include]\n[-c]\n[x.c]\n"
        );
    }
}
