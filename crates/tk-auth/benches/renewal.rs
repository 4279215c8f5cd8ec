//! Renewal and connection costs, each printed as a ratio to a baseline measured in the same
//! run (no absolute timings are asserted anywhere).
//!
//! - storm: 1,000 tasks on one expired session, from the first call to the last success, in
//!   units of one emulator round trip (goal: within 3);
//! - overhead: a call through a renewing connection against the same call on a bare client
//!   (goal: at most 2 % more);
//! - password login as a whole process against Python tk-core: the `password_login` example
//!   and `ShotgunAuthenticator().create_session_user(login, password=…, host=…)` on the same
//!   emulator, each in a fresh `SHOTGUN_HOME`, median of 11 runs (goal: 20 times faster;
//!   skipped, with the reason, unless `TK_CORE_PATH` names tk-core or its `python` folder).
#![allow(clippy::print_stdout, reason = "a benchmark reports")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tk_auth::{
    Answer, AuthOptions, Defaults, Env, ScriptedPrompter, SessionCredentials, ShotgunAuthenticator,
    SiteClient,
};
use tk_auth_http::Auth;
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

const PASSWORD: &str = "bench-password";

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", PASSWORD))
        .app_session_launcher(false)
        .start()
        .expect("the emulator starts")
}

fn authenticator(home: &std::path::Path, prompter: Arc<ScriptedPrompter>) -> ShotgunAuthenticator {
    let env = Env::from_pairs([("SHOTGUN_HOME", home.to_str().unwrap_or_default())]);
    ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).expect("defaults"),
        prompter,
        AuthOptions::new().environment(env),
    )
}

/// A session user of alice with a token the site just issued, and that token.
async fn session_user(
    auth: &ShotgunAuthenticator,
    site: &SiteEmulator,
) -> (tk_auth::ShotgunUser, String) {
    let token = site.create_session("alice").expect("a session");
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::token(token.clone()),
            Some(site.url()),
            None,
        )
        .await
        .expect("a user");
    (user, token)
}

async fn round_trip(client: &SiteClient, auth: &Auth, n: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        client
            .find_one(auth, "HumanUser", &json!([]), &["id"])
            .await
            .expect("a read");
    }
    started.elapsed() / n
}

/// 1,000 concurrent calls through `connection`; the time until the last one succeeded.
async fn storm_of(connection: &tk_auth::Connection) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let connection = connection.clone();
            tokio::spawn(async move {
                connection
                    .find_one("HumanUser", &json!([]), &["id"])
                    .await
                    .map(drop)
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task").expect("a call");
    }
    started.elapsed()
}

async fn storm() {
    let site = site();
    let home = tempfile::tempdir().expect("a temporary folder");
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(PASSWORD)]));
    let auth = authenticator(home.path(), prompter);
    let (user, token) = session_user(&auth, &site).await;
    let connection = user.create_sg_connection().expect("a connection");
    let rtt = round_trip(
        connection.site_client(),
        &Auth::session_token(token.clone()),
        200,
    )
    .await;
    // A first storm opens the connections (up to one per task) that the measured ones reuse.
    let _ = storm_of(&connection).await;
    let valid = storm_of(&connection).await;
    site.expire_session(&token);
    let storm = storm_of(&connection).await;
    // Every call of the storm is made twice (refused, then repeated): what the renewal
    // itself adds is the storm minus two storms on a valid session.
    let added = storm.saturating_sub(valid * 2);
    println!(
        "storm: 1000 tasks on an expired session {storm:?}, on a valid one {valid:?}; renewal adds {:.2} round trips beyond repeating every call (rtt {rtt:?}; goal <= 3); token generations: {}",
        added.as_secs_f64() / rtt.as_secs_f64(),
        site.calls("get_session_token")
    );
}

async fn overhead() {
    let site = site();
    let home = tempfile::tempdir().expect("a temporary folder");
    let auth = authenticator(home.path(), Arc::new(ScriptedPrompter::new([])));
    let (user, token) = session_user(&auth, &site).await;
    let connection = user.create_sg_connection().expect("a connection");
    let bare = SiteClient::new(
        site.url(),
        tk_auth::ClientOptions::new().environment(Env::empty()),
    )
    .expect("a client");
    let auth = Auth::session_token(token);
    let (mut wrapped, mut plain) = (Duration::ZERO, Duration::ZERO);
    // Alternated, so that drift in the machine's load weighs on both sides alike.
    for round in 0..20 {
        let wrapped_first = round % 2 == 0;
        if !wrapped_first {
            plain += round_trip(&bare, &auth, 100).await;
        }
        let started = Instant::now();
        for _ in 0..100 {
            connection
                .find_one("HumanUser", &json!([]), &["id"])
                .await
                .expect("a read");
        }
        wrapped += started.elapsed() / 100;
        if wrapped_first {
            plain += round_trip(&bare, &auth, 100).await;
        }
    }
    println!(
        "overhead: renewing connection {:?} per call, bare client {:?}: ratio {:.4} (goal <= 1.02)",
        wrapped / 20,
        plain / 20,
        wrapped.as_secs_f64() / plain.as_secs_f64()
    );
}

/// Runs of each side in the password login comparison.
const LOGIN_RUNS: usize = 11;

/// What Python does, as one process: tk-core's authenticator logs in with a password and
/// saves the session. argv: tk-core folder, site, login; the password on stdin.
const PYTHON_LOGIN: &str = "import sys\n\
sys.path[:0] = [sys.argv[1], sys.argv[1] + '/python']\n\
from tank.authentication import ShotgunAuthenticator\n\
password = sys.stdin.readline().rstrip('\\r\\n')\n\
user = ShotgunAuthenticator().create_session_user(sys.argv[3], password=password, host=sys.argv[2])\n\
print(repr(user))\n";

/// The Python interpreter to compare with, or why there is none.
fn python_interpreter() -> Result<std::path::PathBuf, String> {
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

/// Builds the `password_login` example (release) and returns its path.
fn password_login_example() -> Result<std::path::PathBuf, String> {
    // The cargo that built this benchmark.
    let cargo = env!("CARGO");
    let status = std::process::Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "tk-auth",
            "--example",
            "password_login",
        ])
        .status()
        .map_err(|e| format!("cargo could not run: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the password_login example failed: {status}"
        ));
    }
    // This benchmark runs from `<target>/release/deps/`; the example lands beside it.
    let exe = std::env::current_exe().map_err(|e| format!("no path for this benchmark: {e}"))?;
    let release = exe
        .parent()
        .and_then(std::path::Path::parent)
        .ok_or("this benchmark is not in a target folder")?;
    Ok(release.join("examples/password_login"))
}

/// One login process in a fresh `SHOTGUN_HOME`: its wall time, from spawn to exit. Panics
/// when the login fails or leaves no session file, so a broken side is never timed.
fn login_once(mut command: std::process::Command) -> Duration {
    use std::io::Write as _;
    let home = tempfile::tempdir().expect("a temporary SHOTGUN_HOME");
    command
        .env("SHOTGUN_HOME", home.path())
        .env_remove("TK_AUTH_NONINTERACTIVE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("the login process starts");
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("the password is sent");
    let output = child.wait_with_output().expect("the login process ends");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "the login failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("<SessionUser alice @"),
        "unexpected output: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        has_file(home.path(), "authentication.yml"),
        "no session file was written"
    );
    elapsed
}

fn has_file(dir: &std::path::Path, name: &str) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            let path = entry.path();
            path.file_name().is_some_and(|n| n == name) || (path.is_dir() && has_file(&path, name))
        })
}

/// The median of `LOGIN_RUNS` logins made by `command`, after one unmeasured run.
fn median_login(command: impl Fn() -> std::process::Command) -> Duration {
    login_once(command());
    let mut times: Vec<Duration> = (0..LOGIN_RUNS).map(|_| login_once(command())).collect();
    times.sort();
    times[times.len() / 2]
}

/// A password login as a whole process (start, log in, save the session, exit): the
/// `password_login` example against Python tk-core on the same emulator.
fn python_login() {
    const ROW: &str = "password login as a whole process vs Python tk-core";
    let Some(core) = tk_auth::Env::process().var(tk_auth::env::TK_CORE_PATH) else {
        println!("{ROW}: skipped (TK_CORE_PATH is not set)");
        return;
    };
    let python = match python_interpreter() {
        Ok(p) => p,
        Err(why) => {
            println!("{ROW}: skipped ({why})");
            return;
        }
    };
    let importable = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/python']; from tank.authentication import ShotgunAuthenticator",
        ])
        .arg(&core)
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        println!(
            "{ROW}: skipped (tk-core in TK_CORE_PATH is not importable with {})",
            python.display()
        );
        return;
    }
    let example = match password_login_example() {
        Ok(p) => p,
        Err(why) => {
            println!("{ROW}: skipped ({why})");
            return;
        }
    };
    let site = site();
    let rust = median_login(|| {
        let mut command = std::process::Command::new(&example);
        command.args([site.url(), "alice"]);
        command
    });
    let py = median_login(|| {
        let mut command = std::process::Command::new(&python);
        command
            .args(["-c", PYTHON_LOGIN])
            .arg(&core)
            .args([site.url(), "alice"]);
        command
    });
    println!(
        "{ROW}: tk-auth {rust:?}, Python {py:?} (medians of {LOGIN_RUNS}): {:.1}x faster (goal >= 20x); token generations: {}",
        py.as_secs_f64() / rust.as_secs_f64(),
        site.calls("get_session_token")
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(storm());
    runtime.block_on(overhead());
    python_login();
}
