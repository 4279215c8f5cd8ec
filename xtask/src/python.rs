//! The Python environment the interop tests and benchmarks compare against.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{run, var, workspace_root};

/// Python packages the interop tests use, pinned to what the shared vectors were made with.
/// `Authlib` (with `requests`, its HTTP transport) judges the emulated Flow authorization
/// server with an OAuth 2 client written elsewhere; `pysaml2` (which signs with the `xmlsec1`
/// program, a system package) is the SAML identity provider written elsewhere that judges the
/// headless SSO renewal.
const REQUIREMENTS: &[&str] = &[
    "shotgun_api3==3.10.3",
    "PyYAML==6.0.2",
    "Authlib==1.6.5",
    "requests==2.32.5",
    "pysaml2==7.5.5",
    // The Python wheel (crates/tk-auth-py): its build backend, and its tests.
    "maturin==1.16.0",
    "pytest==8.4.2",
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

/// The wheel's crate.
const WHEEL_CRATE: &str = "crates/tk-auth-py";

/// `cargo xtask wheel`: builds the `tk_auth` wheel (abi3, `CPython` 3.9+) with maturin, in
/// release, into `target/wheels`, and returns its path.
pub(crate) fn wheel() -> Result<PathBuf> {
    let python = env()?;
    let out = crate::target_dir().join("wheels");
    // Only this build's wheel is left there, so that the path below is unambiguous.
    if out.exists() {
        for entry in std::fs::read_dir(&out).context("could not list target/wheels")? {
            let path = entry.context("could not list target/wheels")?.path();
            if is_tk_auth_wheel(&path) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("could not remove {}", path.display()))?;
            }
        }
    }
    run(Command::new(&python)
        .current_dir(workspace_root())
        .args([
            "-m",
            "maturin",
            "build",
            "--release",
            "--locked",
            "--manifest-path",
        ])
        .arg(workspace_root().join(WHEEL_CRATE).join("Cargo.toml"))
        .arg("--out")
        .arg(&out))?;
    std::fs::read_dir(&out)
        .context("could not list target/wheels")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| is_tk_auth_wheel(p))
        .context("maturin wrote no tk_auth wheel into target/wheels")
}

fn is_tk_auth_wheel(path: &std::path::Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with("tk_auth-")
            && std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "whl")
    })
}

/// `cargo xtask python-tests [PYTEST ARGS…]`: builds the wheel, installs it into the venv
/// and runs the wheel's pytest tests (`crates/tk-auth-py/tests`) there.
pub(crate) fn tests(extra: &[String]) -> Result<()> {
    let wheel = wheel()?;
    let python = env()?;
    // The Rust writer of the contention test.
    run(crate::cargo().args([
        "build",
        "--locked",
        "-p",
        "tk-auth-py",
        "--example",
        "session_writer",
    ]))?;
    let writer = crate::target_dir()
        .join("debug/examples")
        .join(if cfg!(windows) {
            "session_writer.exe"
        } else {
            "session_writer"
        });
    install_wheel(&python, &wheel)?;
    run(Command::new(&python)
        .current_dir(workspace_root().join(WHEEL_CRATE))
        .args(["-m", "pytest", "-q", "tests"])
        .args(extra)
        // The tests start Python processes of this interpreter.
        .env("TK_AUTH_PYTHON", &python)
        .env("TK_AUTH_SESSION_WRITER", writer))
}

/// Installs `wheel` into the venv of `python`, in place of any earlier build.
fn install_wheel(python: &std::path::Path, wheel: &std::path::Path) -> Result<()> {
    run(Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--force-reinstall",
        ])
        .arg(wheel))
}

/// `cargo xtask python-bench`: builds and installs the wheel, then prints its benchmark rows
/// (`crates/tk-auth-py/bench/bench.py`; tk-core's own functions as the baseline when
/// `TK_CORE_PATH` names tk-core's `python` folder, else `PyYAML`'s pure-Python path).
pub(crate) fn bench() -> Result<()> {
    let wheel = wheel()?;
    let python = env()?;
    install_wheel(&python, &wheel)?;
    run(Command::new(&python).arg(workspace_root().join(WHEEL_CRATE).join("bench/bench.py")))
}
