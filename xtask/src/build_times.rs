//! `cargo xtask build-times`: how long a cold build of each crate takes, each in a fresh
//! target folder, so that a program embedding one crate knows what it pays.
//!
//! The machine may be shared, so beside the wall time the table shows the CPU time (user +
//! system) of the build processes, which load from others does not inflate.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, var, workspace_root};

/// What is built: a label and the arguments after `cargo build`. Each builds in this
/// workspace, with its profile; [`DOWNSTREAM`] adds a program of its own that uses a library.
const BUILDS: &[(&str, &[&str])] = &[
    ("tk-auth-core", &["-p", "tk-auth-core"]),
    ("tk-auth-http", &["-p", "tk-auth-http"]),
    ("tk-auth-defaults", &["-p", "tk-auth-defaults"]),
    ("tk-auth-cli", &["-p", "tk-auth-cli"]),
    (
        "tk-auth-cli --no-default-features",
        &["-p", "tk-auth-cli", "--no-default-features"],
    ),
];

/// Libraries also built as the dependency of a new program outside this workspace, with
/// cargo's default profile: what a program embedding only that library pays. Each is the
/// crate's package name and its folder.
const DOWNSTREAM: &[(&str, &str)] = &[("tk-auth-core", "crates/auth-core")];

/// Builds each crate cold and prints a table. `[NAME…]` limits it to builds whose label
/// starts with one of the names.
pub(crate) fn report(filter: &[String]) -> Result<()> {
    let chosen: Vec<_> = BUILDS
        .iter()
        .filter(|(label, _)| filter.is_empty() || filter.iter().any(|f| label.starts_with(f)))
        .collect();
    let downstream: Vec<_> = DOWNSTREAM
        .iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.starts_with(f)))
        .collect();
    if chosen.is_empty() && downstream.is_empty() {
        bail!("no build matches {filter:?}");
    }
    let mut rows = Vec::new();
    for (name, folder) in downstream {
        let label = format!("a new program using {name} (default profile)");
        let (wall, cpu) =
            program_using(name, folder).with_context(|| format!("building {label}"))?;
        eprintln!("xtask: {label}: {wall:.1?} wall, {cpu:.1?} CPU");
        rows.push((label, wall, cpu, tree_size(&["-p", name])?));
    }
    for (label, args) in chosen {
        let target = std::env::temp_dir().join(format!(
            "tk-auth-build-times-{}-{}",
            std::process::id(),
            label.replace(' ', "")
        ));
        let outcome = measure(args, &target);
        let _ = std::fs::remove_dir_all(&target);
        let (wall, cpu) = outcome.with_context(|| format!("building {label}"))?;
        let tree = tree_size(args)?;
        eprintln!("xtask: {label}: {wall:.1?} wall, {cpu:.1?} CPU");
        rows.push(((*label).to_owned(), wall, cpu, tree));
    }
    println!(
        "| build (dev profile, cold) | wall s | CPU s (user+sys) | `cargo tree -e normal` lines |"
    );
    println!("|---|---:|---:|---:|");
    for (label, wall, cpu, tree) in &rows {
        println!(
            "| {label} | {:.1} | {:.1} | {tree} |",
            wall.as_secs_f64(),
            cpu.as_secs_f64()
        );
    }
    Ok(())
}

pub(crate) fn measure(args: &[&str], target: &Path) -> Result<(Duration, Duration)> {
    let _ = std::fs::remove_dir_all(target);
    let mut build = cargo();
    build
        .args(["build", "--locked", "--quiet"])
        .args(args)
        .arg("--target-dir")
        .arg(target);
    timed(&mut build)
}

/// A program of its own, in a temporary folder, whose only dependency is the library at
/// `folder`; its lock file starts as a copy of the workspace's, so versions are the same.
fn program_using(name: &str, folder: &str) -> Result<(Duration, Duration)> {
    let dir = std::env::temp_dir().join(format!(
        "tk-auth-build-times-{}-program-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src"))?;
    let library = workspace_root().join(folder);
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"program\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n{name} = {{ path = {:?} }}\n\n[workspace]\n",
            library.display().to_string()
        ),
    )?;
    let crate_name = name.replace('-', "_");
    std::fs::write(
        dir.join("src/main.rs"),
        format!("use {crate_name} as _;\n\nfn main() {{}}\n"),
    )?;
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let mut build = Command::new(var("CARGO").unwrap_or_else(|| "cargo".into()));
    // `--offline`, not `--locked`: cargo drops the workspace's other packages from the copied
    // lock file, and nothing may be downloaded or upgraded meanwhile.
    build
        .args(["build", "--offline", "--quiet", "--target-dir"])
        .arg(dir.join("target"))
        .current_dir(&dir);
    let outcome = timed(&mut build);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// Runs a build to its end; returns its wall time and the CPU time of its processes.
fn timed(build: &mut Command) -> Result<(Duration, Duration)> {
    let before = children_cpu();
    let start = Instant::now();
    let status = build.status().context("could not start cargo")?;
    let wall = start.elapsed();
    if !status.success() {
        bail!("cargo build failed with {status}");
    }
    let cpu = children_cpu()
        .zip(before)
        .map_or(Duration::ZERO, |(after, before)| {
            after.saturating_sub(before)
        });
    Ok((wall, cpu))
}

/// `cargo tree -e normal` line count: how many dependency edges a user of the crate gets.
fn tree_size(args: &[&str]) -> Result<usize> {
    let out = cargo()
        .args(["tree", "--locked", "-e", "normal"])
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo tree")?;
    if !out.status.success() {
        bail!("cargo tree failed with {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().count())
}

/// CPU time of every finished child process (and their waited-for descendants), read from
/// `/proc/self/stat` (fields `cutime` and `cstime`, in clock ticks). `None` off Linux.
fn children_cpu() -> Option<Duration> {
    // The kernel's USER_HZ: 100 on every Linux architecture Rust supports.
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are
    // plain numbers, `cutime` and `cstime` being the 14th and 15th of them.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(Duration::from_millis(
        (cutime + cstime) * 1000 / TICKS_PER_SECOND,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn children_cpu_time_grows_after_a_busy_child() {
        let before = children_cpu().unwrap();
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let after = children_cpu().unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
    }
}
