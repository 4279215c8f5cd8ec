//! Locks taken, waited for, taken over and released, with real files and threads.

use super::*;
use holder::hostname;

fn options(method: LockMethod) -> LockOptions {
    LockOptions::default()
        .with_method(method)
        .with_timeout(Duration::from_millis(200))
        .with_stale_after(Duration::from_mins(1))
}

#[test]
fn a_held_lock_times_out_naming_the_holder() {
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        let guard = lock(&target, &options(method)).unwrap();
        // flock locks belong to the open file, so a second open in this process conflicts.
        let err = lock(&target, &options(method)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("process {}", std::process::id())),
            "{text}"
        );
        drop(guard);
        assert!(
            !lock_path_for(&target).exists(),
            "lock file removed on release"
        );
        drop(lock(&target, &options(method)).unwrap());
    }
}

#[test]
fn a_lock_file_of_a_dead_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("authentication.yml");
    // No process has this pid (above the kernel's maximum).
    std::fs::write(
        lock_path_for(&target),
        format!("lockfile pid=999999999 host={}\n", hostname()),
    )
    .unwrap();
    let guard = lock(&target, &options(LockMethod::LockFile)).unwrap();
    let record = std::fs::read_to_string(guard.lock_path()).unwrap();
    assert!(record.contains(&format!("pid={}", std::process::id())));
}

/// The names in `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn flock_takes_over_a_lock_file_left_by_a_dead_process() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("authentication.yml");
    let lock_file = lock_path_for(&target);
    let dead = format!("lockfile pid=999999999 host={}\n", hostname());
    std::fs::write(&lock_file, &dead).unwrap();
    let guard = lock(&target, &options(LockMethod::Flock)).unwrap();
    // The dead holder's record is gone; the lock file names this process, by flock.
    let record = std::fs::read_to_string(&lock_file).unwrap();
    assert!(
        record.starts_with(&format!(
            "flock pid={} host={} nonce=",
            std::process::id(),
            hostname()
        )),
        "{record}"
    );
    assert!(!record.contains("999999999"), "{record}");
    // The file at the path is the one the guard holds locked, so the lock is held: by either
    // method, another attempt waits and names this process.
    assert!(same_file(guard.file.as_ref().unwrap(), &lock_file));
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        let err = lock(&target, &options(method)).map(drop).unwrap_err();
        assert!(
            matches!(&err, DefaultsError::LockTimeout { holder, .. }
                if *holder == format!("process {} on {}", std::process::id(), hostname())),
            "{method:?}: {err}"
        );
    }
    assert_eq!(names(dir.path()), ["authentication.yml.lock"]);
    drop(guard);
    assert!(names(dir.path()).is_empty(), "released, nothing left");
}

#[test]
fn flock_waits_for_a_lock_file_holder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("authentication.yml");
    let guard = lock(&target, &options(LockMethod::LockFile)).unwrap();
    assert!(matches!(
        lock(&target, &options(LockMethod::Flock)),
        Err(DefaultsError::LockTimeout { .. })
    ));
    drop(guard);
}

#[test]
fn the_default_wait_outlasts_the_stale_limit() {
    let options = LockOptions::default();
    assert!(options.timeout > options.stale_after);
}

fn set_age(path: &Path, age: Duration) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[test]
fn a_lock_file_of_another_host_is_taken_over_only_once_stale() {
    for method in [LockMethod::LockFile, LockMethod::Flock] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        let lock_file = lock_path_for(&target);
        std::fs::write(
            &lock_file,
            "lockfile pid=1 host=another-host.example nonce=x\n",
        )
        .unwrap();
        let options = options(method).with_stale_after(Duration::from_secs(5));
        set_age(&lock_file, Duration::from_secs(2));
        assert!(
            matches!(
                lock(&target, &options),
                Err(DefaultsError::LockTimeout { .. })
            ),
            "{method:?}: a fresh lock of a live host is respected"
        );
        set_age(&lock_file, Duration::from_secs(8));
        let guard = lock(&target, &options).unwrap();
        assert!(
            std::fs::read_to_string(guard.lock_path())
                .unwrap()
                .contains(&format!("pid={}", std::process::id())),
            "{method:?}"
        );
    }
}

#[test]
fn a_holder_that_works_past_the_stale_limit_keeps_its_lock() {
    for method in [LockMethod::LockFile, LockMethod::Flock] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        let short = options(method).with_stale_after(Duration::from_millis(300));
        let guard = lock(&target, &short).unwrap();
        // Seen from another host, only the age tells whether the holder lives.
        let lock_file = lock_path_for(&target);
        let record = std::fs::read_to_string(&lock_file).unwrap();
        let foreign = record.replace(&format!("host={}", hostname()), "host=another-host");
        std::fs::write(&lock_file, &foreign).unwrap();
        let waiter = short
            .with_method(LockMethod::LockFile)
            .with_timeout(Duration::from_millis(1200));
        assert!(
            matches!(
                lock(&target, &waiter),
                Err(DefaultsError::LockTimeout { .. })
            ),
            "{method:?}: the holder refreshed its lock"
        );
        drop(guard);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "removes a lock file its holder has open, whose name Wine keeps until the holder closes it"
)]
fn a_holder_never_removes_a_lock_that_replaced_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("authentication.yml");
    let first = lock(&target, &options(LockMethod::LockFile)).unwrap();
    // Another process judged the first lock abandoned and took over.
    std::fs::remove_file(first.lock_path()).unwrap();
    let second = lock(&target, &options(LockMethod::LockFile)).unwrap();
    drop(first);
    assert!(
        lock_path_for(&target).exists(),
        "the new holder's lock file stays"
    );
    assert!(matches!(
        lock(&target, &options(LockMethod::LockFile)),
        Err(DefaultsError::LockTimeout { .. })
    ));
    drop(second);
    assert!(!lock_path_for(&target).exists());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_lock_file_that_is_a_link_is_refused_and_never_followed_by_a_lock_or_a_try() {
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        for trying in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("authentication.yml");
            let elsewhere = dir.path().join("elsewhere");
            tk_auth_test_support::file_tree::symlink(&elsewhere, &lock_path_for(&target));
            // A try must fail too, not report the lock as held by somebody.
            let err = if trying {
                try_lock(&target, &options(method)).map(drop).unwrap_err()
            } else {
                lock(&target, &options(method)).map(drop).unwrap_err()
            };
            assert!(
                matches!(err, DefaultsError::UnsafeCacheFile { .. }),
                "{method:?}, try: {trying}: {err}"
            );
            assert!(
                !elsewhere.exists(),
                "{method:?}, try: {trying}: nothing created through the link"
            );
        }
    }
}

#[test]
fn a_try_reports_a_held_lock_without_waiting_and_names_its_holder() {
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        // Waiting would outlast the test run: only a try that does not wait returns.
        let patient = options(method).with_timeout(Duration::from_hours(1));
        let guard = try_lock(&target, &patient)
            .unwrap()
            .expect("a free lock is taken");
        assert!(
            try_lock(&target, &patient).unwrap().is_none(),
            "{method:?}: held"
        );
        let named = holder(&target).expect("the holder is named");
        assert_eq!(
            named,
            format!("process {} on {}", std::process::id(), hostname()),
            "{method:?}"
        );
        drop(guard);
        assert_eq!(holder(&target), None, "{method:?}: released");
        drop(try_lock(&target, &patient).unwrap().expect("free again"));
    }
}

#[test]
fn a_try_takes_over_the_lock_file_of_a_dead_process() {
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("authentication.yml");
        std::fs::write(
            lock_path_for(&target),
            format!("lockfile pid=999999999 host={}\n", hostname()),
        )
        .unwrap();
        let guard = try_lock(&target, &options(method)).unwrap();
        assert!(guard.is_some(), "{method:?}");
    }
}

#[test]
fn a_takeover_claimed_by_a_live_process_is_waited_for_and_one_claimed_by_a_dead_process_is_passed_over()
 {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("authentication.yml");
    let lock_file = lock_path_for(&target);
    let dead = format!("lockfile pid=999999999 host={}\n", hostname());
    std::fs::write(&lock_file, &dead).unwrap();
    let claim = claim::first_claim_path(&lock_file, &Seen::at(&lock_file).unwrap());
    // A live process (this one) is taking the abandoned lock file over.
    let claimed_by = |pid: u32| format!("claim pid={pid} host={} nonce=x\n", hostname());
    std::fs::write(&claim, claimed_by(std::process::id())).unwrap();
    for method in [LockMethod::Flock, LockMethod::LockFile] {
        assert!(
            matches!(
                lock(&target, &options(method)),
                Err(DefaultsError::LockTimeout { .. })
            ),
            "{method:?}"
        );
        assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), dead);
    }
    // It died before removing the lock file: its claim is passed over, and removed.
    std::fs::write(&claim, claimed_by(999_999_999)).unwrap();
    let guard = lock(&target, &options(LockMethod::LockFile)).unwrap();
    let record = std::fs::read_to_string(&lock_file).unwrap();
    assert!(
        record.contains(&format!("pid={} ", std::process::id())),
        "{record}"
    );
    assert_eq!(names(dir.path()), ["authentication.yml.lock"]);
    drop(guard);
    assert!(names(dir.path()).is_empty());
}
