//! `tk-auth status [--check]`: read through the façade as Python's authenticator reads the
//! defaults, and checked against a running site.

use serde_json::{Value, json};
use tk_auth_test_support::site_with_user;

use crate::support::{export_cases, logged_in_on, python_home, tk_auth, tree};

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn status_reports_a_session_a_python_tool_stored_and_writes_nothing() {
    let case = export_cases()
        .into_iter()
        .find(|c| c.ends_with("web_login"))
        .unwrap();
    let (home, mut cmd) = python_home(&case);
    let before = tree(home.path());
    let out = cmd.args(["status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["site"], "https://mysite.shotgunstudio.com");
    assert_eq!(v["login"], "jane.doe@example.com");
    assert_eq!(v["session_stored"], true);
    assert_eq!(v["store"], "file");
    assert_eq!(v["credentials"], Value::Null);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("3f9a2c7e"));
    assert_eq!(tree(home.path()), before);
}

#[test]
fn status_takes_the_login_from_toolkit_ini_as_python_does() {
    let case = export_cases()
        .into_iter()
        .find(|c| c.ends_with("ini_default_login"))
        .unwrap();
    let (_home, mut cmd) = python_home(&case);
    let v = json_of(&cmd.args(["status", "--json"]).output().unwrap());
    assert_eq!(v["login"], "jdoe");
    assert_eq!(v["session_stored"], true);
}

#[test]
fn status_check_says_valid_while_the_site_accepts_the_session() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    let out = tk_auth(home.path())
        .args(["status", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["credentials"], "valid");
    assert_eq!(v["check_error"], Value::Null);
    let text = tk_auth(home.path())
        .args(["status", "--check"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("credentials:    valid"));
}

#[test]
fn status_check_exits_4_once_the_site_expired_the_session_and_never_renews() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    site.expire_all_sessions();
    site.reset_calls();
    let out = tk_auth(home.path())
        .args(["status", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert_eq!(json_of(&out)["credentials"], "expired");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tk-auth login"), "{stderr}");
    assert_eq!(site.calls("get_session_token"), 0, "a check never logs in");
}

#[test]
fn status_check_exits_1_when_the_site_cannot_be_reached() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    drop(site);
    let out = tk_auth(home.path())
        .args(["status", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["credentials"], "unreachable");
    assert!(
        v["check_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{v}"
    );
}

#[test]
fn status_check_with_nothing_stored_exits_4_without_asking_anyone() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .args(["status", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert_eq!(json_of(&out)["credentials"], "no_session");
}

/// `status` in text and in JSON for a `toolkit.ini` (a default site, and `ini_proxy` as its
/// `http_proxy` when given) and the given environment.
fn status_with_proxy_settings(ini_proxy: Option<&str>, env: &[(&str, &str)]) -> (String, Value) {
    let home = tempfile::tempdir().unwrap();
    let ini = home.path().join("toolkit.ini");
    let proxy_line = ini_proxy.map(|proxy| format!("http_proxy = {proxy}\n"));
    std::fs::write(
        &ini,
        format!(
            "[Login]\ndefault_site = https://mysite.shotgunstudio.com\n{}",
            proxy_line.unwrap_or_default()
        ),
    )
    .unwrap();
    let run = |json: bool| {
        let mut cmd = tk_auth(home.path());
        cmd.env("SGTK_PREFERENCES_LOCATION", &ini);
        for name in ["no_proxy", "NO_PROXY", "REQUEST_METHOD"] {
            cmd.env_remove(name);
        }
        cmd.envs(env.iter().copied()).arg("status");
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout.contains("canary"),
            "a proxy password was shown: {stdout}"
        );
        stdout
    };
    let json: Value = serde_json::from_str(&run(true)).unwrap();
    let line = run(false)
        .lines()
        .find(|l| l.starts_with("proxy:"))
        .unwrap()
        .to_owned();
    (line, json)
}

#[test]
fn status_shows_the_proxy_in_use_and_where_it_came_from_without_its_password() {
    // toolkit.ini's http_proxy, the environment; the text shown, then `proxy`,
    // `proxy_source` and `proxy_variable` in JSON.
    type Case<'a> = (
        Option<&'a str>,
        &'a [(&'a str, &'a str)],
        &'a str,
        [Value; 3],
    );
    let cases: [Case<'_>; 6] = [
        (
            Some("bob:canary-pw@ini-proxy:3128"),
            &[("http_proxy", "env-proxy:1")],
            "bob:<redacted>@ini-proxy:3128 (toolkit.ini)",
            [
                json!("bob:<redacted>@ini-proxy:3128"),
                json!("toolkit_ini"),
                Value::Null,
            ],
        ),
        (
            None,
            &[("HTTP_PROXY", "http://alice:canary-pw@env-proxy:3128")],
            "alice:<redacted>@env-proxy:3128 (environment variable HTTP_PROXY)",
            [
                json!("alice:<redacted>@env-proxy:3128"),
                json!("environment"),
                json!("HTTP_PROXY"),
            ],
        ),
        // No Toolkit proxy: the site's own variable, which the site client uses.
        (
            None,
            &[("HTTPS_PROXY", "http://carol:canary-pw@secure-proxy:3129")],
            "http://carol:<redacted>@secure-proxy:3129 (environment variable HTTPS_PROXY)",
            [
                json!("http://carol:<redacted>@secure-proxy:3129"),
                json!("environment"),
                json!("HTTPS_PROXY"),
            ],
        ),
        (
            None,
            &[
                ("HTTPS_PROXY", "http://secure-proxy:3129"),
                ("NO_PROXY", "shotgunstudio.com"),
            ],
            "none",
            [Value::Null, Value::Null, Value::Null],
        ),
        // An empty `http_proxy` in toolkit.ini says "no proxy".
        (
            Some(""),
            &[],
            "none (toolkit.ini)",
            [Value::Null, json!("toolkit_ini"), Value::Null],
        ),
        (None, &[], "none", [Value::Null, Value::Null, Value::Null]),
    ];
    for (ini_proxy, env, text, [proxy, source, variable]) in cases {
        let (line, json) = status_with_proxy_settings(ini_proxy, env);
        // Windows spells environment variables in any case, and the first spelling the rule
        // asks for (`http_proxy`) finds `HTTP_PROXY` there.
        let (line, text, json_variable, variable) = if cfg!(windows) {
            (
                line.to_lowercase(),
                text.to_lowercase(),
                json["proxy_variable"].as_str().map(str::to_lowercase),
                variable.as_str().map(str::to_lowercase),
            )
        } else {
            (
                line,
                text.to_owned(),
                json["proxy_variable"].as_str().map(str::to_owned),
                variable.as_str().map(str::to_owned),
            )
        };
        assert_eq!(
            line,
            format!("proxy:          {text}"),
            "{ini_proxy:?} {env:?}"
        );
        assert_eq!(json["proxy"], proxy, "{ini_proxy:?} {env:?}");
        assert_eq!(json["proxy_source"], source, "{ini_proxy:?} {env:?}");
        assert_eq!(json_variable, variable, "{ini_proxy:?} {env:?}");
    }
}
