//! `tk-auth whoami` on an expired session that another process is renewing (this test
//! process holds the renewal lock of the site and login): the wait is shown on stderr — a
//! spinner with the seconds on a terminal, one plain line elsewhere, nothing without a
//! terminal — and the token the other process saves is taken without a question.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tk_auth::core::Secret;
use tk_auth::defaults::{RenewalLock, SessionCache};
use tk_auth_site_emulator::SiteEmulator;

#[cfg(unix)]
use super::terminal::Screen;
use super::{site, tk_auth};
use crate::support::logged_in_on;

/// alice's expired session in a fresh `SHOTGUN_HOME`, and the renewal lock of it, held by
/// this process as by another program that is asking its person.
fn expired_and_being_renewed(site: &SiteEmulator) -> (tempfile::TempDir, RenewalLock) {
    let (home, _token) = logged_in_on(site, "alice");
    assert_eq!(site.expire_all_sessions(), 1);
    let held = SessionCache::at(home.path())
        .lock_session_renewal(site.url(), "alice", Duration::from_secs(5))
        .unwrap();
    (home, held)
}

/// What the other program does when its person answered: saves the new token, then
/// releases the lock.
fn finish_the_other_renewal(site: &SiteEmulator, home: &Path, held: RenewalLock) {
    let fresh = site.create_session("alice").unwrap();
    SessionCache::at(home)
        .cache_session_data(site.url(), "alice", &Secret::new(fresh), None)
        .unwrap();
    drop(held);
}

/// The wait's text, naming this process as the holder.
#[cfg(unix)]
fn waiting_text(site: &SiteEmulator) -> String {
    format!(
        "Waiting for another program (process {} on {}) to renew alice's session on {}",
        std::process::id(),
        tk_auth::core::env::hostname(),
        site.url()
    )
}

/// Waits until `file` holds `text`; fails instead of hanging.
fn until_written(file: &Path, text: &str) -> String {
    let started = Instant::now();
    loop {
        let written = std::fs::read_to_string(file).unwrap_or_default();
        if written.contains(text) {
            return written;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{text:?} was not written; so far:\n{written}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The person that `whoami --json` printed, from what was shown.
fn person(shown: &str) -> Value {
    let json = &shown[shown.find("{\"site\"").expect("the JSON is shown")..];
    let json = json.lines().next().unwrap().trim();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn on_a_terminal_the_wait_for_another_renewal_counts_seconds_then_its_token_is_used() {
    #[cfg(unix)]
    {
        let site = site();
        let (home, held) = expired_and_being_renewed(&site);
        let mut screen = Screen::start(home.path(), &["whoami", "--json"]);
        let waiting = waiting_text(&site);
        screen
            .expect(&format!("{waiting}… 1s"))
            .expect(&format!("{waiting}… 2s"));
        finish_the_other_renewal(&site, home.path(), held);
        screen.expect("\"entity\"");
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert_eq!(person(&shown)["login"], "alice");
        for question in ["session has expired", "Password", "Login method"] {
            assert!(
                !shown.contains(question),
                "{question:?} was asked:\n{shown}"
            );
        }
        let last_frame = shown.rfind("s\x1b[K").expect("the spinner was drawn");
        let cleared = shown.rfind("\r\x1b[K").expect("the spinner was cleared");
        assert!(
            cleared > last_frame,
            "cleared after its last frame:\n{shown:?}"
        );
        assert_eq!(site.calls("get_session_token"), 0, "no login");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn with_stderr_not_a_terminal_the_wait_is_one_plain_line() {
    #[cfg(unix)]
    {
        let site = site();
        let (home, held) = expired_and_being_renewed(&site);
        let stderr = home.path().join("stderr.txt");
        let screen = Screen::start_with_stderr_to(home.path(), &["whoami", "--json"], &stderr);
        let waiting = waiting_text(&site);
        until_written(&stderr, &waiting);
        // Long enough for a spinner to have been redrawn many times, had there been one.
        std::thread::sleep(Duration::from_millis(1500));
        finish_the_other_renewal(&site, home.path(), held);
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert_eq!(person(&shown)["login"], "alice");
        let written = std::fs::read_to_string(&stderr).unwrap();
        assert_eq!(written, format!("{waiting}…\n"));
        assert_eq!(site.calls("get_session_token"), 0, "no login");
    }
}

#[test]
fn without_a_terminal_the_wait_shows_nothing_and_the_other_renewals_token_is_used() {
    let site = site();
    let (home, held) = expired_and_being_renewed(&site);
    let stderr = home.path().join("stderr.txt");
    // Where nobody can answer, the renewal still waits for the one in progress; the info
    // log says so.
    let mut whoami = tk_auth(home.path())
        .args(["whoami", "--json"])
        .env("TK_AUTH_LOG", "tk_auth=info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    until_written(&stderr, "another process is renewing this session");
    finish_the_other_renewal(&site, home.path(), held);
    let stdout = std::io::read_to_string(whoami.stdout.take().unwrap()).unwrap();
    let status = whoami.wait().unwrap();
    let written = std::fs::read_to_string(&stderr).unwrap();
    assert!(status.success(), "{written}");
    assert_eq!(person(&stdout)["login"], "alice");
    assert!(!written.contains("Waiting for"), "{written}");
    assert!(!written.contains(['\r', '\x1b']), "{written:?}");
    assert_eq!(site.calls("get_session_token"), 0, "no login");
}
