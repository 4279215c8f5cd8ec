//! Without a terminal: nothing waits for an answer that cannot come, an explicitly piped
//! password works, and the outputs keep their documented shapes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tk_auth::defaults::SessionCache;

use super::{PASSWORD, run_with_stdin, site, tk_auth};

fn log_in_with_piped_password(
    home: &std::path::Path,
    url: &str,
    login: &str,
) -> std::process::Output {
    run_with_stdin(
        tk_auth(home).args(["login", "--site", url, "--login", login, "--password-stdin"]),
        &format!("{PASSWORD}\n"),
    )
}

/// Shows how long a refusal took (the goal is under a second; the tests only guard against a
/// hang, since timing on a shared machine varies).
#[allow(clippy::print_stdout, reason = "the figure is shown with --nocapture")]
fn report_time(what: &str, took: Duration) {
    println!("{what} took {took:?}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn login_without_a_terminal_exits_4_at_once_with_the_remedy() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = tk_auth(home.path())
        .args(["login", "--site", site.url()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    report_time("tk-auth login </dev/null", took);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("nobody can answer a prompt here"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("tk-auth login --site {}", site.url())),
        "{stderr}"
    );
    assert!(stderr.contains("--password-stdin"), "{stderr}");
    assert!(took.as_secs() < 5, "took {took:?}");
    assert_eq!(site.calls("get_session_token"), 0);
}

#[test]
fn whoami_with_an_expired_session_and_no_terminal_exits_4_at_once_naming_the_fix() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    assert!(
        log_in_with_piped_password(home.path(), site.url(), "alice")
            .status
            .success()
    );
    site.expire_all_sessions();
    let started = Instant::now();
    let out = tk_auth(home.path())
        .args(["whoami"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    report_time("tk-auth whoami (expired session, no terminal)", took);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    for part in [
        "alice",
        site.url(),
        "nobody can answer a prompt here",
        &format!("tk-auth login --site {}", site.url()),
    ] {
        assert!(stderr.contains(part), "{part:?} missing: {stderr}");
    }
    assert!(took.as_secs() < 5, "took {took:?}");
}

#[test]
fn a_piped_password_logs_in_keeping_its_spaces_and_makes_the_user_current() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    // Every log message on, to show that none carries the password.
    let out = run_with_stdin(
        tk_auth(home.path())
            .args([
                "login",
                "--site",
                site.url(),
                "--login",
                "alice",
                "--password-stdin",
            ])
            .env("TK_AUTH_LOG", "trace"),
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!out.stderr.is_empty(), "the log is on");
    assert_eq!(
        text(&out.stdout),
        format!("Logged in to {} as alice.\n", site.url())
    );
    let body = site
        .last_request_body("get_session_token")
        .unwrap()
        .to_string();
    assert!(
        body.contains(&format!("\"{PASSWORD}\"")),
        "the password was changed"
    );
    let cache = SessionCache::at(home.path());
    assert_eq!(cache.get_current_host(), Some(site.url().into()));
    assert_eq!(
        cache.get_current_user(site.url()).unwrap().as_deref(),
        Some("alice")
    );
    assert!(!text(&out.stderr).contains("Canary"));
}

#[test]
fn a_piped_password_login_replaces_each_session_file_once() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    // Each replacement is flushed to disk: a login writes the site's file (session, method,
    // current user) and the global file (current site) once each.
    let out = run_with_stdin(
        tk_auth(home.path())
            .args([
                "login",
                "--site",
                site.url(),
                "--login",
                "alice",
                "--password-stdin",
            ])
            .env("TK_AUTH_LOG", "tk_auth_defaults=debug"),
        &format!("{PASSWORD}\n"),
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let replaced: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("replaced the session cache file"))
        .collect();
    let cache = SessionCache::at(home.path());
    let site_file = cache.site_file(site.url()).unwrap();
    let global_file = cache.global_file();
    assert_eq!(replaced.len(), 2, "{stderr}");
    for file in [site_file, global_file] {
        let file = file.display().to_string();
        assert_eq!(
            replaced.iter().filter(|l| l.contains(&file)).count(),
            1,
            "{file}: {stderr}"
        );
    }
    assert_eq!(
        cache.get_preferred_method(site.url()).unwrap(),
        Some(tk_auth::defaults::LoginMethod::Credentials)
    );
    assert!(
        cache
            .get_session_data(site.url(), "alice")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_wrong_piped_password_fails_with_the_sites_answer_and_stores_nothing() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        tk_auth(home.path()).args([
            "login",
            "--site",
            site.url(),
            "--login",
            "alice",
            "--password-stdin",
        ]),
        "not-it-Canary-5",
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Authentication failed"), "{stderr}");
    assert!(!stderr.contains("Canary"), "{stderr}");
    let cache = SessionCache::at(home.path());
    assert_eq!(cache.get_current_host(), None);
}

#[test]
fn a_second_login_with_a_valid_session_asks_nothing_and_force_logs_in_again() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    assert!(
        log_in_with_piped_password(home.path(), site.url(), "alice")
            .status
            .success()
    );
    let out = tk_auth(home.path())
        .args(["login"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Already logged in to {} as alice (the stored session is valid; --force logs in again).\n",
            site.url()
        )
    );
    assert_eq!(site.calls("get_session_token"), 1);
    // --force does not reuse it: without a terminal it needs a piped password.
    let out = tk_auth(home.path())
        .args(["login", "--force", "--site", site.url()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let out = run_with_stdin(
        tk_auth(home.path()).args(["login", "--force", "--login", "alice", "--password-stdin"]),
        PASSWORD,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(site.calls("get_session_token"), 2);
}

#[test]
fn a_password_is_not_sent_over_plain_http_to_another_machine() {
    // The site is named as another machine; the emulator on loopback answers as its proxy,
    // so nothing leaves this machine.
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let remote = "http://tk-auth-test.invalid";
    let out = run_with_stdin(
        tk_auth(home.path())
            .args([
                "login",
                "--site",
                remote,
                "--login",
                "alice",
                "--password-stdin",
            ])
            .env_remove("NO_PROXY")
            .env("http_proxy", site.url()),
        PASSWORD,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "refusing to send a password to {remote} over plain http"
        )),
        "{stderr}"
    );
    // The site was reached through the loopback proxy, and only asked for its info.
    assert!(site.calls("info") >= 1);
    assert_eq!(site.calls("get_session_token"), 0);
}

#[test]
fn whoami_json_and_token_have_their_documented_shapes() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    assert!(
        log_in_with_piped_password(home.path(), site.url(), "alice")
            .status
            .success()
    );
    let out = tk_auth(home.path())
        .args(["whoami", "--json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let person: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        person,
        serde_json::json!({
            "site": site.url(),
            "login": "alice",
            "entity": {"type": "HumanUser", "id": 42},
            "name": "Alice Doe",
        })
    );
    let out = tk_auth(home.path())
        .args(["whoami"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        format!("alice (Alice Doe) on {}: HumanUser 42\n", site.url())
    );
    let out = tk_auth(home.path()).args(["token"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    let stored = SessionCache::at(home.path())
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(token, format!("{}\n", stored.session_token.expose()));
    // Not a terminal: no warning.
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn whoami_and_token_without_a_session_exit_4() {
    let home = tempfile::tempdir().unwrap();
    for command in ["whoami", "token"] {
        let out = tk_auth(home.path())
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{command}: {stderr}");
        assert!(stderr.contains("tk-auth login"), "{command}: {stderr}");
    }
}

#[test]
fn an_unknown_or_unavailable_prompt_mode_is_bad_usage_naming_it() {
    let home = tempfile::tempdir().unwrap();
    for (mode, expected) in [
        (
            "tty",
            "unknown prompt mode \"tty\" in TK_AUTH_PROMPT: use gui, console or none",
        ),
        (
            "gui",
            if cfg!(feature = "gui") {
                "cannot open the login window: no display"
            } else {
                "this build has no GUI (the `gui` feature)"
            },
        ),
    ] {
        let out = tk_auth(home.path())
            .args(["login", "--site", "http://127.0.0.1:9"])
            .env("TK_AUTH_PROMPT", mode)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mode}: {stderr}");
        assert!(stderr.contains(expected), "{mode}: {stderr}");
    }
}

#[test]
fn a_piped_password_is_used_even_where_prompts_are_off() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        tk_auth(home.path())
            .args([
                "login",
                "--site",
                site.url(),
                "--login",
                "alice",
                "--password-stdin",
            ])
            .env("TK_AUTH_NONINTERACTIVE", "1")
            .env("TK_AUTH_PROMPT", "none"),
        PASSWORD,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Bob's site asks for a two-factor code next: that is a prompt, refused at once.
    let out = run_with_stdin(
        tk_auth(home.path())
            .args([
                "login",
                "--site",
                site.url(),
                "--login",
                "bob",
                "--password-stdin",
            ])
            .env("TK_AUTH_NONINTERACTIVE", "1"),
        PASSWORD,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("asks bob for a two-factor code, and --password-stdin alone gives none"),
        "{stderr}"
    );
}
