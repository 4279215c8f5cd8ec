//! What people read: the command's human output, as snapshots under `tests/cli/snapshots/`,
//! with temporary folders and ports replaced by placeholders. Review a change with
//! `cargo insta review` (or set `INSTA_UPDATE=always` once and read the diff).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tk_auth::core::Secret;
use tk_auth::defaults::SessionCache;

const SITE: &str = "https://mysite.shotgunstudio.com";

fn tk_auth(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tk-auth").expect("the tk-auth binary is built");
    cmd.env("SHOTGUN_HOME", home)
        .env("HOME", home)
        .env_remove("TK_AUTH_STORE")
        .env_remove("TK_AUTH_LOG")
        .env_remove("SGTK_PREFERENCES_LOCATION")
        .env_remove("SGTK_DESKTOP_CONFIG_LOCATION");
    cmd
}

/// stdout and stderr of a run, with the temporary home and any loopback port replaced.
fn shown(output: &Output, home: &Path) -> String {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    redact_ports(&as_on_linux(
        &text.replace(home.to_str().unwrap(), "[HOME]"),
    ))
}

/// Paths below `[HOME]` written with `/`, and a missing file's message as Linux words it, so
/// that one snapshot holds on Windows too.
fn as_on_linux(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("[HOME]") {
        let (before, after) = rest.split_at(at + "[HOME]".len());
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ')' | ','))
            .unwrap_or(after.len());
        out.push_str(&after[..end].replace('\\', "/"));
        rest = &after[end..];
    }
    out.push_str(rest);
    out.replace(
        "File not found. (os error 2)",
        "No such file or directory (os error 2)",
    )
}

/// `127.0.0.1:<digits>` becomes `127.0.0.1:[PORT]`.
fn redact_ports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("[PORT]");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

fn logged_in() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(dir.path());
    for login in ["alice", "jdoe"] {
        cache
            .cache_session_data(SITE, login, &Secret::new("tok-canary-3"), None)
            .unwrap();
        cache.set_current_user(SITE, login).unwrap();
    }
    cache.set_current_host(SITE).unwrap();
    dir
}

#[test]
fn paths_below_home_are_written_with_forward_slashes() {
    assert_eq!(
        as_on_linux("file: [HOME]\\a\\b.yml, not C:\\x; '[HOME]\\c' [HOME]"),
        "file: [HOME]/a/b.yml, not C:\\x; '[HOME]/c' [HOME]"
    );
}

#[test]
fn redaction_replaces_every_loopback_port() {
    assert_eq!(
        redact_ports("at http://127.0.0.1:8080/x and 127.0.0.1:1 but not 127.0.0.1:"),
        "at http://127.0.0.1:[PORT]/x and 127.0.0.1:[PORT] but not 127.0.0.1:"
    );
}

#[test]
fn status_of_a_stored_session() {
    let home = logged_in();
    let out = tk_auth(home.path()).arg("status").output().unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[test]
fn status_with_nothing_stored() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path()).arg("status").output().unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[test]
fn sites_and_users_as_lists() {
    let home = logged_in();
    let sites = tk_auth(home.path()).arg("sites").output().unwrap();
    let users = tk_auth(home.path()).arg("users").output().unwrap();
    insta::assert_snapshot!(format!(
        "{}\n{}",
        shown(&sites, home.path()),
        shown(&users, home.path())
    ));
}

#[test]
fn logout_says_who_left_which_site() {
    let home = logged_in();
    let out = tk_auth(home.path()).arg("logout").output().unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[test]
fn a_payload_that_is_not_a_user_is_bad_input() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("payload.txt");
    std::fs::write(&file, "cos\nsystem\n(S'echo hi'\ntR.").unwrap();
    let out = tk_auth(home.path())
        .args(["payload", "decode"])
        .arg(&file)
        .output()
        .unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[test]
fn a_missing_payload_file_is_named() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .args(["payload", "decode"])
        .arg(home.path().join("nope.txt"))
        .output()
        .unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[cfg(feature = "emulator")]
#[test]
#[cfg_attr(
    windows,
    ignore = "stops the emulator with a Unix signal (SIGTERM or SIGINT), which Windows has not"
)]
fn the_emulator_announces_its_url_and_control_api() {
    #[cfg(unix)]
    {
        use std::io::{BufRead, BufReader, Read};
        use std::process::Stdio;

        let home = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tk-auth"))
            .arg("emulator")
            .env_remove("TK_AUTH_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut url = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut url)
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut banner)
            .unwrap();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut rest);
        let exit = child.wait().unwrap();
        insta::assert_snapshot!(redact_ports(&format!(
            "exit: {:?}\n--- stdout (first line)\n{url}--- stderr\n{banner}{}",
            exit.code(),
            rest.replace(home.path().to_str().unwrap(), "[HOME]")
        )));
    }
}

#[test]
fn tk_auth_log_chooses_which_messages_reach_stderr() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("payload.json");
    // Cookies that are not base64: decoding them logs the failure (and goes on).
    let payload = r#"{"type": "SessionUser", "data": {"host": "https://mysite.shotgunstudio.com", "login": "jdoe", "session_token": "tok-canary-4", "http_proxy": null, "session_metadata": "%%% not base64"}}"#;
    std::fs::write(&file, payload).unwrap();
    let run = |log: Option<&str>| {
        let mut cmd = tk_auth(home.path());
        cmd.args(["payload", "decode"]).arg(&file);
        if let Some(directives) = log {
            cmd.env("TK_AUTH_LOG", directives);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    // Python's wording, logged as an error.
    let said = "Unable to decode the cookies";
    let default = run(None);
    assert!(default.contains(said), "shown by default: {default}");
    assert!(!default.contains("tok-canary"), "{default}");
    assert_eq!(run(Some("off")), "", "nothing was asked for");
    assert!(run(Some("tk_auth_core=error")).contains(said));
    assert_eq!(
        run(Some("tk_auth_http=trace")),
        "",
        "another crate's messages only"
    );
}

#[test]
fn status_check_of_a_session_the_site_expired() {
    let site = tk_auth_test_support::site_with_user("jdoe");
    let (home, _token) = crate::support::logged_in_on(&site, "jdoe");
    site.expire_all_sessions();
    let out = tk_auth(home.path())
        .args(["status", "--check"])
        .output()
        .unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}

#[test]
fn payload_export_with_nobody_logged_in() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .args(["payload", "export"])
        .output()
        .unwrap();
    insta::assert_snapshot!(shown(&out, home.path()));
}
