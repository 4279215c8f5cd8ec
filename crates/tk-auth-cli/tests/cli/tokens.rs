//! `tk-auth flow …` and `tk-auth rest-token`: Flow tokens from a browser login (the test's
//! browser follows the authorization page back), their status and logout, and a REST API
//! token of the current user.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;
use tk_auth_site_emulator::{HumanAccount, SiteEmulator, browser};

use crate::json_schemas::assert_matches;
use crate::support::{logged_in_on, tk_auth};

const APP: &str = "tk-auth-cli-app";

fn server() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(42))
        .flow_application(APP)
        .flow_auto_approve(Some("alice"))
        .start()
        .unwrap()
}

/// `tk-auth` for `server`'s Flow application.
fn flow_cmd(home: &Path, server: &SiteEmulator) -> std::process::Command {
    let mut cmd = crate::login::tk_auth(home);
    cmd.env("TK_FLOW_AUTH_APPLICATION_ID", APP)
        .env("TK_FLOW_AUTH_BASE_URL", server.url())
        .env(
            "TK_FLOW_AUTH_CALLBACK_URL",
            "http://localhost:0/auth/callback",
        )
        .env("USER", "artist")
        .env("USERNAME", "artist");
    cmd
}

/// `tk-auth flow login --no-browser` without a terminal: the test reads the page it shows
/// on stderr and plays the browser on it; the command's output.
fn flow_login(home: &Path, server: &SiteEmulator) -> std::process::Output {
    let mut child = flow_cmd(home, server)
        .args(["flow", "login", "--no-browser"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no page was shown: {shown}"
        );
        shown.push_str(&line);
        if let (Some(at), true) = (
            line.find("http://"),
            line.contains("/authentication/v2/authorize"),
        ) {
            browser::follow(line[at..].trim()).unwrap();
            break;
        }
    }
    let mut output = child.wait_with_output().unwrap();
    stderr.read_to_string(&mut shown).unwrap();
    output.stderr = shown.into_bytes();
    output
}

#[test]
fn a_flow_login_without_a_terminal_then_token_status_and_logout() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    let out = flow_login(home.path(), &server);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Logged in to Flow as profile artist"));
    assert_eq!(server.calls("flow:authorization_code"), 1);

    let out = flow_cmd(home.path(), &server)
        .args(["flow", "token", "--json"])
        .output()
        .unwrap();
    let token = assert_matches("flow-token", &out);
    assert_eq!(token["profile"], "artist");
    assert_eq!(
        server.calls("flow:authorization_code"),
        1,
        "the stored token was used"
    );
    assert_eq!(server.calls("flow:refresh_token"), 0);

    let out = flow_cmd(home.path(), &server)
        .args(["flow", "status", "--json"])
        .output()
        .unwrap();
    let status = assert_matches("flow-status", &out);
    assert_eq!(status["access_token_usable"], true);
    assert_eq!(status["has_refresh_token"], true);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(token["access_token"].as_str().unwrap())
    );

    let out = flow_cmd(home.path(), &server)
        .args(["flow", "logout"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = flow_cmd(home.path(), &server)
        .args(["flow", "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        assert_matches("flow-status", &out)["has_refresh_token"],
        false
    );

    // A script without a terminal: no browser is opened, and the exit code says why.
    let out = flow_cmd(home.path(), &server)
        .args(["flow", "token"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FlowAuth")
            || String::from_utf8_lossy(&out.stderr).contains("Flow")
    );
    assert_eq!(server.calls("flow:authorization_code"), 1);
}

#[test]
fn invalid_flow_settings_are_bad_input_in_python_s_words() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    let out = flow_cmd(home.path(), &server)
        .env("TK_FLOW_AUTH_APPLICATION_ID", "")
        .args(["flow", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Required setting 'auth_application_id' is not configured."),
        "{stderr}"
    );
}

#[test]
fn rest_token_gives_the_current_user_a_token_that_reads_the_rest_api() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("jdoe", "pw-Jdoe-1").with_id(42))
        .start()
        .unwrap();
    let (home, _token) = logged_in_on(&site, "jdoe");
    let out = tk_auth(home.path())
        .args(["rest-token", "--json"])
        .output()
        .unwrap();
    let value: Value = assert_matches("rest-token", &out);
    assert_eq!(value["user"], "jdoe");
    assert_eq!(value["user_type"], "HumanUser");
    let header = format!("Bearer {}", value["access_token"].as_str().unwrap());
    let page = browser::visit_with(
        &format!("{}/api/v1/entity/human_users/42", site.url()),
        &[("Authorization", &header)],
    )
    .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);

    let out = tk_auth(home.path()).arg("rest-token").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        site.calls("rest:session_token"),
        2,
        "each process trades the session once"
    );
}
