//! Real processes contending for one lock by the lock-file method while abandoned lock files
//! keep appearing: never two holders at once. Each contender is this test binary started
//! again in contender mode.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use tk_auth_test_support::child;

use super::holder::hostname;
use super::{LockMethod, LockOptions, try_lock};

const CHILD: &str = "lock::contention_tests::child_contender";

/// Attempts a contender makes for one round before it gives up (a lock file that nobody
/// can take over would otherwise spin forever).
const ATTEMPTS_PER_ROUND: u64 = 5_000_000;

/// Contender mode: takes the lock `TK_AUTH_LOCK_ROUNDS` times, marking the critical section
/// with an exclusively created file, and leaves the lock each time but the last as a process
/// killed while holding it would: its lock file stays, naming a dead process, for the others
/// to take over.
#[test]
#[ignore = "entry point of the contender processes that the contention test starts"]
fn child_contender() {
    child::enter(CHILD);
    let site = PathBuf::from(child::var("TK_AUTH_LOCK_SITE"));
    let marks = PathBuf::from(child::var("TK_AUTH_LOCK_MARKS"));
    let id = child::var("TK_AUTH_LOCK_ID");
    let rounds: usize = child::var("TK_AUTH_LOCK_ROUNDS").parse().unwrap();
    let target = site.join("authentication.yml");
    // Live holders refresh their lock files: none is judged stale.
    let options = LockOptions::default()
        .with_method(LockMethod::LockFile)
        .with_stale_after(Duration::from_hours(1));
    let inside = marks.join("inside");
    let (mut doubles, mut planted) = (0usize, 0usize);
    for round in 0..rounds {
        let mut attempts = 0u64;
        // Trying without pauses keeps every contender at the lock file at once.
        let guard = loop {
            if let Some(guard) = try_lock(&target, &options).unwrap() {
                break guard;
            }
            attempts += 1;
            assert!(
                attempts < ATTEMPTS_PER_ROUND,
                "round {round}: never got the lock"
            );
            std::thread::yield_now();
        };
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&inside)
        {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => doubles += 1,
            Err(e) => panic!("{e}"),
        }
        for _ in 0..20 {
            std::thread::yield_now();
        }
        match std::fs::remove_file(&inside) {
            Ok(()) => {}
            // Another holder left the critical section meanwhile.
            Err(e) if e.kind() == ErrorKind::NotFound => doubles += 1,
            Err(e) => panic!("{e}"),
        }
        if round + 1 < rounds {
            // Die, as it were, holding the lock: its lock file stays, naming a dead process.
            abandon(guard.lock_path(), round, &format!("{id}-{round}"));
            planted += 1;
        }
        // (Released normally after the last round; left to its new holder otherwise.)
        drop(guard);
    }
    std::fs::write(
        marks.join(format!("contender-{id}")),
        format!("{doubles} {planted}"),
    )
    .unwrap();
}

/// Replaces the held lock file at `lock_path` with an abandoned one, as a holder killed while
/// holding the lock leaves it: by turns, that of a dead process of this host, and that of a
/// process of another host not refreshed for two hours (judging that one takes longer).
fn abandon(lock_path: &Path, round: usize, tag: &str) {
    let (holder, age) = if round.is_multiple_of(2) {
        // No process has this pid (above the kernel's maximum).
        (format!("pid=999999999 host={}", hostname()), Duration::ZERO)
    } else {
        (
            "pid=1 host=another-host.example".to_owned(),
            Duration::from_hours(2),
        )
    };
    let mut name = lock_path.file_name().unwrap().to_os_string();
    name.push(format!(".abandoned-{tag}"));
    let temp = lock_path.with_file_name(name);
    let file = std::fs::File::create(&temp).unwrap();
    std::io::Write::write_all(
        &mut &file,
        format!("lockfile {holder} nonce=abandoned-{tag}\n").as_bytes(),
    )
    .unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
    std::fs::rename(&temp, lock_path).unwrap();
}

fn spawn_contender(site: &Path, marks: &Path, id: usize, rounds: usize) -> Child {
    child::command(CHILD)
        .arg("--quiet")
        .env("TK_AUTH_LOCK_SITE", site)
        .env("TK_AUTH_LOCK_MARKS", marks)
        .env("TK_AUTH_LOCK_ID", id.to_string())
        .env("TK_AUTH_LOCK_ROUNDS", rounds.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn contenders_taking_over_abandoned_lock_files_never_hold_the_lock_together() {
    let (contenders, rounds) = (8, 250);
    let dir = tempfile::tempdir().unwrap();
    let (site, marks) = (dir.path().join("site"), dir.path().join("marks"));
    std::fs::create_dir(&site).unwrap();
    std::fs::create_dir(&marks).unwrap();
    let children: Vec<_> = (0..contenders)
        .map(|id| spawn_contender(&site, &marks, id, rounds))
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a contender failed");
    }
    let (mut doubles, mut planted) = (0, 0);
    for id in 0..contenders {
        let report = std::fs::read_to_string(marks.join(format!("contender-{id}"))).unwrap();
        let (d, p) = report.split_once(' ').unwrap();
        doubles += d.parse::<usize>().unwrap();
        planted += p.parse::<usize>().unwrap();
    }
    assert_eq!(
        doubles, 0,
        "critical sections entered while another contender was inside ({planted} abandoned lock files taken over)"
    );
    // Every lock but the first was taken over from a dead process.
    assert_eq!(planted, contenders * (rounds - 1));
    let leftovers: Vec<_> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(leftovers.is_empty(), "files left: {leftovers:?}");
}
