//! Renewal and connection costs, each printed as a ratio to a baseline measured in the same
//! run (no absolute timings are asserted anywhere).
//!
//! - storm: 1,000 tasks on one expired session, from the first call to the last success, in
//!   units of one emulator round trip (goal: within 3);
//! - overhead: a call through a renewing connection against the same call on a bare client
//!   (goal: at most 2 % more);
//! - password login against Python tk-core (skipped, with the reason, unless `TK_CORE_PATH`
//!   points to an importable tk-core).
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

fn python_login() {
    let Some(core) = tk_auth::Env::process().var(tk_auth::env::TK_CORE_PATH) else {
        println!("password login vs Python tk-core: skipped (TK_CORE_PATH is not set)");
        return;
    };
    let python = tk_auth_test_support::python();
    let importable = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1] + '/python'); import tank",
        ])
        .arg(&core)
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        println!(
            "password login vs Python tk-core: skipped (tk-core in TK_CORE_PATH is not importable)"
        );
        return;
    }
    println!("password login vs Python tk-core: not measured in this version");
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
