//! The `tk-auth` command as whole processes, side by side with Python tk-core doing the same
//! in the same run (no absolute timings are asserted anywhere):
//!
//! - `tk-auth status --json` and `tk-auth payload export` on a stored session, against
//!   `serialize_user(ShotgunAuthenticator().get_default_user())`: median wall times and
//!   peak memory (goals: 300 times faster, under 12 MiB);
//! - `tk-auth login --password-stdin` against the site emulator, against tk-core's
//!   `create_session_user(login, password=…, host=…)` (goal: 100 times faster).
//!
//! The two sides run paired, in turns — one Python run, then `RUST_PER_PAIR` runs of
//! `tk-auth`, `RUNS` times — so that a burst of load on the machine falls on both; each
//! side's median is over all of its runs.
//!
//! Python rows are skipped, saying why, unless `TK_CORE_PATH` names tk-core (or its `python`
//! folder) and a Python interpreter is found (`TK_AUTH_PYTHON`, else the workspace's
//! `.venv`). Peak memory is the child's `ru_maxrss`, read by a small Python parent.
#![allow(clippy::print_stdout, reason = "a benchmark reports")]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

/// Measured pairs, after one unmeasured run of each side.
const RUNS: usize = 15;
/// Runs of `tk-auth` in each pair: a few milliseconds each, so more of them steady its
/// median at no cost.
const RUST_PER_PAIR: usize = 5;
const PASSWORD: &str = "bench-password";
const TK_AUTH: &str = env!("CARGO_BIN_EXE_tk-auth");

/// What Python does for both read rows, as one process. argv: the tk-core folder.
const PYTHON_EXPORT: &str = "import sys\n\
sys.path[:0] = [sys.argv[1], sys.argv[1] + '/python']\n\
from tank.authentication import ShotgunAuthenticator, serialize_user\n\
sys.stdout.write(serialize_user(ShotgunAuthenticator().get_default_user(), use_json=True))\n";

/// A password login as one Python process. argv: tk-core folder, site, login; the password
/// on stdin.
const PYTHON_LOGIN: &str = "import sys\n\
sys.path[:0] = [sys.argv[1], sys.argv[1] + '/python']\n\
from tank.authentication import ShotgunAuthenticator\n\
password = sys.stdin.readline().rstrip('\\r\\n')\n\
user = ShotgunAuthenticator().create_session_user(sys.argv[3], password=password, host=sys.argv[2])\n\
print(repr(user))\n";

/// Runs argv[1:] with the parent's stdin, its output discarded, and prints the child's peak
/// resident memory in KiB; fails when the child fails.
const PEAK_RSS: &str = "import resource, subprocess, sys\n\
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n\
if done.returncode != 0:\n    sys.exit('failed: ' + done.stderr.decode(errors='replace'))\n\
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n";

/// A Python interpreter and tk-core, or why the Python side cannot run.
struct Python {
    interpreter: PathBuf,
    core: Option<String>,
}

impl Python {
    fn find() -> Result<PathBuf, String> {
        if let Some(p) = tk_auth::Env::process().var(tk_auth::env::TK_AUTH_PYTHON) {
            return Ok(p.into());
        }
        let venv = tk_auth_test_support::workspace_root().join(".venv/bin/python");
        if venv.exists() {
            Ok(venv)
        } else {
            Err("no Python: set TK_AUTH_PYTHON or run `cargo xtask python`".to_owned())
        }
    }

    /// tk-core, when `TK_CORE_PATH` names an importable one; else why not.
    fn core(&self) -> Result<&str, String> {
        self.core
            .as_deref()
            .ok_or_else(|| "TK_CORE_PATH is not set".to_owned())
    }
}

fn python() -> Result<Python, String> {
    let interpreter = Python::find()?;
    let core = match tk_auth::Env::process().var(tk_auth::env::TK_CORE_PATH) {
        None => None,
        Some(core) => {
            let importable = Command::new(&interpreter)
                .args([
                    "-c",
                    "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/python']; import tank.authentication",
                ])
                .arg(&core)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !importable {
                return Err(format!(
                    "tk-core in TK_CORE_PATH ({core}) is not importable with {}",
                    interpreter.display()
                ));
            }
            Some(core)
        }
    };
    Ok(Python { interpreter, core })
}

/// A `SHOTGUN_HOME` with one stored session, written by Python (the `cached_session` case of
/// the command's Python-compatibility fixtures).
fn stored_session() -> tempfile::TempDir {
    let from = tk_auth_test_support::fixture(
        env!("CARGO_MANIFEST_DIR"),
        "python-compat/payload_export/cached_session/SHOTGUN_HOME",
    );
    let home = tempfile::tempdir().expect("a temporary SHOTGUN_HOME");
    copy_tree(&from, home.path());
    home
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("the fixture folder") {
        let entry = entry.expect("a fixture entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("a folder");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a fixture file");
        }
    }
}

/// A command isolated from the machine's settings, with `home` as `SHOTGUN_HOME`.
fn isolated(program: &Path, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env("SHOTGUN_HOME", home)
        .env("HOME", home)
        .env("NO_PROXY", "*");
    for name in [
        "TK_AUTH_STORE",
        "TK_AUTH_LOG",
        "RUST_LOG",
        "TK_AUTH_PROMPT",
        "TK_AUTH_NONINTERACTIVE",
        "SGTK_PREFERENCES_LOCATION",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
    ] {
        command.env_remove(name);
    }
    command
}

/// One run: its wall time from spawn to exit. Panics when it fails, so that a broken side
/// is never timed.
fn run_once(mut command: Command, stdin: &str) -> Duration {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("the process starts");
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(stdin.as_bytes())
        .expect("stdin is written");
    let output = child.wait_with_output().expect("the process ends");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn median_of(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The medians of both sides run in turns (see the module documentation); `python` is
/// `None` when that side is skipped.
fn paired(
    rust: impl Fn() -> Command,
    python: Option<&dyn Fn() -> Command>,
    stdin: &str,
) -> (Duration, Option<Duration>) {
    run_once(rust(), stdin);
    if let Some(py) = python {
        run_once(py(), stdin);
    }
    let (mut rust_times, mut python_times) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        if let Some(py) = python {
            python_times.push(run_once(py(), stdin));
        }
        rust_times.extend((0..RUST_PER_PAIR).map(|_| run_once(rust(), stdin)));
    }
    let python_time = python.map(|_| median_of(python_times));
    (median_of(rust_times), python_time)
}

/// The peak resident memory of one run of `command`, in MiB, measured by a Python parent.
fn peak_mib(python: &Path, command: &Command, stdin: &str) -> Result<f64, String> {
    let mut parent = Command::new(python);
    parent
        .args(["-c", PEAK_RSS])
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => parent.env(name, value),
            None => parent.env_remove(name),
        };
    }
    let mut child = parent
        .spawn()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes())
            .map_err(|e| format!("writing stdin: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let kib: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("reading the peak: {e}"))?;
    Ok(kib / 1024.0)
}

fn memory(python: Option<&Path>, command: &Command, stdin: &str) -> String {
    match python.map(|p| peak_mib(p, command, stdin)) {
        Some(Ok(mib)) => format!("{mib:.1} MiB"),
        Some(Err(why)) => format!("? MiB ({why})"),
        None => "? MiB (no Python to measure it)".to_owned(),
    }
}

/// `tk-auth ARGS` on a stored session, against Python's export of the same session.
fn read_row(name: &str, args: &[&str], python: &Result<Python, String>) {
    let home = stored_session();
    let rust = || {
        let mut command = isolated(Path::new(TK_AUTH), home.path());
        command.args(args);
        command
    };
    let interpreter = python.as_ref().ok().map(|p| p.interpreter.as_path());
    let core = python.as_ref().map_err(Clone::clone).and_then(|p| p.core());
    let py = |core: &str| {
        let mut command = isolated(interpreter.unwrap_or(Path::new("python3")), home.path());
        command.args(["-c", PYTHON_EXPORT, core]);
        command
    };
    let python_command = core.as_ref().ok().map(|core| move || py(core));
    let (rust_time, python_time) = paired(
        rust,
        python_command.as_ref().map(|c| c as &dyn Fn() -> Command),
        "",
    );
    let rust_memory = memory(interpreter, &rust(), "");
    let runs = RUNS * RUST_PER_PAIR;
    match (python_time, &python_command, &core) {
        (Some(py_time), Some(py), _) => println!(
            "{name}: tk-auth {rust_time:?}, {rust_memory}; Python tk-core {py_time:?}, {} \
             (medians of {runs} and {RUNS}, in turns): {:.0}x faster (goal >= 300x, < 12 MiB)",
            memory(interpreter, &py(), ""),
            py_time.as_secs_f64() / rust_time.as_secs_f64()
        ),
        (_, _, Err(why)) => println!(
            "{name}: tk-auth {rust_time:?}, {rust_memory} (median of {runs}); Python side \
             skipped ({why}) (goal >= 300x faster, < 12 MiB)"
        ),
        _ => unreachable!("a Python command whenever tk-core is found"),
    }
}

/// Whether this build of `tk-auth` has a `login` command.
fn has_login_command() -> bool {
    Command::new(TK_AUTH)
        .args(["login", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `tk-auth login --password-stdin` against Python's `create_session_user`, each in a fresh
/// `SHOTGUN_HOME`, on the same emulator.
fn login_row(python: &Result<Python, String>) {
    const ROW: &str = "tk-auth login --password-stdin vs Python create_session_user";
    if !has_login_command() {
        println!("{ROW}: skipped (this build of tk-auth has no `login` command)");
        return;
    }
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", PASSWORD))
        .app_session_launcher(false)
        .start()
        .expect("the emulator starts");
    let stdin = format!("{PASSWORD}\n");
    let homes: Vec<tempfile::TempDir> = (0..=RUNS * (RUST_PER_PAIR + 1) + 4)
        .map(|_| tempfile::tempdir().expect("a temporary SHOTGUN_HOME"))
        .collect();
    let next = std::cell::Cell::new(0);
    let fresh_home = || {
        let home = homes[next.get() % homes.len()].path().to_path_buf();
        next.set(next.get() + 1);
        // Each login starts from nothing stored.
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).expect("a fresh SHOTGUN_HOME");
        home
    };
    let rust = || {
        let mut command = isolated(Path::new(TK_AUTH), &fresh_home());
        command.args([
            "login",
            "--site",
            site.url(),
            "--login",
            "alice",
            "--password-stdin",
        ]);
        command
    };
    let interpreter = python.as_ref().ok().map(|p| p.interpreter.as_path());
    let core = python.as_ref().map_err(Clone::clone).and_then(|p| p.core());
    let py = |core: &str| {
        let mut command = isolated(interpreter.unwrap_or(Path::new("python3")), &fresh_home());
        command.args(["-c", PYTHON_LOGIN, core, site.url(), "alice"]);
        command
    };
    let python_command = core.as_ref().ok().map(|core| move || py(core));
    let (rust_time, python_time) = paired(
        rust,
        python_command.as_ref().map(|c| c as &dyn Fn() -> Command),
        &stdin,
    );
    let rust_memory = memory(interpreter, &rust(), &stdin);
    let runs = RUNS * RUST_PER_PAIR;
    match (python_time, &core) {
        (Some(py_time), _) => println!(
            "{ROW}: tk-auth {rust_time:?}, {rust_memory}; Python tk-core {py_time:?} \
             (medians of {runs} and {RUNS}, in turns): {:.0}x faster (goal >= 100x); \
             token generations: {}",
            py_time.as_secs_f64() / rust_time.as_secs_f64(),
            site.calls("get_session_token")
        ),
        (None, Err(why)) => println!(
            "{ROW}: tk-auth {rust_time:?}, {rust_memory} (median of {runs}); Python side \
             skipped ({why}) (goal >= 100x)"
        ),
        (None, Ok(_)) => unreachable!("a Python time whenever tk-core is found"),
    }
}

fn main() {
    let python = python();
    read_row("tk-auth status --json", &["status", "--json"], &python);
    read_row("tk-auth payload export", &["payload", "export"], &python);
    login_row(&python);
}
