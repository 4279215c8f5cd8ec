//! The Python environment the interop tests and benchmarks compare against.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{run, var, workspace_root};

/// Python packages the interop tests use, pinned to what the shared vectors were made with.
/// `Authlib` (with `requests`, its HTTP transport) judges the emulated Flow authorization
/// server with an OAuth 2 client written elsewhere.
const REQUIREMENTS: &[&str] = &[
    "shotgun_api3==3.10.3",
    "PyYAML==6.0.2",
    "Authlib==1.6.5",
    "requests==2.32.5",
];

/// Creates `.venv` with the pinned requirements (once) and returns its interpreter.
pub(crate) fn env() -> Result<PathBuf> {
    let venv = workspace_root().join(".venv");
    let python = venv.join(if cfg!(windows) {
        "Scripts/python.exe"
    } else {
        "bin/python"
    });
    let stamp = venv.join("tk-auth-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    let system_python = var("PYTHON").unwrap_or_else(|| "python3".into());
    run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(REQUIREMENTS))?;
    std::fs::write(&stamp, wanted).context("could not write the venv stamp")?;
    Ok(python)
}
