use std::io::Write as _;
use std::time::{Duration, Instant};

use super::*;

const APP: &str = "8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV";

fn secret(s: &str) -> Secret {
    Secret::new(s)
}

fn read(file: &FlowTokenFile) -> String {
    std::fs::read_to_string(file.path()).unwrap()
}

#[test]
fn a_python_write_in_progress_is_waited_for_and_its_tokens_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    let full = format!(
        r#"{{"adsk.flow.{APP}.access_token": {{"jdoe": "acc-1"}}, "adsk.flow.{APP}.refresh_token": {{"jdoe": "ref-1"}}}}"#
    );
    // As Python's `open(path, "w")` + `json.dump`: the same file, cut short, then completed.
    let mut handle = std::fs::File::create(file.path()).unwrap();
    handle.write_all(&full.as_bytes()[..40]).unwrap();
    handle.flush().unwrap();
    let rest = full.as_bytes()[40..].to_vec();
    let finisher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(40));
        handle.write_all(&rest).unwrap();
    });
    let tokens = file.tokens(APP, "jdoe");
    finisher.join().unwrap();
    assert_eq!(tokens.access_token, Some(secret("acc-1")));
    assert_eq!(tokens.refresh_token, Some(secret("ref-1")));
}

#[test]
fn a_write_over_a_python_write_in_progress_keeps_what_python_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    let full = r#"{"adsk.flow.other.access_token": {"x": "kept"}}"#;
    // Truncated, nothing written yet: Python's `open(path, "w")` before `json.dump`.
    let mut handle = std::fs::File::create(file.path()).unwrap();
    let finisher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        handle.write_all(full.as_bytes()).unwrap();
    });
    file.persist(APP, "jdoe", Some(&secret("acc")), None)
        .unwrap();
    finisher.join().unwrap();
    assert_eq!(
        read(&file),
        format!(
            r#"{{"adsk.flow.other.access_token": {{"x": "kept"}}, "adsk.flow.{APP}.access_token": {{"jdoe": "acc"}}}}"#
        )
    );
}

#[test]
fn an_old_unreadable_file_is_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    std::fs::write(file.path(), "{\"cut").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_hours(1);
    std::fs::File::options()
        .write(true)
        .open(file.path())
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let (tokens, logs) = tk_auth_test_support::logs_with(|| file.tokens(APP, "jdoe"));
    assert_eq!(tokens, FlowTokens::default());
    assert!(!logs.contains("reading it again"), "{logs}");
    // A fresh one is read again until the limit, then holds nothing.
    std::fs::write(file.path(), "{\"cut").unwrap();
    let start = Instant::now();
    let (tokens, logs) = tk_auth_test_support::logs_with(|| file.tokens(APP, "jdoe"));
    assert_eq!(tokens, FlowTokens::default());
    assert!(logs.contains("reading it again"), "{logs}");
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn entries_of_other_applications_and_profiles_survive_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    let others = r#"{"adsk.flow.otherApp.access_token": {"jdoe": "o-acc"}, "adsk.flow.otherApp.refresh_token": {"jdoe": "o-ref"}, "unknown": [1, 2.5, null]}"#;
    std::fs::write(file.path(), others).unwrap();
    file.persist(APP, "jdoe", Some(&secret("a1")), Some(&secret("r1")))
        .unwrap();
    file.persist(APP, "bob", Some(&secret("a2")), Some(&secret("r2")))
        .unwrap();
    file.persist(APP, "jdoe", Some(&secret("a3")), None)
        .unwrap();
    assert!(file.delete(APP, "bob").unwrap());
    assert!(!file.delete(APP, "bob").unwrap());
    assert_eq!(
        read(&file),
        format!(
            r#"{{"adsk.flow.otherApp.access_token": {{"jdoe": "o-acc"}}, "adsk.flow.otherApp.refresh_token": {{"jdoe": "o-ref"}}, "unknown": [1, 2.5, null], "adsk.flow.{APP}.access_token": {{"jdoe": "a3"}}, "adsk.flow.{APP}.refresh_token": {{"jdoe": "r1"}}}}"#
        )
    );
    let other = file.tokens("otherApp", "jdoe");
    assert_eq!(other.access_token, Some(secret("o-acc")));
    assert_eq!(other.refresh_token, Some(secret("o-ref")));
}

#[test]
fn writers_in_parallel_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_path_buf();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let file = FlowTokenFile::in_folder(&folder);
            std::thread::spawn(move || {
                for i in 0..10 {
                    let profile = format!("p{w}-{i}");
                    file.persist(APP, &profile, Some(&Secret::new(format!("a{w}{i}"))), None)
                        .unwrap();
                    // Readers never see a torn file: what was written is there at once.
                    assert!(file.tokens(APP, &profile).access_token.is_some());
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let file = FlowTokenFile::in_folder(&folder);
    for w in 0..4 {
        for i in 0..10 {
            let tokens = file.tokens(APP, &format!("p{w}-{i}"));
            assert_eq!(tokens.access_token, Some(Secret::new(format!("a{w}{i}"))));
        }
    }
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        [FLOW_TOKEN_FILE_NAME],
        "no temporary or lock file is left"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_0600_in_folders_made_0700_also_over_a_wider_file() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("a/b");
    let file = FlowTokenFile::in_folder(&folder);
    file.persist(APP, "jdoe", Some(&secret("acc")), None)
        .unwrap();
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&file.path()), 0o600);
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    file.persist(APP, "jdoe", Some(&secret("acc-2")), None)
        .unwrap();
    assert_eq!(mode(&file.path()), 0o600);
    assert_eq!(mode(&folder), 0o755, "a folder that exists keeps its mode");
}

#[test]
fn entries_that_are_not_objects_of_strings_hold_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    let text = format!(
        r#"{{"adsk.flow.{APP}.access_token": "acc-1", "adsk.flow.{APP}.refresh_token": {{"jdoe": 5}}}}"#
    );
    std::fs::write(file.path(), &text).unwrap();
    assert_eq!(file.tokens(APP, "jdoe"), FlowTokens::default());
    // Nothing to delete in an entry that is not an object: the file is left alone.
    std::fs::write(
        file.path(),
        format!(r#"{{"adsk.flow.{APP}.access_token": ["jdoe"]}}"#),
    )
    .unwrap();
    assert!(!file.delete(APP, "jdoe").unwrap());
    // Storing a token replaces an entry that could never be read.
    std::fs::write(file.path(), &text).unwrap();
    file.persist(APP, "jdoe", Some(&secret("acc-2")), Some(&secret("ref-2")))
        .unwrap();
    assert_eq!(
        read(&file),
        format!(
            r#"{{"adsk.flow.{APP}.access_token": {{"jdoe": "acc-2"}}, "adsk.flow.{APP}.refresh_token": {{"jdoe": "ref-2"}}}}"#
        )
    );
}

#[test]
fn a_file_that_is_a_folder_is_an_error_to_write_and_holds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    std::fs::create_dir(file.path()).unwrap();
    assert_eq!(file.tokens(APP, "jdoe"), FlowTokens::default());
    let err = file
        .persist(APP, "jdoe", Some(&secret("acc")), None)
        .unwrap_err();
    assert!(
        matches!(err, DefaultsError::UnsafeCacheFile { .. }),
        "{err}"
    );
}

#[test]
fn reading_a_missing_folder_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path().join("missing"));
    assert_eq!(file.tokens(APP, "jdoe"), FlowTokens::default());
    assert!(!file.delete(APP, "jdoe").unwrap());
    assert_eq!(file.refresh_holder(APP, "jdoe"), None);
    assert!(!file.folder().exists());
}

#[test]
fn no_token_reaches_debug_output_or_logs() {
    const CANARY: &str = "canary-flow-7c1e";
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    let logs = tk_auth_test_support::logs_of(|| {
        std::fs::write(file.path(), format!("{{\"x\": \"{CANARY}")).unwrap();
        file.persist(APP, "jdoe", Some(&secret(CANARY)), Some(&secret(CANARY)))
            .unwrap();
        let tokens = file.tokens(APP, "jdoe");
        assert_eq!(
            tokens.access_token.as_ref().map(Secret::expose),
            Some(CANARY)
        );
        for shown in [
            format!("{tokens:?}"),
            format!("{tokens:#?}"),
            format!("{file:?}"),
        ] {
            assert!(!shown.contains(CANARY), "{shown}");
        }
        file.delete(APP, "jdoe").unwrap();
        std::fs::write(file.path(), format!("[\"{CANARY}\"]")).unwrap();
        let _ = file.tokens(APP, "jdoe");
    });
    assert!(logs.contains("not usable"), "the cases did log: {logs}");
    assert!(!logs.contains(CANARY), "{logs}");
}

#[test]
fn a_refresh_lock_is_held_by_one_process_per_application_and_profile() {
    let dir = tempfile::tempdir().unwrap();
    let file = FlowTokenFile::in_folder(dir.path());
    assert_eq!(file.refresh_holder(APP, "jdoe"), None);
    let held = file.try_lock_refresh(APP, "jdoe").unwrap().expect("free");
    assert!(file.try_lock_refresh(APP, "jdoe").unwrap().is_none());
    let holder = file.refresh_holder(APP, "jdoe").unwrap();
    assert!(
        holder.starts_with(&format!("process {} on ", std::process::id())),
        "{holder}"
    );
    let lock_file = dir.path().join(format!(
        "adsk_flow_tokens.refresh-{}-{}.lock",
        hex_name(APP),
        hex_name("jdoe")
    ));
    assert!(lock_file.exists(), "beside the token file");
    // Other profiles and applications have their own locks.
    assert!(file.try_lock_refresh(APP, "bob").unwrap().is_some());
    assert!(file.try_lock_refresh("otherApp", "jdoe").unwrap().is_some());
    let err = file
        .lock_refresh(APP, "jdoe", Duration::from_millis(150))
        .unwrap_err();
    assert!(matches!(err, DefaultsError::LockTimeout { .. }), "{err}");
    // A waiter gets it once the holder lets go.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        drop(held);
    });
    let taken = file.lock_refresh(APP, "jdoe", Duration::from_secs(10));
    releaser.join().unwrap();
    assert!(taken.is_ok());
    drop(taken);
    assert_eq!(file.refresh_holder(APP, "jdoe"), None);
    assert!(!lock_file.exists(), "removed on release");
}

#[test]
fn the_default_file_is_in_the_cache_root() {
    let locations = Locations::under_shotgun_home("/srv/sg");
    let file = FlowTokenFile::new(&locations);
    assert_eq!(file.path(), Path::new("/srv/sg/adsk_flow_tokens.json"));
    assert_eq!(
        file.path().parent(),
        locations.global_file().parent(),
        "beside the global authentication.yml"
    );
}
