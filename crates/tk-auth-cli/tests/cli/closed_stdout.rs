//! Every command with a stdout whose reader has gone (`tk-auth token | head -c0`): the
//! output stops quietly, the command's work and exit code are what they would be, and
//! nothing panics.
//!
//! The pipe's read end is closed before the command starts, so its first write finds the
//! pipe closed whatever the timing.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tk_auth_site_emulator::SiteEmulator;

use crate::login::{PASSWORD, site, tk_auth};
use crate::support::logged_in_on;

/// Runs `cmd` with `input` on stdin and a stdout pipe that nobody reads.
fn run_with_closed_stdout(cmd: &mut Command, input: &str) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("tk-auth starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // A command that never reads its stdin may have closed it already.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("tk-auth ends")
}

/// Runs `tk-auth ARGS` in `home` with stdout closed, and checks that it ended with `code`
/// and said nothing about the closed pipe.
fn quietly(home: &Path, args: &[&str], input: &str, code: i32) -> Output {
    let out = run_with_closed_stdout(tk_auth(home).args(args), input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "tk-auth {args:?} ended with {:?}; stderr: {stderr}",
        out.status
    );
    for said in ["panicked", "Broken pipe", "broken pipe", "os error 32"] {
        assert!(
            !stderr.contains(said),
            "tk-auth {args:?} wrote {said:?}: {stderr}"
        );
    }
    out
}

fn alice_logged_in(site: &SiteEmulator) -> tempfile::TempDir {
    logged_in_on(site, "alice").0
}

#[test]
fn commands_that_read_the_session_files_end_quietly_with_their_own_exit_code() {
    let site = site();
    let home = alice_logged_in(&site);
    for args in [
        &["token"][..],
        &["status"],
        &["status", "--json"],
        &["sites"],
        &["sites", "--json"],
        &["users"],
        &["users", "--json"],
        &["payload", "export"],
        &["payload", "export", "--format", "pickle"],
    ] {
        quietly(home.path(), args, "", 0);
    }
    // The exit code is still the command's: the check found the session expired.
    site.expire_all_sessions();
    quietly(home.path(), &["status", "--check"], "", 4);
}

#[test]
fn commands_that_call_the_site_do_their_work_and_end_quietly() {
    let site = site();
    let home = alice_logged_in(&site);
    quietly(home.path(), &["whoami"], "", 0);
    quietly(home.path(), &["whoami", "--json"], "", 0);

    // The login is done and stored although its message could not be shown.
    let fresh = tempfile::tempdir().unwrap();
    let args = [
        "login",
        "--site",
        site.url(),
        "--login",
        "alice",
        "--password-stdin",
    ];
    quietly(fresh.path(), &args, PASSWORD, 0);
    let stored = tk_auth::defaults::SessionCache::at(fresh.path());
    assert_eq!(
        stored.get_current_user(site.url()).unwrap().as_deref(),
        Some("alice")
    );
    // Again, with the stored session valid: the "already logged in" line.
    quietly(
        fresh.path(),
        &["login", "--site", site.url(), "--login", "alice"],
        "",
        0,
    );

    quietly(home.path(), &["logout"], "", 0);
    assert_eq!(
        tk_auth::defaults::SessionCache::at(home.path())
            .get_session_data(site.url(), "alice")
            .unwrap(),
        None
    );
}

#[test]
fn payload_encode_and_decode_end_quietly() {
    let home = tempfile::tempdir().unwrap();
    let user = r#"{"type": "ScriptUser", "host": "https://h.example.com", "api_script": "s", "api_key": "k"}"#;
    quietly(home.path(), &["payload", "encode"], user, 0);
    let payload = tk_auth(home.path())
        .args(["payload", "encode"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin is piped")
                .write_all(user.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(payload.status.success());
    let payload = String::from_utf8(payload.stdout).unwrap();
    quietly(home.path(), &["payload", "decode"], &payload, 0);
    quietly(
        home.path(),
        &["payload", "decode", "--show-secrets"],
        &payload,
        0,
    );
}

#[test]
fn help_version_and_completions_end_quietly() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["-h"],
        &["--version"],
        &["status", "--help"],
        &["payload", "decode", "--help"],
        &["completions", "bash"],
        &["completions", "zsh"],
    ] {
        quietly(home.path(), args, "", 0);
    }
    // A usage error still goes to stderr with exit code 2.
    let out = quietly(home.path(), &["--no-such-option"], "", 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-option"));
}

#[cfg(feature = "emulator")]
#[test]
fn the_emulator_stops_at_once_when_nobody_reads_its_url() {
    let home = tempfile::tempdir().unwrap();
    quietly(home.path(), &["emulator"], "", 0);
}

#[cfg(feature = "emulator")]
#[test]
fn the_demo_runs_to_its_end_and_cleans_up_when_nobody_reads_it() {
    let home = tempfile::tempdir().unwrap();
    let kept = home.path().join("demo-home");
    quietly(
        home.path(),
        &[
            "demo",
            "--non-interactive",
            "--home",
            kept.to_str().unwrap(),
        ],
        "",
        0,
    );
    // The demo did its steps: the session it logged in with is stored in its folder.
    let stored = tk_auth::defaults::SessionCache::at(&kept);
    assert!(stored.get_current_host().is_some());
}

/// Output that cannot be written for another reason than a closed pipe is an error.
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "writes to /dev/full, which only Linux has"
)]
fn a_full_disk_on_stdout_is_an_error_with_exit_code_1() {
    #[cfg(target_os = "linux")]
    {
        let home = tempfile::tempdir().unwrap();
        for args in [&["--version"][..], &["status"], &["completions", "bash"]] {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let out = tk_auth(home.path())
                .args(args)
                .stdout(full)
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(
                stderr.contains("tk-auth: error: writing to standard output"),
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        }
    }
}
