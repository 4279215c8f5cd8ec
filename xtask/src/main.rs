//! Project chores, run as `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks — formatting, clippy with warnings denied, the Python
//!   environment the interop tests need, all tests, and the docs with warnings denied.
//! - `test`: the Python environment, then every test of the workspace.
//! - `python`: only create or refresh the Python environment (`.venv`).
//! - `bench`: the benchmarks, each printing ratios against a baseline run in the same process.
//! - `fuzz [TARGET…] [--time S] [--ci]`: coverage-guided fuzzing (see `fuzz.rs`).

#![allow(
    clippy::print_stderr,
    reason = "a command-line tool: progress and errors go to stderr"
)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

mod fuzz;

/// Python packages the interop tests use, pinned to what the shared vectors were made with.
const PYTHON_REQUIREMENTS: &[&str] = &["shotgun_api3==3.10.3", "PyYAML==6.0.2"];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let task = args.first().map_or("help", String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    let outcome = match task {
        "ci" => ci(),
        "test" => test(rest),
        "python" => python_env().map(|_| ()),
        "bench" => bench(rest),
        "fuzz" => fuzz::fuzz(rest),
        "help" | "--help" | "-h" => {
            usage();
            Ok(())
        }
        other => {
            usage();
            Err(anyhow::anyhow!("unknown task `{other}`"))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         ci      fmt check, clippy -D warnings, all tests, docs with -D warnings\n  \
         test    all tests (creates the Python venv the interop tests need)\n  \
         python  create or refresh the Python venv (.venv)\n  \
         bench   benchmarks with ratios against baselines measured in the same run\n  \
         fuzz    [TARGET…] [--time S] [--ci]: coverage-guided fuzzing, 60 s (--ci: 20 s) per target"
    );
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Creates `.venv` with the pinned requirements (once) and returns its interpreter.
fn python_env() -> Result<PathBuf> {
    let root = workspace_root();
    let venv = root.join(".venv");
    let python = venv.join(if cfg!(windows) {
        "Scripts/python.exe"
    } else {
        "bin/python"
    });
    let stamp = venv.join("tk-auth-requirements.txt");
    let wanted = PYTHON_REQUIREMENTS.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    let system_python = env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PYTHON_REQUIREMENTS))?;
    std::fs::write(&stamp, wanted).context("could not write the venv stamp")?;
    Ok(python)
}

fn test(extra: &[String]) -> Result<()> {
    let python = python_env()?;
    run(cargo()
        .args(["test", "--workspace", "--all-features"])
        .args(extra)
        .env("TK_AUTH_PYTHON", python))
}

fn ci() -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    test(&[])?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    Ok(())
}

fn bench(extra: &[String]) -> Result<()> {
    let python = python_env()?;
    run(cargo()
        .args(["bench", "--workspace"])
        .args(extra)
        .env("TK_AUTH_PYTHON", python))
}
