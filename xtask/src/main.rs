//! Project chores, run as `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks — formatting, clippy with warnings denied, the dependency
//!   policy (`deny.toml`) and unused dependencies, the library packages, the macOS
//!   type-check, all tests, the Python wheel's tests, the Windows tests under Wine, a short fuzzing run of every target,
//!   and the docs with warnings denied, all with `--locked`; then `latest-deps`.
//! - `test`: the system packages and the Python environment the tests need, then every test
//!   of the workspace.
//! - `python`: only create or refresh the Python environment (`.venv`).
//! - `wheel`: the Python wheel `tk_auth` (crates/tk-auth-py) with maturin, into
//!   `target/wheels`.
//! - `python-tests`: the wheel built and installed into `.venv`, and its pytest tests run.
//! - `python-bench`: the wheel's benchmark rows (`crates/tk-auth-py/bench/bench.py`).
//! - `deps`: the dependency policy and the unused-dependency check alone.
//! - `latest-deps`: clippy and the libraries' tests after `cargo update`, which catches a
//!   dependency release that deprecates or breaks what we use; `Cargo.lock` is put back.
//! - `build-times`: cold build times of each library and of the command.
//! - `bench`: the benchmarks, each printing ratios against a baseline run in the same process.
//! - `gui-smoke [--windows]`: the login window in a real (virtual) X server, typed through
//!   with xdotool, in the light and dark themes; a screenshot of each page under
//!   `target/gui-smoke/<theme>/` (`--windows`: the Windows build under Wine too).
//! - `fuzz [TARGET…] [--time S] [--ci]`: coverage-guided fuzzing (see `fuzz.rs`).
//! - `windows [demo]`: the tests of the crates a Windows workstation runs, cross-built and run
//!   under Wine (`demo`: the command's demo under Wine; see `windows.rs`).

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a command-line tool: results go to stdout, progress and errors to stderr"
)]

mod build_times;
mod deps;
mod dist;
#[cfg(test)]
mod docs_check;
mod fuzz;
mod gui;
mod latest_deps;
mod macos;
mod package;
mod python;
mod system;
mod windows;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map_or("help", String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    let outcome = match task {
        "ci" => ci(),
        "test" => test(rest),
        "python" => python::env().map(|_| ()),
        "wheel" => python::wheel().map(|path| println!("{}", path.display())),
        "python-tests" => python::tests(rest),
        "python-bench" => python::bench(),
        "deps" => deps::check(),
        "latest-deps" => latest_deps::check(),
        "build-times" => build_times::report(rest),
        "bench" => bench(rest),
        "fuzz" => fuzz::fuzz(rest),
        "gui-smoke" => gui::smoke(rest),
        "windows" => match rest.first().map(String::as_str) {
            None => windows::test(),
            Some("demo") => windows::demo(),
            Some(other) => Err(anyhow::anyhow!("unknown `windows` step `{other}`")),
        },
        "dist" => dist::dist(rest),
        "package" => package::check(rest),
        "macos-check" => macos::check(),
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
         ci           fmt check, clippy -D warnings, deps, package --no-verify, macos-check, all\n               \
         tests, python-tests, windows, windows demo, gui-smoke, fuzz --ci, docs -D warnings, latest-deps\n  \
         test         all tests (installs or names the system packages and creates the\n               \
         Python venv the interop tests need)\n  \
         python       create or refresh the Python venv (.venv)\n  \
         wheel        the Python wheel tk_auth (crates/tk-auth-py), with maturin, into target/wheels\n  \
         python-tests [PYTEST ARGS…]: the wheel installed into .venv and its pytest tests run\n  \
         python-bench the wheel's benchmark rows (TK_CORE_PATH: against tk-core itself)\n  \
         deps         cargo-deny (licences, bans, sources) and cargo-machete\n  \
         latest-deps  clippy and the libraries' tests after `cargo update` (Cargo.lock restored)\n  \
         build-times  cold build time of each crate, each in a fresh target folder\n  \
         bench        benchmarks with ratios against baselines measured in the same run\n               \
         (`bench gui [--no-builds]`: only the login window's rows)\n  \
         gui-smoke    [--windows]: the login window under Xvfb, typed through, light and dark; screenshots\n               in target/gui-smoke (--windows: the Windows build under Wine too)\n  \
         fuzz         [TARGET…] [--time S] [--ci]: coverage-guided fuzzing, 60 s (--ci: 20 s) per target\n  \
         windows      [demo]: the Windows build's tests under Wine (demo: `tk-auth.exe demo` under Wine)\n  \
         dist         [--target TRIPLE]…: release archives of the command for Linux and Windows,\n               \
         with SHA256SUMS, in target/dist\n  \
         package      [--no-verify]: `cargo package` of the library crates, each built from its\n               \
         package\n  \
         macos-check  cargo check of the libraries and the command for both macOS targets"
    );
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// An environment variable of the process. xtask reads its few variables directly: it is
/// built before anything else in CI and stays free of the workspace's libraries.
fn var(name: &str) -> Option<String> {
    #[expect(
        clippy::disallowed_methods,
        reason = "xtask is a build tool outside the libraries' env module"
    )]
    std::env::var(name).ok()
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` in the workspace.
fn target_dir() -> PathBuf {
    var("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn cargo() -> Command {
    let mut cmd = Command::new(var("CARGO").unwrap_or_else(|| "cargo".into()));
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

fn test(extra: &[String]) -> Result<()> {
    system::ensure_packages()?;
    let python = python::env()?;
    run(cargo()
        .args(["test", "--locked", "--workspace", "--all-features"])
        .args(extra)
        .env("TK_AUTH_PYTHON", python))
}

fn ci() -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--locked",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    deps::check()?;
    // The libraries as crates.io would receive them, and the code as macOS compiles it.
    package::check(&["--no-verify".to_owned()])?;
    macos::check()?;
    test(&[])?;
    // The Python wheel: built with maturin, installed into the venv, its pytest tests run.
    python::tests(&[])?;
    // The crates a Windows workstation runs, built for Windows and tested under Wine; and
    // the command's demo there, to the end.
    windows::test()?;
    windows::demo()?;
    // The login window in a real window: log in, two-factor code, renewal, approval page.
    gui::smoke(&[])?;
    // Every reader of outside data, fuzzed briefly: a crash fails CI.
    fuzz::fuzz(&["--ci".to_owned()])?;
    run(cargo()
        .args([
            "doc",
            "--locked",
            "--workspace",
            "--no-deps",
            "--all-features",
        ])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    // Last, as it changes `Cargo.lock` for its duration: the same checks against the newest
    // compatible dependencies, which is what a program depending on tk-auth resolves.
    latest_deps::check()
}

fn bench(extra: &[String]) -> Result<()> {
    // `cargo xtask bench gui [--no-builds]`: only the login window's rows.
    if extra.first().is_some_and(|a| a == "gui") {
        system::ensure_packages()?;
        return gui::bench_rows(!extra.iter().any(|a| a == "--no-builds"));
    }
    let python = python::env()?;
    run(cargo()
        .args(["bench", "--locked", "--workspace"])
        .args(extra)
        .env("TK_AUTH_PYTHON", python))?;
    system::ensure_packages()?;
    gui::bench_rows(true)
}
