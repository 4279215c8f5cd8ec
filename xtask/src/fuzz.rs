//! `cargo xtask fuzz [TARGET…] [--time S] [--ci]`: coverage-guided fuzzing with libFuzzer.
//!
//! The harnesses live in `fuzz/` (its own workspace, laid out as cargo-fuzz expects). They are
//! built here with the flags cargo-fuzz uses (sanitizer coverage, debug assertions, overflow
//! checks, `--cfg fuzzing`), on the nightly toolchain when one is installed, which saves
//! installing cargo-fuzz itself (several minutes of compiling). Seeds are copied at run time
//! from the crates' test fixtures into `fuzz/corpus/<target>/`, which libFuzzer then grows.
//! Each input is limited to 2 s and 256 MiB; a crash leaves its input in
//! `fuzz/artifacts/<target>/` and fails the task.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{run, workspace_root};

/// Every target, with what it reads.
const TARGETS: &[(&str, &str)] = &[
    ("payload", "serialized users, JSON and pickle"),
    ("session_file", "authentication.yml session files"),
    (
        "session_file_update",
        "authentication.yml session files, then a write",
    ),
    ("toolkit_ini", "toolkit.ini settings"),
    ("cookies", "encoded web-login cookie jars"),
    ("url_proxy", "site URLs and proxy strings"),
];

/// Seconds per target for `--ci`.
const CI_SECONDS: u64 = 20;

/// Seconds per target otherwise, unless `--time` says.
const DEFAULT_SECONDS: u64 = 60;

pub(crate) fn fuzz(args: &[String]) -> Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ci" => seconds = CI_SECONDS,
            "--time" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .context("--time takes a number of seconds")?;
            }
            name if TARGETS.iter().any(|(t, _)| *t == name) => targets.push(name.to_owned()),
            other => bail!(
                "unknown fuzz target or option `{other}`; targets: {}",
                TARGETS
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|(t, _)| (*t).to_owned()).collect();
    }
    let toolchain = toolchain()?;
    let fuzz_dir = workspace_root().join("fuzz");
    let started = Instant::now();
    build(&fuzz_dir, &toolchain)?;
    eprintln!(
        "xtask: built the fuzz targets with {toolchain} in {} s",
        started.elapsed().as_secs()
    );
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = copy_seeds(target, &corpus)?;
        let outcome = run_target(&fuzz_dir, target, &corpus, seconds)?;
        if !outcome.success {
            failed.push(target.clone());
        }
        results.push((target.clone(), seeds, outcome));
    }
    eprintln!("\nxtask: fuzzing summary ({seconds} s per target, coverage-guided libFuzzer)");
    eprintln!(
        "{:<20} {:>6} {:>12} {:>7} {:>7} {:>14} {:>8}  result",
        "target", "seeds", "executions", "cov", "ft", "corpus", "rss MiB"
    );
    for (target, seeds, o) in &results {
        eprintln!(
            "{target:<20} {seeds:>6} {:>12} {:>7} {:>7} {:>14} {:>8}  {}",
            o.executions,
            o.cov,
            o.ft,
            o.corpus,
            o.rss_mb,
            if o.success {
                "no crash".to_owned()
            } else {
                format!("CRASH, see fuzz/artifacts/{target}/")
            }
        );
    }
    eprintln!("total time: {} s", started.elapsed().as_secs());
    if !failed.is_empty() {
        bail!("fuzzing found crashes in: {}", failed.join(", "));
    }
    Ok(())
}

/// `+nightly` when a nightly toolchain is installed (sanitizer coverage is built the way
/// cargo-fuzz builds it), otherwise the default toolchain, whose stable `-C passes` and
/// `-C llvm-args` give the same coverage.
fn toolchain() -> Result<String> {
    let output = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .context("could not run `rustup toolchain list`")?;
    let list = String::from_utf8_lossy(&output.stdout);
    Ok(if list.lines().any(|l| l.starts_with("nightly")) {
        "nightly".to_owned()
    } else {
        "stable".to_owned()
    })
}

fn host_triple() -> Result<String> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .context("could not run `rustc -vV`")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("`rustc -vV` names no host")
}

fn binary(fuzz_dir: &Path, target: &str) -> Result<PathBuf> {
    Ok(fuzz_dir
        .join("target")
        .join(host_triple()?)
        .join("release")
        .join(target))
}

/// Builds every target with cargo-fuzz's instrumentation. `--target` keeps the flags off
/// build scripts and proc macros, as cargo-fuzz does.
fn build(fuzz_dir: &Path, toolchain: &str) -> Result<()> {
    let rustflags = [
        "-Cpasses=sancov-module",
        "-Cllvm-args=-sanitizer-coverage-level=4",
        "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
        "-Cllvm-args=-sanitizer-coverage-pc-table",
        "-Cllvm-args=-sanitizer-coverage-trace-compares",
        "--cfg",
        "fuzzing",
        "-Cdebug-assertions",
        "-Coverflow-checks",
        "-Cforce-frame-pointers",
    ]
    .join(" ");
    let mut cmd = Command::new("cargo");
    cmd.arg(format!("+{toolchain}"))
        .args(["build", "--release", "--bins", "--locked", "--target"])
        .arg(host_triple()?)
        .current_dir(fuzz_dir)
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_TARGET_DIR");
    run(&mut cmd)
}

/// Copies the crates' fixtures that suit `target` into its corpus folder; how many.
fn copy_seeds(target: &str, corpus: &Path) -> Result<usize> {
    fs::create_dir_all(corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "docs/examples"] {
        walk(&root.join(dir), &mut files);
    }
    let mut count = 0;
    for (i, path) in files.iter().enumerate() {
        let text = path.to_string_lossy();
        if !text.contains("fixtures") && !text.contains("docs/examples") {
            continue;
        }
        let name = path.file_name().and_then(OsStr::to_str).unwrap_or_default();
        let ext = path.extension().and_then(OsStr::to_str).unwrap_or_default();
        let seeds: Vec<Vec<u8>> = match target {
            "payload" if text.contains("/payloads/") || matches!(ext, "pickle" | "pickle0") => {
                fs::read(path).into_iter().collect()
            }
            "session_file" | "session_file_update" if matches!(ext, "yml" | "yaml") => {
                fs::read(path).into_iter().collect()
            }
            "toolkit_ini" if ext == "ini" => fs::read(path).into_iter().collect(),
            "cookies" if ext == "b64" => fs::read(path).into_iter().collect(),
            "cookies" if name == "manifest.json" && text.contains("cookies") => {
                manifest_strings(path)
            }
            "url_proxy" if name == "manifest.json" && text.contains("url_proxy") => {
                manifest_strings(path)
            }
            _ => continue,
        };
        for (j, seed) in seeds.into_iter().enumerate() {
            if seed.len() > (1 << 20) {
                continue;
            }
            fs::write(corpus.join(format!("seed-{i}-{j}-{name}")), seed)?;
            count += 1;
        }
    }
    if count == 0 {
        bail!("no seeds found for {target} in the crates' fixtures");
    }
    Ok(count)
}

/// Every file below `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The string inputs of a vector manifest's cases.
fn manifest_strings(path: &Path) -> Vec<Vec<u8>> {
    let Ok(bytes) = fs::read(path) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for case in manifest["cases"].as_array().into_iter().flatten() {
        if let Some(inputs) = case["inputs"].as_object() {
            for value in inputs.values() {
                if let Some(s) = value.as_str() {
                    out.push(s.as_bytes().to_vec());
                }
            }
        }
    }
    out
}

/// What one libFuzzer run reported.
#[derive(Default)]
struct Outcome {
    success: bool,
    executions: String,
    cov: String,
    ft: String,
    corpus: String,
    rss_mb: String,
}

fn run_target(fuzz_dir: &Path, target: &str, corpus: &Path, seconds: u64) -> Result<Outcome> {
    let artifacts = fuzz_dir.join("artifacts").join(target);
    fs::create_dir_all(&artifacts)?;
    let mut cmd = Command::new(binary(fuzz_dir, target)?);
    cmd.arg(corpus)
        .arg(format!("-max_total_time={seconds}"))
        .args(["-timeout=2", "-rss_limit_mb=256", "-print_final_stats=1"])
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .stderr(Stdio::piped());
    eprintln!("xtask: fuzzing {target} for {seconds} s");
    let output = cmd
        .output()
        .with_context(|| format!("could not run the {target} fuzz target"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    let log_path = fuzz_dir.join("artifacts").join(format!("{target}.log"));
    fs::write(&log_path, log.as_bytes())?;
    let mut outcome = Outcome {
        success: output.status.success(),
        ..Outcome::default()
    };
    for line in log.lines() {
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units: ") {
            n.clone_into(&mut outcome.executions);
        }
        if let Some(n) = line.strip_prefix("stat::peak_rss_mb: ") {
            n.clone_into(&mut outcome.rss_mb);
        }
        // `#123 DONE cov: 456 ft: 789 corp: 12/34b …`, or the last progress line.
        if line.starts_with('#') && line.contains("cov: ") {
            let field = |name: &str| {
                line.split_whitespace()
                    .skip_while(|w| *w != name)
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned()
            };
            outcome.cov = field("cov:");
            outcome.ft = field("ft:");
            outcome.corpus = field("corp:");
        }
    }
    if !outcome.success {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    }
    eprintln!("xtask: the full log is {}", log_path.display());
    Ok(outcome)
}
