//! `cargo xtask latest-deps`: clippy and the libraries' tests against the newest compatible
//! version of every dependency, as a program that depends on tk-auth resolves them today.
//!
//! Everything else runs `--locked`, so a release of a dependency that deprecates an API we
//! call, or breaks a test, would go unseen until the next `cargo update`. This check updates
//! `Cargo.lock` in place and always puts the locked file back afterwards (also when a step
//! fails or panics). It shares the usual target folder: crates whose version did not move
//! are reused from the locked build, so it costs only what the update changed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::{cargo, python, run, system, target_dir, workspace_root};

/// The library crates, whose users resolve their own versions of our dependencies.
pub(crate) const LIBRARIES: &[&str] = &[
    "tk-auth-core",
    "tk-auth-http",
    "tk-auth-defaults",
    "tk-auth-prompt",
    "tk-auth",
];

pub(crate) fn check() -> Result<()> {
    system::ensure_packages()?;
    let python = python::env()?;
    let lock = workspace_root().join("Cargo.lock");
    let _restore = Restore::save(&lock, &target_dir().join("latest-deps/Cargo.lock.locked"))?;
    run(cargo().arg("update"))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    let mut test = cargo();
    test.arg("test");
    for library in LIBRARIES {
        test.args(["-p", library]);
    }
    run(test.arg("--all-features").env("TK_AUTH_PYTHON", python))?;
    eprintln!("xtask: latest-deps: clippy and the libraries' tests pass with `cargo update`");
    Ok(())
}

/// Puts a file back as it was when dropped: on success, on an error and on a panic alike.
struct Restore {
    file: PathBuf,
    copy: PathBuf,
}

impl Restore {
    /// Copies `file` to `copy` (kept there until the file is restored).
    fn save(file: &Path, copy: &Path) -> Result<Self> {
        if let Some(parent) = copy.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        std::fs::copy(file, copy)
            .with_context(|| format!("could not copy {} to {}", file.display(), copy.display()))?;
        Ok(Self {
            file: file.to_owned(),
            copy: copy.to_owned(),
        })
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        match std::fs::copy(&self.copy, &self.file) {
            Ok(_) => {
                let _ = std::fs::remove_file(&self.copy);
                eprintln!("xtask: {} restored", self.file.display());
            }
            Err(e) => eprintln!(
                "xtask: could not restore {} from {}: {e}; copy it back by hand",
                self.file.display(),
                self.copy.display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_put_back_when_a_step_fails() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        std::fs::write(&lock, "locked\n").unwrap();
        let failing_step = || -> Result<()> {
            let _restore = Restore::save(&lock, &dir.path().join("saved/Cargo.lock"))?;
            std::fs::write(&lock, "updated\n")?;
            anyhow::bail!("clippy failed")
        };
        assert!(failing_step().is_err());
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "locked\n");
        assert!(!dir.path().join("saved/Cargo.lock").exists());
    }

    #[test]
    fn the_file_is_put_back_when_a_step_panics() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        std::fs::write(&lock, "locked\n").unwrap();
        let panicked = std::panic::catch_unwind(|| {
            let _restore = Restore::save(&lock, &dir.path().join("Cargo.lock.saved")).unwrap();
            std::fs::write(&lock, "updated\n").unwrap();
            panic!("a step panicked");
        });
        assert!(panicked.is_err());
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "locked\n");
    }
}
