//! Flow tokens across processes: tk-auth processes that need a refresh at once spend the
//! single-use refresh token once in total, and a Python Toolkit process refreshing at the
//! same moment never leaves a corrupt file or a spent refresh token behind.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tk_auth::{
    AuthOptions, Defaults, Env, NonInteractivePrompter, ScriptedPrompter, ShotgunAuthenticator,
};
use tk_auth_site_emulator::SiteEmulator;
use tk_auth_test_support::{Python, child, var_or_skip};

use crate::flow_tokens::{APP, flow, server};

const CHILD: &str = "flow_processes::child_asks_for_a_flow_token";

/// The body of each child process: one token, printed for the parent.
#[tokio::test]
#[ignore = "run by its parent test with the server and home in the environment"]
async fn child_asks_for_a_flow_token() {
    child::enter(CHILD);
    let env = child_env();
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        NonInteractivePrompter,
        AuthOptions::new().environment(env.clone()),
    );
    let token = auth.flow_auth().unwrap().access_token().await.unwrap();
    #[allow(clippy::print_stdout, reason = "the parent reads the child's token")]
    {
        println!("flow-token={}", token.expose());
    }
}

fn child_env() -> Env {
    let var = child::var;
    Env::from_pairs([
        ("SHOTGUN_HOME", var("TK_E2E_HOME")),
        ("TK_FLOW_AUTH_APPLICATION_ID", APP.to_owned()),
        ("TK_FLOW_AUTH_BASE_URL", var("TK_E2E_FLOW_URL")),
        (
            "TK_FLOW_AUTH_CALLBACK_URL",
            "http://localhost:0/auth/callback".to_owned(),
        ),
        ("USER", "artist".to_owned()),
    ])
}

fn token_of(out: &Output) -> Option<String> {
    // The harness prints the test's name on the same line.
    let text = String::from_utf8_lossy(&out.stdout);
    let (_, rest) = text.split_once("flow-token=")?;
    rest.split_whitespace().next().map(str::to_owned)
}

/// Logs in once (the test plays the browser), with tokens that expire within 5 minutes.
async fn logged_in_with_an_expiring_token(server: &SiteEmulator, home: &Path) {
    server.set_flow_token_lifetime(Duration::from_mins(2));
    flow(server, home, ScriptedPrompter::new([]))
        .access_token()
        .await
        .unwrap();
    server.set_flow_token_lifetime(Duration::from_secs(3599));
}

/// Whether the refresh token stored in `home` is still good: one more refresh works.
async fn stored_refresh_token_works(
    server: &SiteEmulator,
    home: &Path,
) -> Result<(), tk_auth::Error> {
    flow(server, home, NonInteractivePrompter)
        .refresh()
        .await
        .map(drop)
}

#[tokio::test]
async fn eight_processes_needing_a_refresh_at_once_send_one_refresh_request() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    logged_in_with_an_expiring_token(&server, home.path()).await;
    let children: Vec<_> = (0..8)
        .map(|_| {
            child::command(CHILD)
                .arg("--nocapture")
                .env("TK_E2E_HOME", home.path())
                .env("TK_E2E_FLOW_URL", server.url())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let tokens: Vec<String> = outputs
        .iter()
        .map(|out| {
            token_of(out).unwrap_or_else(|| {
                panic!(
                    "a child failed: {}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            })
        })
        .collect();
    assert_eq!(
        server.calls("flow:refresh_token"),
        1,
        "one refresh across 8 processes"
    );
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "every process got the same token"
    );
    // Nobody was left with a spent refresh token: the stored one still works.
    let again = stored_refresh_token_works(&server, home.path()).await;
    assert!(again.is_ok(), "{again:?}");
    assert_eq!(server.calls("flow:refresh_token"), 2);
}

/// Python's own refresh (tk-core's vendored `adsk_auth`), with no browser to fall back to.
const PYTHON_REFRESH: &str = r#"
import json, os, sys
from tank_vendor.adsk_auth import AuthConfig, get_access_token
config = AuthConfig(
    application_id=os.environ["APP"], base_url=os.environ["BASE"],
    callback_url="http://localhost:1/auth/callback",
    required_application_scopes=["data:read"], storage_dir=os.environ["STORAGE"])
try:
    token = get_access_token(config, profile="artist", force_refresh=True, time_out=1, browser="false-browser-for-tests")
    print("python-token=" + token)
except Exception as e:
    print("python-failed=" + type(e).__name__)
"#;

#[tokio::test]
async fn a_python_process_refreshing_at_the_same_moment_never_leaves_a_corrupt_file_or_a_spent_token()
 {
    // tk-core's vendored `adsk_auth` is not on any package index.
    let Some(tk_core) = var_or_skip("TK_CORE_PATH") else {
        return;
    };
    let server = server();
    for round in 0..5 {
        let home = tempfile::tempdir().unwrap();
        logged_in_with_an_expiring_token(&server, home.path()).await;
        let refreshes = server.calls("flow:refresh_token");
        let rust = child::command(CHILD)
            .arg("--nocapture")
            .env("TK_E2E_HOME", home.path())
            .env("TK_E2E_FLOW_URL", server.url())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let python = Python::code(PYTHON_REFRESH)
            .env("PYTHONPATH", &tk_core)
            .env("APP", APP)
            .env("BASE", server.url())
            .env("STORAGE", home.path())
            .run();
        let rust = rust.wait_with_output().unwrap();
        let python_out = &python.stdout;
        let rust_ok = token_of(&rust).is_some();
        let python_ok = python_out.contains("python-token=");
        // At worst one side finds its refresh token spent by the other.
        assert!(
            rust_ok || python_ok,
            "round {round}: both failed: {python_out} / {}",
            String::from_utf8_lossy(&rust.stderr)
        );
        assert!(server.calls("flow:refresh_token") - refreshes <= 2);
        // The file is whole and its refresh token is unspent: one more refresh works.
        let file: serde_json::Value = serde_json::from_slice(
            &std::fs::read(home.path().join("adsk_flow_tokens.json")).unwrap(),
        )
        .expect("the token file is valid JSON");
        assert!(file[format!("adsk.flow.{APP}.refresh_token")]["artist"].is_string());
        let again = stored_refresh_token_works(&server, home.path()).await;
        assert!(
            again.is_ok(),
            "round {round}: the stored refresh token was spent: {again:?}"
        );
    }
}
