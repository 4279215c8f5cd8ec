//! What the Python Toolkit sees after `tk-auth login`: the current site and user where it
//! reads them, and a session token that works with `shotgun_api3`.

use tk_auth_test_support::Python;

use super::{PASSWORD, run_with_stdin, site, tk_auth};

/// Reads the session files as tk-core does — `current_host` in `SHOTGUN_HOME`'s
/// `authentication.yml`, then `current_user` and that user's `session_token` in the site's
/// folder, named after the site's host name (as the `site_layout` vectors show) — and
/// calls the site with the token through `shotgun_api3`.
const READ_AS_PYTHON: &str = r#"
import json, os, sys, urllib.parse, yaml, shotgun_api3
home = os.environ["SHOTGUN_HOME"]
with open(os.path.join(home, "authentication.yml")) as f:
    host = yaml.safe_load(f)["current_host"]
folder = urllib.parse.urlparse(host).hostname
with open(os.path.join(home, folder, "authentication.yml")) as f:
    site = yaml.safe_load(f)
login = site["current_user"]
token = [u for u in site["users"] if u["login"] == login][0]["session_token"]
sg = shotgun_api3.Shotgun(host, session_token=token)
me = sg.find_one("HumanUser", [["login", "is", login]], ["login", "name"])
print(json.dumps({"host": host, "login": login, "found": me["login"], "name": me["name"]}))
"#;

/// With tk-core itself (`TK_CORE_PATH`, as the benchmarks use it): the default user of
/// `ShotgunAuthenticator` and a call through its connection.
const DEFAULT_USER_IN_TK_CORE: &str = r#"
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/python"]
from tank.authentication import ShotgunAuthenticator
user = ShotgunAuthenticator().get_default_user()
me = user.create_sg_connection().find_one("HumanUser", [["login", "is", user.login]], ["login"])
print(json.dumps({"host": user.host, "login": user.login, "found": me["login"]}))
"#;

/// A `SHOTGUN_HOME` where `tk-auth login` logged alice in on `site`.
fn logged_in_home(site: &tk_auth_site_emulator::SiteEmulator) -> tempfile::TempDir {
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
        PASSWORD,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    home
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn after_a_login_python_finds_the_current_user_and_a_working_token() {
    let site = site();
    let home = logged_in_home(&site);
    let seen = Python::code(READ_AS_PYTHON)
        .env("SHOTGUN_HOME", home.path())
        .run()
        .stdout;
    let seen: serde_json::Value = serde_json::from_str(seen.trim()).unwrap();
    assert_eq!(
        seen,
        serde_json::json!({
            "host": site.url(),
            "login": "alice",
            "found": "alice",
            "name": "Alice Doe",
        })
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn after_a_login_tk_core_finds_the_default_user_and_a_working_token() {
    // tk-core is in no package registry: it runs where a checkout is named.
    let Some(core) = tk_auth_test_support::var_or_skip(tk_auth::core::env::TK_CORE_PATH) else {
        return;
    };
    let site = site();
    let home = logged_in_home(&site);
    let seen = Python::code(DEFAULT_USER_IN_TK_CORE)
        .args([&core])
        .env("SHOTGUN_HOME", home.path())
        .run()
        .stdout;
    let seen: serde_json::Value = serde_json::from_str(seen.trim()).unwrap();
    assert_eq!(
        seen,
        serde_json::json!({"host": site.url(), "login": "alice", "found": "alice"})
    );
}

/// A login as a Python tool records it: a session token from `shotgun_api3`, then the
/// session files written with `PyYAML` in tk-core's layout (the site's folder named after its
/// host name, `current_host` in the global file, `current_user` and the user's token in the
/// site's file).
const LOGIN_AS_PYTHON: &str = r#"
import os, sys, urllib.parse, yaml, shotgun_api3
host, login, password = sys.argv[1:4]
token = shotgun_api3.Shotgun(host, login=login, password=password).get_session_token()
home = os.environ["SHOTGUN_HOME"]
folder = os.path.join(home, urllib.parse.urlparse(host).hostname)
os.makedirs(folder, exist_ok=True)
with open(os.path.join(home, "authentication.yml"), "w") as f:
    yaml.safe_dump({"current_host": host, "recent_hosts": [host]}, f)
with open(os.path.join(folder, "authentication.yml"), "w") as f:
    yaml.safe_dump({"current_user": login, "recent_users": [login],
                    "users": [{"login": login, "session_token": token}]}, f)
"#;

/// The same with tk-core itself (`TK_CORE_PATH`): its own login and its own session cache.
const LOGIN_IN_TK_CORE: &str = r#"
import sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/python"]
from tank.authentication import ShotgunAuthenticator, session_cache
host, login, password = sys.argv[2:5]
ShotgunAuthenticator().create_session_user(login, password=password, host=host)
session_cache.set_current_host(host)
session_cache.set_current_user(host, login)
"#;

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn after_a_python_login_whoami_status_and_export_use_that_session() {
    whoami_status_and_export_use_the_session_of("PyYAML", Python::code(LOGIN_AS_PYTHON));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn after_a_tk_core_login_whoami_status_and_export_use_that_session() {
    // tk-core is in no package registry: it runs where a checkout is named.
    let Some(core) = tk_auth_test_support::var_or_skip(tk_auth::core::env::TK_CORE_PATH) else {
        return;
    };
    whoami_status_and_export_use_the_session_of(
        "tk-core",
        Python::code(LOGIN_IN_TK_CORE).args([core]),
    );
}

/// `login` (a Python run that takes the site, login and password) logs alice in; the
/// command then uses that session as it is.
fn whoami_status_and_export_use_the_session_of(who: &str, login: Python) {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    login
        .args([site.url(), "alice", PASSWORD])
        .env("SHOTGUN_HOME", home.path())
        .run();
    let generated = site.calls("get_session_token");

    let out = tk_auth(home.path())
        .args(["whoami", "--json"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{who}: {stderr}");
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["site"], site.url(), "{who}");
    assert_eq!(me["login"], "alice", "{who}");
    assert_eq!(me["entity"]["id"], 42, "{who}");
    assert_eq!(me["name"], "Alice Doe", "{who}");
    // The Python session was used as it is: no new token was asked for.
    assert_eq!(site.calls("get_session_token"), generated, "{who}");

    let out = tk_auth(home.path())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["site"], site.url(), "{who}");
    assert_eq!(status["login"], "alice", "{who}");

    let out = tk_auth(home.path())
        .args(["payload", "export"])
        .output()
        .unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(payload["data"]["login"], "alice", "{who}");
    assert_eq!(payload["data"]["host"], site.url(), "{who}");
}
