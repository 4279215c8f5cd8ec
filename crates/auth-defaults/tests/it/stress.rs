//! Many real processes writing one site's file at once: no update is lost, no reader ever
//! sees a torn file. Each writer is this test binary started again in worker mode.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tk_auth_core::Secret;
use tk_auth_defaults::{LockMethod, LockOptions, SessionCache};
use tk_auth_test_support::child;

use crate::support::yaml_data;

const SITE: &str = "https://stress.shotgunstudio.com";

/// Worker mode: when started by `run_writers`, caches this worker's users and exits.
#[test]
#[ignore = "entry point of the worker processes that the stress tests start"]
fn child_worker() {
    child::enter("stress::child_worker");
    let (root, id) = (
        child::var("TK_AUTH_STRESS_ROOT"),
        child::var("TK_AUTH_STRESS_ID"),
    );
    let count: usize = child::var("TK_AUTH_STRESS_COUNT").parse().unwrap();
    let method = match child::var("TK_AUTH_STRESS_LOCK").as_str() {
        "lockfile" => LockMethod::LockFile,
        _ => LockMethod::Auto,
    };
    let cache =
        SessionCache::at(root).with_lock_options(LockOptions::default().with_method(method));
    for n in 0..count {
        cache
            .cache_session_data(
                SITE,
                &format!("w{id}-u{n}"),
                &Secret::new(format!("tok-{id}-{n}")),
                None,
            )
            .unwrap();
    }
}

fn spawn_writer(root: &Path, id: usize, count: usize, lock: &str) -> Child {
    child::command("stress::child_worker")
        .arg("--quiet")
        .env("TK_AUTH_STRESS_ROOT", root)
        .env("TK_AUTH_STRESS_ID", id.to_string())
        .env("TK_AUTH_STRESS_LOCK", lock)
        .env("TK_AUTH_STRESS_COUNT", count.to_string())
        .env(
            "TK_AUTH_STRESS_STALE_MS",
            STALE_LIMIT.as_millis().to_string(),
        )
        // Kept for the failure message: a worker's panic is in its test harness's output.
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The stale limit the writers use.
const STALE_LIMIT: Duration = Duration::from_secs(3);

fn run_writers(root: &Path, processes: usize, per_process: usize, lock: &str) {
    let children: Vec<_> = (0..processes)
        .map(|id| spawn_writer(root, id, per_process, lock))
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a writer process failed:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

fn stress(processes: usize, per_process: usize, lock: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let file = SessionCache::at(&root).site_file(SITE).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (done, file) = (done.clone(), file.clone());
        std::thread::spawn(move || {
            let mut reads = 0usize;
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                if let Ok(text) = std::fs::read_to_string(&file) {
                    let data = yaml_data(&text);
                    assert!(
                        data["users"].is_array(),
                        "torn or odd file seen by a reader:\n{text}"
                    );
                    reads += 1;
                }
                // Parsing a file of 1600 users takes a while: read a fifth of the time at
                // most, to read while the writers write rather than compete with them.
                std::thread::sleep((started.elapsed() * 4).max(Duration::from_millis(2)));
            }
            reads
        })
    };
    run_writers(&root, processes, per_process, lock);
    done.store(true, Ordering::Relaxed);
    let reads = reader.join().expect("a reader saw a torn file");
    let data = yaml_data(&std::fs::read_to_string(&file).unwrap());
    let users = data["users"].as_array().unwrap();
    assert_eq!(users.len(), processes * per_process, "users kept");
    let tokens: HashMap<&str, &str> = users
        .iter()
        .map(|u| {
            (
                u["login"].as_str().unwrap(),
                u["session_token"].as_str().unwrap(),
            )
        })
        .collect();
    for id in 0..processes {
        for n in 0..per_process {
            assert_eq!(
                tokens.get(format!("w{id}-u{n}").as_str()),
                Some(&format!("tok-{id}-{n}").as_str()),
                "user {n} of writer {id}"
            );
        }
    }
    // And through the API (each lookup reads the whole file: one user per writer will do).
    let cache = SessionCache::at(&root);
    for id in 0..processes {
        let last = per_process - 1;
        let s = cache
            .get_session_data(SITE, &format!("W{id}-U{last}"))
            .unwrap()
            .unwrap();
        assert_eq!(s.session_token.expose(), format!("tok-{id}-{last}"));
    }
    assert!(reads > 0, "the reader read while writers ran");
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "authentication.yml")
        .collect();
    assert!(
        leftovers.is_empty(),
        "lock or temporary files left: {leftovers:?}"
    );
}

#[test]
fn sixteen_processes_keep_all_400_users() {
    stress(16, 25, "auto");
}

#[test]
fn sixty_four_processes_keep_all_1600_users() {
    stress(64, 25, "auto");
}

#[test]
fn lock_file_method_keeps_all_users_too() {
    stress(16, 25, "lockfile");
}

#[cfg(unix)]
fn signal(child: &Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
}

/// Waits until `victim` holds the lock on `file`, and kills it (SIGKILL) while it does.
#[cfg(unix)]
fn kill_while_holding_the_lock(victim: &mut Child, file: &Path) {
    use rustix::process::Signal;
    let lock_file = file.with_file_name("authentication.yml.lock");
    let holds = || {
        std::fs::read_to_string(&lock_file)
            .is_ok_and(|record| record.contains(&format!("pid={} ", victim.id())))
    };
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "the victim never held the lock"
        );
        if holds() {
            // Frozen, it cannot release the lock: if its record is still there, it holds it.
            signal(victim, Signal::STOP);
            if holds() {
                signal(victim, Signal::KILL);
                victim.wait().unwrap();
                return;
            }
            signal(victim, Signal::CONT);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[cfg(unix)]
fn killed_writer(lock: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let file = SessionCache::at(&root).site_file(SITE).unwrap();
    let (writers, per_writer) = (6, 40);
    // The victim writes until it is killed; the others contend with it.
    let mut victim = spawn_writer(&root, 0, 1_000_000, lock);
    let others: Vec<_> = (1..=writers)
        .map(|id| spawn_writer(&root, id, per_writer, lock))
        .collect();
    kill_while_holding_the_lock(&mut victim, &file);
    let killed_at = Instant::now();
    for mut child in others {
        assert!(child.wait().unwrap().success(), "a writer failed");
    }
    let recovered = killed_at.elapsed();
    let data = yaml_data(&std::fs::read_to_string(&file).unwrap());
    let logins: Vec<&str> = data["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    for id in 1..=writers {
        for n in 0..per_writer {
            let login = format!("w{id}-u{n}");
            assert!(logins.contains(&login.as_str()), "{lock}: {login} lost");
        }
    }
    // The victim's finished writes are kept too: its users are u0..uN without a gap.
    let victims = logins.iter().filter(|l| l.starts_with("w0-")).count();
    for n in 0..victims {
        assert!(
            logins.contains(&format!("w0-u{n}").as_str()),
            "{lock}: w0-u{n}"
        );
    }
    assert!(
        recovered < STALE_LIMIT + Duration::from_secs(10),
        "{lock}: the others finished {recovered:?} after the kill"
    );
    // The next writer takes a write through the API at once, and leaves nothing behind.
    let start = Instant::now();
    SessionCache::at(&root)
        .cache_session_data(SITE, "after", &Secret::new("t"), None)
        .unwrap();
    assert!(
        start.elapsed() < STALE_LIMIT,
        "{lock}: {:?}",
        start.elapsed()
    );
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "authentication.yml")
        .collect();
    assert!(leftovers.is_empty(), "{lock}: {leftovers:?}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "freezes and kills a lock holder with SIGSTOP and SIGKILL, which Windows has not"
)]
fn a_writer_killed_while_holding_the_lock_costs_no_other_update_with_flock() {
    #[cfg(unix)]
    killed_writer("auto");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "freezes and kills a lock holder with SIGSTOP and SIGKILL, which Windows has not"
)]
fn a_writer_killed_while_holding_the_lock_costs_no_other_update_with_a_lock_file() {
    #[cfg(unix)]
    killed_writer("lockfile");
}
