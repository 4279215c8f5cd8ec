//! `cargo xtask windows`: the workspace cross-built for Windows and its tests run under Wine.
//!
//! The test programs of the crates that run on artists' Windows machines are built for
//! `x86_64-pc-windows-gnu` (mingw's linker) and run one by one under Wine, each in the same
//! Wine prefix under `target/wine`. The site emulator runs inside the same Windows test
//! programs, so the tests talk to it over Wine's real sockets. Tests that cannot run on
//! Windows are `#[ignore]`d there with a reason (`#[cfg_attr(windows, ignore = "…")]`): an
//! ignored test without a reason fails this task, as does any failed test — except one whose
//! whole failure is Wine failing to start a process, which is run once more alone, counted
//! by that run and reported (`windows/rerun.rs`).
//!
//! Wine 8 lacks `bcryptprimitives.dll`, from which Rust's standard library takes random
//! numbers; a small stand-in (`windows/bcryptprimitives.c`) is built with mingw and put next
//! to the programs. It is build output, never committed or shipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{cargo, run, system, target_dir};

mod rerun;

/// The Rust target the Windows programs are built for.
pub(crate) const TARGET: &str = "x86_64-pc-windows-gnu";

/// The crates whose tests run under Wine: those a Windows workstation runs.
const CRATES: &[&str] = &[
    "tk-auth-core",
    "tk-auth-defaults",
    "tk-auth-http",
    "tk-auth",
    "tk-auth-cli",
];

const SHIM_SOURCE: &str = include_str!("windows/bcryptprimitives.c");

/// What one crate's test programs reported.
#[derive(Default)]
struct Tally {
    passed: u32,
    failed: u32,
    ignored: u32,
    /// Ignored tests with the reason each gives (empty when it gives none).
    ignored_tests: Vec<(String, String)>,
    failures: Vec<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.ignored_tests.extend(other.ignored_tests);
        self.failures.extend(other.failures);
    }
}

/// Test programs that change what the others read (the user's proxy settings in the
/// registry): they run alone, after the rest.
const ALONE: &[&str] = &["windows_registry"];

/// How many test programs run at once: Wine spends much of its time waiting, and each
/// program runs its own tests on several threads.
const AT_ONCE: usize = 2;

/// Builds the listed crates' tests for Windows and runs them under Wine.
pub(crate) fn test() -> Result<()> {
    let wine = prepare()?;
    let programs = build_tests()?;
    let prefix = wine_prefix(&wine)?;
    let shim = build_shim()?;
    for (_, exe) in &programs {
        place_shim(&shim, exe)?;
    }
    let alone = |exe: &Path| {
        exe.file_name()
            .is_some_and(|n| ALONE.iter().any(|a| n.to_string_lossy().starts_with(a)))
    };
    let (last, first): (Vec<_>, Vec<_>) = programs.iter().partition(|(_, exe)| alone(exe));
    let mut results = run_together(&wine, &prefix, &first, AT_ONCE)?;
    results.extend(run_together(&wine, &prefix, &last, 1)?);
    stop_wineserver(&wine, &prefix);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for (krate, tally) in results {
        tallies.entry(krate).or_default().add(tally);
    }
    report(&tallies)
}

/// Runs `programs`, `at_once` at a time; each result with its crate.
fn run_together(
    wine: &Path,
    prefix: &Path,
    programs: &[&(String, PathBuf)],
    at_once: usize,
) -> Result<Vec<(String, Tally)>> {
    let next = std::sync::Mutex::new(programs.iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..at_once)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let Some((krate, exe)) = next.lock().expect("not poisoned").next() else {
                            return Ok(());
                        };
                        let mut tally = Tally::default();
                        run_test_program(wine, prefix, exe, &mut tally)?;
                        results
                            .lock()
                            .expect("not poisoned")
                            .push((krate.clone(), tally));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("a runner thread does not panic"))
    })?;
    Ok(results.into_inner().expect("not poisoned"))
}

/// The Windows build of the command, run under Wine: `cargo xtask windows demo` runs
/// `tk-auth.exe demo --non-interactive` to the end against the embedded emulator.
pub(crate) fn demo() -> Result<()> {
    let wine = prepare()?;
    run(cargo().args(["build", "--locked", "--target", TARGET, "-p", "tk-auth-cli"]))?;
    let exe = target_dir().join(TARGET).join("debug").join("tk-auth.exe");
    let prefix = wine_prefix(&wine)?;
    place_shim(&build_shim()?, &exe)?;
    let home = tempdir_in_target("windows-demo")?;
    let status = wine_command(&wine, &prefix)
        .arg(&exe)
        .args(["demo", "--non-interactive"])
        .env("SHOTGUN_HOME", &home)
        .status()
        .context("could not start Wine")?;
    stop_wineserver(&wine, &prefix);
    if !status.success() {
        bail!("tk-auth.exe demo --non-interactive failed under Wine with {status}");
    }
    eprintln!("xtask: tk-auth.exe demo --non-interactive ran to the end under Wine");
    Ok(())
}

/// The Rust target, mingw and Wine: installed when missing (as the other system packages).
pub(crate) fn prepare() -> Result<PathBuf> {
    system::ensure_windows_packages()?;
    system::ensure_rust_targets(&[TARGET])?;
    system::wine_program().context("Wine is installed but its `wine64` program was not found")
}

/// Builds the test programs and returns each with the crate it tests.
fn build_tests() -> Result<Vec<(String, PathBuf)>> {
    let mut cmd = cargo();
    cmd.args(["test", "--no-run", "--locked", "--target", TARGET])
        .args(CRATES.iter().flat_map(|c| ["-p", c]))
        .args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped());
    eprintln!("xtask: running {cmd:?}");
    let output = cmd.output().context("could not start cargo")?;
    if !output.status.success() {
        bail!("building the tests for Windows failed");
    }
    let mut programs = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = message["profile"]["test"].as_bool() == Some(true);
        let (Some(exe), Some(name)) = (
            message["executable"].as_str(),
            message["package_id"].as_str(),
        ) else {
            continue;
        };
        if is_test {
            programs.push((package_name(name), PathBuf::from(exe)));
        }
    }
    if programs.is_empty() {
        bail!("cargo built no Windows test programs");
    }
    Ok(programs)
}

/// The package name in a cargo package id: `path+file:///…/auth-core#tk-auth-core@0.1.0`, or
/// `path+file:///…/tk-auth#0.1.0` when the folder has the package's name.
fn package_name(id: &str) -> String {
    let (source, tail) = id.rsplit_once('#').unwrap_or((id, ""));
    match tail.split_once('@') {
        Some((name, _)) => name.to_owned(),
        None => source.rsplit('/').next().unwrap_or(source).to_owned(),
    }
}

fn tempdir_in_target(name: &str) -> Result<PathBuf> {
    let dir = target_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("could not empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    Ok(dir)
}

/// The Wine prefix (`target/wine`), created on first use.
fn wine_prefix(wine: &Path) -> Result<PathBuf> {
    let prefix = target_dir().join("wine");
    if !prefix.join("system.reg").exists() {
        std::fs::create_dir_all(&prefix)?;
        eprintln!("xtask: creating the Wine prefix {}", prefix.display());
        let status = wine_command(wine, &prefix)
            .arg("wineboot")
            .arg("--init")
            .status()
            .context("could not start Wine")?;
        if !status.success() {
            bail!("wineboot --init failed with {status}");
        }
    }
    // One Wine server for every program: starting one per program costs seconds each.
    let _ = wineserver(wine, &prefix).arg("-p").status();
    Ok(prefix)
}

fn wine_command(wine: &Path, prefix: &Path) -> Command {
    let mut cmd = Command::new(wine);
    cmd.current_dir(crate::workspace_root())
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        // insta finds the snapshots from the workspace root, which it cannot ask cargo for.
        .env("INSTA_WORKSPACE_ROOT", crate::workspace_root())
        // No window may open, and the Python interop tests have no Windows Python to run.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("TK_AUTH_PYTHON");
    cmd
}

fn wineserver(wine: &Path, prefix: &Path) -> Command {
    let server = wine.with_file_name("wineserver");
    let mut cmd = Command::new(if server.exists() {
        server
    } else {
        PathBuf::from("wineserver")
    });
    cmd.env("WINEPREFIX", prefix);
    cmd
}

fn stop_wineserver(wine: &Path, prefix: &Path) {
    let _ = wineserver(wine, prefix).arg("-k").status();
}

/// Builds the `bcryptprimitives.dll` stand-in into `target/windows-shim`.
pub(crate) fn build_shim() -> Result<PathBuf> {
    let dir = target_dir().join("windows-shim");
    std::fs::create_dir_all(&dir)?;
    let source = dir.join("bcryptprimitives.c");
    std::fs::write(&source, SHIM_SOURCE)?;
    let dll = dir.join("bcryptprimitives.dll");
    run(Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O2", "-shared", "-o"])
        .arg(&dll)
        .arg(&source)
        .arg("-ladvapi32"))?;
    Ok(dll)
}

/// Puts the stand-in next to a program, and next to the command its tests start.
fn place_shim(shim: &Path, exe: &Path) -> Result<()> {
    let mut dirs = vec![exe.parent().map(Path::to_path_buf)];
    dirs.push(Some(target_dir().join(TARGET).join("debug")));
    for dir in dirs.into_iter().flatten() {
        let to = dir.join("bcryptprimitives.dll");
        if !to.exists() {
            std::fs::copy(shim, &to)
                .with_context(|| format!("could not copy the shim to {}", to.display()))?;
        }
    }
    Ok(())
}

fn run_test_program(wine: &Path, prefix: &Path, exe: &Path, tally: &mut Tally) -> Result<()> {
    let name = exe
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let start = std::time::Instant::now();
    // Into files, not pipes: Wine's own helper processes can inherit a pipe and keep it open
    // after the program ends, and a reader would wait for them.
    let logs = target_dir().join("windows-tests");
    std::fs::create_dir_all(&logs)?;
    let (out_path, err_path) = (
        logs.join(format!("{name}.stdout")),
        logs.join(format!("{name}.stderr")),
    );
    let status = wine_command(wine, prefix)
        .arg(exe)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .status()
        .with_context(|| format!("could not start {name} under Wine"))?;
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let before = (tally.passed, tally.failed);
    read_results(&stdout, &name, tally);
    let ran = tally.passed > before.0 || tally.failed > before.1;
    let reported_failures = tally.failed > before.1;
    for test in rerun::spawn_failures(&stdout) {
        if passes_alone(wine, prefix, exe, &test)? {
            eprintln!(
                "xtask: wine {name}: {test} failed because Wine could not start a process (os error 1359); it passed when run again alone"
            );
            tally.failed -= 1;
            tally.passed += 1;
            tally.failures.retain(|f| *f != format!("{name}: {test}"));
        }
    }
    eprintln!(
        "xtask: wine {name}: {} passed, {} failed, {} ignored in {:.0?}",
        tally.passed - before.0,
        tally.failed - before.1,
        tally.ignored,
        start.elapsed()
    );
    // A program whose every reported failure passed when run again has failed no test.
    let still_failing = tally.failed > before.1;
    if !status.success() && (still_failing || !reported_failures) {
        print!("{stdout}");
        eprint!("{stderr}");
        if !reported_failures {
            tally
                .failures
                .push(format!("{name}: exited with {status} before reporting"));
            tally.failed += 1;
        }
    } else if !ran && !stdout.contains("test result:") {
        bail!("{name} printed no test results under Wine:\n{stdout}{stderr}");
    }
    Ok(())
}

/// Runs one test of `exe` alone under Wine: whether it passed.
fn passes_alone(wine: &Path, prefix: &Path, exe: &Path, test: &str) -> Result<bool> {
    // Into a file, as the whole program's run is (see `run_test_program`).
    let program = exe
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let out_path = target_dir()
        .join("windows-tests")
        .join(format!("{program}.rerun.stdout"));
    let status = wine_command(wine, prefix)
        .arg(exe)
        .args([test, "--exact"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("could not run {test} again under Wine"))?;
    let mut alone = Tally::default();
    read_results(
        &std::fs::read_to_string(&out_path).unwrap_or_default(),
        test,
        &mut alone,
    );
    Ok(status.success() && alone.passed == 1 && alone.failed == 0)
}

/// Reads libtest's lines: `test NAME ... ok|FAILED|ignored[, REASON]` and the summaries.
fn read_results(stdout: &str, program: &str, tally: &mut Tally) {
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((test, outcome)) = rest.split_once(" ... ") else {
            continue;
        };
        match outcome.trim() {
            "ok" => tally.passed += 1,
            "FAILED" => {
                tally.failed += 1;
                tally.failures.push(format!("{program}: {test}"));
            }
            other if other.starts_with("ignored") => {
                tally.ignored += 1;
                let reason = other
                    .strip_prefix("ignored")
                    .unwrap_or_default()
                    .trim_start_matches(',')
                    .trim();
                tally
                    .ignored_tests
                    .push((test.to_owned(), reason.to_owned()));
            }
            _ => {}
        }
    }
}

fn report(tallies: &BTreeMap<String, Tally>) -> Result<()> {
    println!("\nWindows (x86_64-pc-windows-gnu, under Wine): tests per crate");
    println!(
        "{:<20} {:>7} {:>7} {:>22}",
        "crate", "passed", "failed", "ignored (with reason)"
    );
    let mut problems = Vec::new();
    for (krate, t) in tallies {
        println!(
            "{krate:<20} {:>7} {:>7} {:>22}",
            t.passed, t.failed, t.ignored
        );
        problems.extend(t.failures.iter().map(|f| format!("failed: {f}")));
        problems.extend(
            t.ignored_tests
                .iter()
                .filter(|(_, reason)| reason.is_empty())
                .map(|(test, _)| format!("ignored without a reason: {krate} {test}")),
        );
    }
    let mut reasons: BTreeMap<&str, u32> = BTreeMap::new();
    for (_, reason) in tallies.values().flat_map(|t| &t.ignored_tests) {
        *reasons.entry(reason.as_str()).or_default() += 1;
    }
    if !reasons.is_empty() {
        println!("\nwhy tests are ignored on Windows:");
        for (reason, count) in &reasons {
            println!("{count:>5}  {reason}");
        }
    }
    if !problems.is_empty() {
        bail!(
            "the Windows tests did not pass:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines_are_counted_with_reasons() {
        let out = "running 4 tests\n\
                   test a::b ... ok\n\
                   test a::c ... ignored, no PTY on Windows\n\
                   test a::d ... ignored\n\
                   test a::e ... FAILED\n\
                   test result: FAILED. 1 passed; 1 failed; 2 ignored\n";
        let mut tally = Tally::default();
        read_results(out, "p.exe", &mut tally);
        assert_eq!((tally.passed, tally.failed, tally.ignored), (1, 1, 2));
        assert_eq!(
            tally.ignored_tests,
            [
                ("a::c".to_owned(), "no PTY on Windows".to_owned()),
                ("a::d".to_owned(), String::new())
            ]
        );
        assert_eq!(tally.failures, ["p.exe: a::e"]);
        let mut tallies = BTreeMap::new();
        tallies.insert("x".to_owned(), tally);
        let err = report(&tallies).unwrap_err().to_string();
        assert!(err.contains("failed: p.exe: a::e"), "{err}");
        assert!(err.contains("ignored without a reason: x a::d"), "{err}");
    }

    #[test]
    fn package_names_come_from_package_ids() {
        assert_eq!(
            package_name("path+file:///w/crates/auth-core#tk-auth-core@0.1.0"),
            "tk-auth-core"
        );
        assert_eq!(
            package_name("path+file:///w/crates/tk-auth#0.1.0"),
            "tk-auth"
        );
    }
}
