//! Many real processes writing one site's file at once: no update is lost, no reader ever
//! sees a torn file. Each writer is this test binary started again in worker mode.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
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
    let cache = SessionCache::at(root).with_lock_options(LockOptions {
        method,
        ..LockOptions::default()
    });
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

fn run_writers(root: &Path, processes: usize, per_process: usize, lock: &str) {
    let children: Vec<_> = (0..processes)
        .map(|id| {
            child::command("stress::child_worker")
                .arg("--quiet")
                .env("TK_AUTH_STRESS_ROOT", root)
                .env("TK_AUTH_STRESS_ID", id.to_string())
                .env("TK_AUTH_STRESS_LOCK", lock)
                .env("TK_AUTH_STRESS_COUNT", per_process.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer process failed");
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
