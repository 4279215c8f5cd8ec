//! `tk-auth login --password-stdin` as a script runs it: a bounded read of standard input,
//! advice that fits a site taking no password or asking for a two-factor code, and the code
//! passed on the line after the password (`--code-stdin`).

use std::io::Write as _;
use std::process::{Output, Stdio};

use tk_auth::defaults::{LoginMethod, SessionCache};
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use super::{PASSWORD, run_with_stdin, site, tk_auth};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `tk-auth login --site URL --login LOGIN --password-stdin [extra…]` with `input` piped in.
fn piped_login(
    home: &std::path::Path,
    url: &str,
    login: &str,
    extra: &[&str],
    input: &str,
) -> Output {
    run_with_stdin(
        tk_auth(home)
            .args(["login", "--site", url, "--login", login, "--password-stdin"])
            .args(extra),
        input,
    )
}

/// A site of `method` with alice on it.
fn site_using(method: SiteAuthMethod) -> SiteEmulator {
    SiteEmulator::builder()
        .auth_method(method)
        .human_user(HumanAccount::new("alice", PASSWORD))
        .start()
        .expect("the site emulator starts")
}

fn nothing_stored(home: &std::path::Path, url: &str) {
    let cache = SessionCache::at(home);
    assert_eq!(cache.get_current_host(), None);
    for login in ["alice", "bob"] {
        assert!(
            cache.get_session_data(url, login).unwrap().is_none(),
            "{login}"
        );
    }
}

#[test]
fn more_than_64_kib_on_standard_input_is_refused_before_anything_is_sent_or_stored() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let mut child = tk_auth(home.path())
        .args([
            "login",
            "--site",
            site.url(),
            "--login",
            "alice",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // 1 MiB, as from a pipe that does not end where it should; the command stops reading
    // at the bound, so the rest may meet a closed pipe.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = "Canary-64-".repeat(1024);
        for _ in 0..100 {
            if stdin.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input holds more than 65536 bytes (64 KiB)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was sent or stored"), "{stderr}");
    assert!(!stderr.contains("Canary"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert_eq!(site.calls("info"), 0);
    assert_eq!(site.calls("get_session_token"), 0);
    nothing_stored(home.path(), site.url());
}

#[test]
fn a_piped_password_on_a_single_sign_on_site_names_the_browser_login_and_sends_nothing() {
    let site = site_using(SiteAuthMethod::Saml2);
    let home = tempfile::tempdir().unwrap();
    let out = piped_login(home.path(), site.url(), "alice", &[], PASSWORD);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} uses single sign-on and takes no password",
            site.url()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "tk-auth login --site {} --method browser",
            site.url()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("log in first"), "{stderr}");
    assert!(!stderr.contains("Canary"), "{stderr}");
    // Neither the password nor an approval request nobody would answer.
    assert_eq!(site.calls("get_session_token"), 0);
    assert_eq!(site.pending_requests(), Vec::new());
    nothing_stored(home.path(), site.url());
}

#[test]
fn a_piped_password_on_an_autodesk_identity_site_names_the_browser_login_and_is_not_sent() {
    let site = site_using(SiteAuthMethod::Oxygen);
    let home = tempfile::tempdir().unwrap();
    let out = piped_login(home.path(), site.url(), "alice", &[], PASSWORD);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} uses Autodesk Identity and takes no password",
            site.url()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "tk-auth login --site {} --method browser",
            site.url()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("log in first"), "{stderr}");
    assert_eq!(site.calls("get_session_token"), 0);
    nothing_stored(home.path(), site.url());
}

#[test]
fn a_two_factor_account_without_a_code_is_told_of_code_stdin() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let out = piped_login(home.path(), site.url(), "bob", &[], PASSWORD);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} asks bob for a two-factor code, and --password-stdin alone gives none",
            site.url()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "tk-auth login --site {} --login bob --password-stdin --code-stdin",
            site.url()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("log in first"), "{stderr}");
    nothing_stored(home.path(), site.url());
}

#[test]
fn a_two_factor_code_on_the_line_after_the_password_logs_in() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let code = site.totp_code("bob").unwrap();
    let out = piped_login(
        home.path(),
        site.url(),
        "bob",
        &["--code-stdin"],
        &format!("{PASSWORD}\n{code}\n"),
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        text(&out.stdout),
        format!("Logged in to {} as bob.\n", site.url())
    );
    assert!(!stderr.contains(&code), "{stderr}");
    // The password went as given (its spaces kept), the code with it.
    let body = site.last_request_body("get_session_token").unwrap();
    let sent = body.to_string();
    assert!(
        sent.contains(&format!("\"{PASSWORD}\"")),
        "the password was changed"
    );
    assert!(
        sent.contains(&format!("\"{code}\"")),
        "the code was not sent"
    );
    let cache = SessionCache::at(home.path());
    assert_eq!(cache.get_current_host(), Some(site.url().into()));
    assert_eq!(
        cache.get_current_user(site.url()).unwrap().as_deref(),
        Some("bob")
    );
    assert!(cache.get_session_data(site.url(), "bob").unwrap().is_some());
    assert_eq!(
        cache.get_preferred_method(site.url()).unwrap(),
        Some(LoginMethod::Credentials)
    );
}

#[test]
fn a_wrong_two_factor_code_fails_with_the_sites_answer_and_stores_nothing() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    // Each digit moved by 5: not the current code.
    let wrong: String = site
        .totp_code("bob")
        .unwrap()
        .chars()
        .map(|d| char::from_digit((d.to_digit(10).unwrap() + 5) % 10, 10).unwrap())
        .collect();
    let out = piped_login(
        home.path(),
        site.url(),
        "bob",
        &["--code-stdin"],
        &format!("{PASSWORD}\n{wrong}\n"),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Invalid two-factor authentication code"),
        "{stderr}"
    );
    assert!(
        stderr.contains("check the password and the two-factor code"),
        "{stderr}"
    );
    assert!(!stderr.contains(&wrong), "{stderr}");
    assert!(!stderr.contains("Canary"), "{stderr}");
    assert_eq!(site.calls("get_session_token"), 2);
    nothing_stored(home.path(), site.url());
}
