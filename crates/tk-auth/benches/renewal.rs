//! Renewal and connection costs, each printed as a ratio to a baseline measured in the same
//! run, over several rounds: the median, with the spread (no absolute timings are asserted
//! anywhere).
//!
//! - storm: 1,000 tasks and 64 OS threads call through connections of one expired session.
//!   Every call is refused once and made again, so the baseline is the same callers each
//!   making a refused call and then an accepted one, without renewal; what the renewal adds
//!   beyond that is printed in emulator round trips (goal: within 3). On a loaded machine
//!   that difference of two storms is noisy, so the renewal's own path is printed beside
//!   it: from the first refused call to the moment the renewed token is in every waiter's
//!   hands (from the façade's trace events), which bounds what the renewal can add; and how
//!   long the cache write and lock release take after that, while the calls are repeated;
//! - overhead: a call through a renewing connection against the same call on its own
//!   client without renewal (same pool, same options; goal: at most 2 % more), calls
//!   alternated one by one, per round the ratio of the median call times;
//! - password login as a whole process against Python tk-core: the `password_login` example
//!   and `ShotgunAuthenticator().create_session_user(login, password=…, host=…)` on the same
//!   emulator, each in a fresh `SHOTGUN_HOME`, median of 11 runs (goal: 100 times faster, the
//!   goal of the command line's own login;
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

/// Tasks and OS threads in one storm, and storms measured.
const STORM_TASKS: usize = 1000;
const STORM_THREADS: usize = 64;
const STORM_ROUNDS: usize = 9;

/// Rounds of the overhead comparison, and calls of each side per round.
const OVERHEAD_ROUNDS: usize = 25;
const OVERHEAD_CALLS: usize = 200;

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
            tk_auth::UserOptions::new().site(site.url()),
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

/// The median, the smallest and the largest of `values`.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    (median, values[0], values[values.len() - 1])
}

/// The moments of the façade's renewal trace events during one storm.
mod timeline {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use tracing::field::{Field, Visit};
    use tracing::level_filters::LevelFilter;
    use tracing::subscriber::Interest;
    use tracing::{Event, Metadata, span};

    /// A refused call (`tk_auth::connection`).
    pub(crate) const REFUSED: &str = "session refused: renewing";
    /// The renewal holds the lock and has read the cache (`tk_auth::renewal`).
    pub(crate) const UNDER_LOCK: &str = "asking for the session to be renewed";
    /// The prompt answered, the token is asked for (`tk_auth_http::client`).
    pub(crate) const TOKEN_ASKED: &str = "generating a session token";
    /// The renewed token is with every waiter (`tk_auth::credential::flight`).
    pub(crate) const HANDED: &str = "renewed credential handed to the waiters";
    /// The session file is replaced and flushed to disk (`tk_auth_defaults`).
    pub(crate) const WRITTEN: &str = "replaced the session cache file";
    /// The renewal is over (`tk_auth::credential`).
    pub(crate) const RELEASED: &str = "renewal lock released";
    const EVENTS: [&str; 6] = [REFUSED, UNDER_LOCK, TOKEN_ASKED, HANDED, WRITTEN, RELEASED];

    struct Marks {
        base: Instant,
        recording: AtomicBool,
        /// When each event was first seen (0: not yet).
        first: [AtomicU64; EVENTS.len()],
    }

    static MARKS: LazyLock<Marks> = LazyLock::new(|| Marks {
        base: Instant::now(),
        recording: AtomicBool::new(false),
        first: Default::default(),
    });

    /// Nanoseconds on the marks' clock.
    pub(crate) fn now() -> u64 {
        u64::try_from(MARKS.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// One storm's marks, relative to its first refused call.
    pub(crate) struct Storm {
        refused_at: u64,
        after: [Duration; EVENTS.len()],
    }

    impl Storm {
        /// When `event` was first seen after the first refused call.
        pub(crate) fn at(&self, event: &str) -> Duration {
            EVENTS
                .iter()
                .position(|e| *e == event)
                .map(|i| self.after[i])
                .expect("a marked event")
        }

        /// A moment of the marks' clock ([`now`]) after the first refused call.
        pub(crate) fn since_refused(&self, at: u64) -> Duration {
            Duration::from_nanos(at.saturating_sub(self.refused_at))
        }
    }

    /// Installs the recorder as the process's subscriber.
    pub(crate) fn install() {
        tracing::subscriber::set_global_default(Recorder).expect("no other subscriber");
    }

    pub(crate) fn start() {
        for mark in &MARKS.first {
            mark.store(0, Ordering::SeqCst);
        }
        MARKS.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording once the renewal released its lock (the storm may end before).
    pub(crate) async fn stop() -> Storm {
        let started = Instant::now();
        let released = EVENTS.len() - 1;
        while MARKS.first[released].load(Ordering::SeqCst) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the renewal never released its lock"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        MARKS.recording.store(false, Ordering::SeqCst);
        let first = MARKS.first.each_ref().map(|m| m.load(Ordering::SeqCst));
        assert!(
            first.iter().all(|at| *at >= first[0] && first[0] > 0),
            "the trace events of the renewal were not all seen"
        );
        Storm {
            refused_at: first[0],
            after: first.map(|at| Duration::from_nanos(at - first[0])),
        }
    }

    struct Message(Option<usize>);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                let text = format!("{value:?}");
                self.0 = EVENTS.iter().position(|m| *m == text);
            }
        }
    }

    struct Recorder;

    impl tracing::Subscriber for Recorder {
        fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
            if self.enabled(metadata) {
                Interest::always()
            } else {
                Interest::never()
            }
        }
        fn max_level_hint(&self) -> Option<LevelFilter> {
            Some(LevelFilter::DEBUG)
        }
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.is_event()
                && (matches!(
                    metadata.target(),
                    "tk_auth::connection" | "tk_auth::renewal" | "tk_auth_http::client"
                ) || metadata.target().starts_with("tk_auth::credential")
                    || metadata.target().starts_with("tk_auth_defaults"))
        }
        fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
            span::Id::from_u64(1)
        }
        fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
        fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
        fn event(&self, event: &Event<'_>) {
            if !MARKS.recording.load(Ordering::SeqCst) {
                return;
            }
            let at = now();
            let mut message = Message(None);
            event.record(&mut message);
            if let Some(i) = message.0 {
                let _ = MARKS.first[i].compare_exchange(0, at, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
        fn enter(&self, _: &span::Id) {}
        fn exit(&self, _: &span::Id) {}
    }
}

/// `STORM_TASKS` tasks through `connection` and `STORM_THREADS` threads through `blocking`,
/// all at once; the time until the last call succeeded.
async fn storm_of(
    connection: &tk_auth::Connection,
    blocking: &tk_auth::blocking::Connection,
) -> Duration {
    let started = Instant::now();
    let threads: Vec<_> = (0..STORM_THREADS)
        .map(|_| {
            let blocking = blocking.clone();
            std::thread::spawn(move || {
                blocking
                    .find_one("HumanUser", &json!([]), &["id"])
                    .map(drop)
            })
        })
        .collect();
    let tasks: Vec<_> = (0..STORM_TASKS)
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
    join(threads).await;
    started.elapsed()
}

/// The same storm on `client`, without renewal: every caller makes its call with a token
/// the site refuses, then again with one it accepts — the calls a storm on an expired
/// session makes, without the renewal between them.
async fn repeated_storm(client: &SiteClient, refused: &Auth, valid: &Auth) -> Duration {
    async fn twice(client: SiteClient, refused: Auth, valid: Auth) -> Result<(), String> {
        match client
            .find_one(&refused, "HumanUser", &json!([]), &["id"])
            .await
        {
            Err(tk_auth_http::HttpError::SessionExpired { .. }) => {}
            other => return Err(format!("not refused: {other:?}")),
        }
        client
            .find_one(&valid, "HumanUser", &json!([]), &["id"])
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
    let handle = tokio::runtime::Handle::current();
    let started = Instant::now();
    let threads: Vec<_> = (0..STORM_THREADS)
        .map(|_| {
            let call = twice(client.clone(), refused.clone(), valid.clone());
            let handle = handle.clone();
            std::thread::spawn(move || handle.block_on(call))
        })
        .collect();
    let tasks: Vec<_> = (0..STORM_TASKS)
        .map(|_| tokio::spawn(twice(client.clone(), refused.clone(), valid.clone())))
        .collect();
    for task in tasks {
        task.await.expect("a task").expect("a refusal, then a call");
    }
    join(threads).await;
    started.elapsed()
}

/// Joins the storm's threads off the runtime's workers.
async fn join<E: std::fmt::Debug + Send + 'static>(
    threads: Vec<std::thread::JoinHandle<Result<(), E>>>,
) {
    tokio::task::spawn_blocking(move || {
        for thread in threads {
            thread.join().expect("a thread").expect("a call");
        }
    })
    .await
    .expect("the threads are joined");
}

/// One storm on a fresh session in a fresh `SHOTGUN_HOME`, and its baselines.
struct StormRound {
    rtt: Duration,
    valid: Duration,
    repeated: Duration,
    expired: Duration,
    refusals: usize,
    /// The last call of the storm on the expired session returned, after its first refusal.
    ended: Duration,
    marks: timeline::Storm,
}

impl StormRound {
    /// What the renewal added, in round trips.
    fn added(&self) -> f64 {
        (self.expired.as_secs_f64() - self.repeated.as_secs_f64()) / self.rtt.as_secs_f64()
    }
}

async fn storm_round(site: &SiteEmulator) -> StormRound {
    let home = tempfile::tempdir().expect("a temporary folder");
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(PASSWORD)]));
    let auth = authenticator(home.path(), Arc::clone(&prompter));
    let (user, token) = session_user(&auth, site).await;
    let connection = user.create_sg_connection().expect("a connection");
    let blocking = tk_auth::blocking::ShotgunUser::from(user.clone())
        .create_sg_connection()
        .expect("a blocking connection");
    // A first storm opens the connections (up to one per caller) the measured ones reuse.
    let _ = storm_of(&connection, &blocking).await;
    let rtt = round_trip(
        connection.site_client(),
        &Auth::session_token(token.clone()),
        100,
    )
    .await;
    let valid = storm_of(&connection, &blocking).await;
    site.expire_session(&token);
    let other = Auth::session_token(site.create_session("alice").expect("a session"));
    let repeated = repeated_storm(
        connection.site_client(),
        &Auth::session_token(token.clone()),
        &other,
    )
    .await;
    let (generated, reads) = (site.calls("get_session_token"), site.calls("read"));
    timeline::start();
    let expired = storm_of(&connection, &blocking).await;
    let ended_at = timeline::now();
    let marks = timeline::stop().await;
    // Callers that start after the token was handed use it at once: not every call is
    // refused.
    let refusals = site.calls("read") - reads - (STORM_TASKS + STORM_THREADS);
    assert_eq!(
        site.calls("get_session_token") - generated,
        1,
        "one token generation per storm"
    );
    assert_eq!(
        prompter.asked_kinds(),
        ["session_expired", "password"],
        "one prompt per storm"
    );
    StormRound {
        rtt,
        valid,
        repeated,
        expired,
        refusals,
        ended: marks.since_refused(ended_at),
        marks,
    }
}

async fn storm() {
    use timeline::{HANDED, RELEASED, TOKEN_ASKED, UNDER_LOCK, WRITTEN};
    let site = site();
    let mut rounds = Vec::with_capacity(STORM_ROUNDS);
    for _ in 0..STORM_ROUNDS {
        rounds.push(storm_round(&site).await);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // Every call of a storm on an expired session is refused, then repeated: what the
    // renewal adds is that storm minus the same refused-then-repeated calls without it.
    let added = spread(rounds.iter().map(StormRound::added).collect());
    let handed = spread(
        rounds
            .iter()
            .map(|r| r.marks.at(HANDED).as_secs_f64() / r.rtt.as_secs_f64())
            .collect(),
    );
    let handed_ms = spread(rounds.iter().map(|r| ms(r.marks.at(HANDED))).collect());
    let written = spread(
        rounds
            .iter()
            .map(|r| ms(r.marks.at(WRITTEN).saturating_sub(r.marks.at(HANDED))))
            .collect(),
    );
    let released = spread(
        rounds
            .iter()
            .map(|r| ms(r.marks.at(RELEASED).saturating_sub(r.marks.at(WRITTEN))))
            .collect(),
    );
    let valid = spread(rounds.iter().map(|r| ms(r.valid)).collect());
    let repeated = spread(rounds.iter().map(|r| ms(r.repeated)).collect());
    let expired = spread(rounds.iter().map(|r| ms(r.expired)).collect());
    let rtt = spread(rounds.iter().map(|r| r.rtt.as_secs_f64() * 1e6).collect());
    #[allow(clippy::cast_precision_loss, reason = "a count of calls")]
    let refusals = spread(rounds.iter().map(|r| r.refusals as f64).collect());
    let worst = rounds
        .iter()
        .max_by(|a, b| a.added().total_cmp(&b.added()))
        .expect("rounds");
    println!(
        "storm: {STORM_TASKS} tasks + {STORM_THREADS} threads on one expired session, {STORM_ROUNDS} rounds (median, min..max):\n  \
         renewal adds {:.1} round trips beyond repeating every call ({:.1}..{:.1}; goal <= 3)\n  \
         first refused call -> token handed to every waiter: {:.1} round trips ({:.1}..{:.1}), {:.1} ms ({:.1}..{:.1})\n  \
         then, while the calls are repeated (each returns once the session is saved): session file written and flushed to disk {:.2} ms ({:.2}..{:.2}), then lock released {:.2} ms ({:.2}..{:.2})\n  \
         storm on the expired session {:.1} ms ({:.1}..{:.1}); the same calls refused then repeated, without renewal {:.1} ms ({:.1}..{:.1}); on a valid session {:.1} ms ({:.1}..{:.1}); round trip {:.0} us ({:.0}..{:.0})\n  \
         calls refused (the others started after the renewal): {:.0} of {} ({:.0}..{:.0}); every round: 1 token generation, 1 prompt\n  \
         worst round, {:.1} round trips added: after the first refused call, lock taken and cache read {:.1} ms, token asked {:.1} ms, handed {:.1} ms, session file written {:.1} ms, lock released {:.1} ms, last call returned {:.1} ms; without renewal the storm took {:.1} ms; round trip {:.0} us",
        added.0,
        added.1,
        added.2,
        handed.0,
        handed.1,
        handed.2,
        handed_ms.0,
        handed_ms.1,
        handed_ms.2,
        written.0,
        written.1,
        written.2,
        released.0,
        released.1,
        released.2,
        expired.0,
        expired.1,
        expired.2,
        repeated.0,
        repeated.1,
        repeated.2,
        valid.0,
        valid.1,
        valid.2,
        rtt.0,
        rtt.1,
        rtt.2,
        refusals.0,
        STORM_TASKS + STORM_THREADS,
        refusals.1,
        refusals.2,
        worst.added(),
        ms(worst.marks.at(UNDER_LOCK)),
        ms(worst.marks.at(TOKEN_ASKED)),
        ms(worst.marks.at(HANDED)),
        ms(worst.marks.at(WRITTEN)),
        ms(worst.marks.at(RELEASED)),
        ms(worst.ended),
        ms(worst.repeated),
        worst.rtt.as_secs_f64() * 1e6,
    );
}

async fn overhead() {
    let site = site();
    let home = tempfile::tempdir().expect("a temporary folder");
    let auth = authenticator(home.path(), Arc::new(ScriptedPrompter::new([])));
    let (user, token) = session_user(&auth, &site).await;
    let connection = user.create_sg_connection().expect("a connection");
    // The connection's own client: what remains is what the connection adds.
    let bare = connection.site_client().clone();
    let auth = Auth::session_token(token);
    let wrapped_call = || async {
        let started = Instant::now();
        connection
            .find_one("HumanUser", &json!([]), &["id"])
            .await
            .expect("a read");
        started.elapsed()
    };
    let bare_call = || async {
        let started = Instant::now();
        bare.find_one(&auth, "HumanUser", &json!([]), &["id"])
            .await
            .expect("a read");
        started.elapsed()
    };
    for _ in 0..OVERHEAD_CALLS {
        wrapped_call().await;
        bare_call().await;
    }
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let (mut ratios, mut wrapped_us, mut bare_us) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..OVERHEAD_ROUNDS {
        let (mut wrapped, mut plain) = (Vec::new(), Vec::new());
        // Alternated call by call (and which goes first, round by round), so that drift in
        // the machine's load weighs on both sides alike; medians, so that a call stalled by
        // another process does not decide the round.
        for call in 0..OVERHEAD_CALLS {
            if (call + round) % 2 == 0 {
                wrapped.push(micros(wrapped_call().await));
                plain.push(micros(bare_call().await));
            } else {
                plain.push(micros(bare_call().await));
                wrapped.push(micros(wrapped_call().await));
            }
        }
        let (wrapped, plain) = (spread(wrapped).0, spread(plain).0);
        ratios.push(wrapped / plain);
        wrapped_us.push(wrapped);
        bare_us.push(plain);
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let quartiles = (sorted[sorted.len() / 4], sorted[sorted.len() * 3 / 4]);
    let ratio = spread(ratios);
    let (wrapped, plain) = (spread(wrapped_us), spread(bare_us));
    println!(
        "overhead: renewing connection against its client without renewal, {OVERHEAD_ROUNDS} rounds of {OVERHEAD_CALLS} alternated calls each:\n  \
         ratio of median call times {:.4} (median of rounds; quartiles {:.4}..{:.4}, min..max {:.4}..{:.4}; goal <= 1.02)\n  \
         per call: renewing connection {:.1} us, client alone {:.1} us (medians)",
        ratio.0, quartiles.0, quartiles.1, ratio.1, ratio.2, wrapped.0, plain.0,
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
        "{ROW}: tk-auth {rust:?}, Python {py:?} (medians of {LOGIN_RUNS}): {:.1}x faster (goal >= 100x); token generations: {}",
        py.as_secs_f64() / rust.as_secs_f64(),
        site.calls("get_session_token")
    );
}

fn main() {
    timeline::install();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(storm());
    runtime.block_on(overhead());
    python_login();
}
