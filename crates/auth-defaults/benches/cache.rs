//! Session-cache benchmark: 16 x 25 and 64 x 25 processes writing one site's file at once,
//! against one process making the same number of writes (time, users kept), and
//! `get_session_data` latency.
//! Run with `cargo bench -p tk-auth-defaults` (or `cargo xtask bench`).
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tk_auth_core::Secret;
use tk_auth_defaults::SessionCache;

const SITE: &str = "https://bench.shotgunstudio.com";

fn write_users(root: &Path, worker: usize, count: usize) {
    let cache = SessionCache::at(root);
    for n in 0..count {
        cache
            .cache_session_data(
                SITE,
                &format!("w{worker}-u{n}"),
                &Secret::new(format!("t{n}")),
                None,
            )
            .expect("cache write");
    }
}

fn kept(root: &Path) -> usize {
    let text = std::fs::read_to_string(SessionCache::at(root).site_file(SITE).unwrap()).unwrap();
    text.matches("session_token:").count()
}

fn parallel(processes: usize, per_process: usize) -> (Duration, usize) {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let children: Vec<_> = (0..processes)
        .map(|id| {
            Command::new(&exe)
                .arg("--worker")
                .arg(dir.path())
                .arg(id.to_string())
                .arg(per_process.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    (start.elapsed(), kept(dir.path()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--worker") {
        write_users(
            Path::new(&args[i + 1]),
            args[i + 2].parse().unwrap(),
            args[i + 3].parse().unwrap(),
        );
        return;
    }
    let mut singles = Vec::new();
    for total in [400, 1600] {
        let (t, k) = parallel(1, total);
        println!("session cache: 1 process x {total} writes: {t:.2?}, kept {k}/{total}");
        assert_eq!(k, total, "every write is kept");
        singles.push((total, t));
    }
    for processes in [16, 64] {
        let (t, k) = parallel(processes, 25);
        let total = processes * 25;
        // Compare with one process making the same number of writes.
        let single = singles
            .iter()
            .find(|(n, _)| *n == total)
            .map_or(singles[0].1, |(_, t)| *t);
        println!(
            "session cache: {processes} processes x 25 writes: {t:.2?}, kept {k}/{total}, {:.2}x the time of 1 process x {total}",
            t.as_secs_f64() / single.as_secs_f64()
        );
        assert_eq!(k, total, "no update lost among {processes} processes");
    }
    let dir = tempfile::tempdir().unwrap();
    write_users(dir.path(), 0, 400);
    let cache = SessionCache::at(dir.path());
    let reads = 500u32;
    let start = Instant::now();
    for n in 0..reads {
        let login = format!("w0-u{}", n % 400);
        assert!(cache.get_session_data(SITE, &login).unwrap().is_some());
    }
    println!(
        "session cache: get_session_data on a 400-user file: {:.2?} per call",
        start.elapsed() / reads
    );
}
