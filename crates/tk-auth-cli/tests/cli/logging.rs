//! `-v`, `RUST_LOG` and `TK_AUTH_LOG`: log messages on stderr, never a secret.

use tk_auth_test_support::site_with_user;

use crate::support::{logged_in_on, tk_auth};

#[test]
fn v_flags_raise_the_level_and_no_level_shows_the_session_token() {
    let site = site_with_user("jdoe");
    let (home, token) = logged_in_on(&site, "jdoe");
    let run = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = tk_auth(home.path());
        cmd.args(args).args(["status", "--check"]);
        if let Some((name, value)) = env {
            cmd.env(name, value);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(!stderr.contains(&token), "token in the logs: {stderr}");
        assert!(!stdout.contains(&token), "token in the output: {stdout}");
        stderr
    };
    let quiet = run(&[], None);
    assert!(
        !quiet.contains("DEBUG") && !quiet.contains("TRACE"),
        "{quiet}"
    );
    let trace = run(&["-vvv"], None);
    assert!(
        trace.contains("TRACE") || trace.contains("DEBUG"),
        "{trace}"
    );
    let debug = run(&[], Some(("RUST_LOG", "debug")));
    assert!(debug.contains("DEBUG"), "{debug}");
    // TK_AUTH_LOG wins over RUST_LOG.
    let off = run(&[], Some(("TK_AUTH_LOG", "off")));
    assert_eq!(off, "");
    let exported = tk_auth(home.path())
        .args(["-vvv", "payload", "export"])
        .output()
        .unwrap();
    assert!(exported.status.success(), "{exported:?}");
    assert!(!String::from_utf8_lossy(&exported.stderr).contains(&token));
}

#[test]
fn directives_that_do_not_parse_are_named_and_ignored() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .env("RUST_LOG", "tk_auth=loud")
        .arg("status")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ignoring RUST_LOG"), "{err}");
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    let out = tk_auth(home.path())
        .args(["-vv", "status", "--check"])
        .output()
        .unwrap();
    assert!(!out.stderr.contains(&0x1b), "{out:?}");
}
