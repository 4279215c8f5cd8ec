//! Flow access tokens end to end against the emulator's authorization server: a browser
//! login (the test plays the browser), the token file, refreshes shared by many callers,
//! and every way a login can end.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tk_auth::{
    Answer, AuthOptions, Defaults, Env, ErrorKind, FlowAuth, NonInteractivePrompter, Prompter,
    ScriptedPrompter, ShotgunAuthenticator,
};
use tk_auth_site_emulator::browser;
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};
use tk_auth_test_support::LogCapture;

pub(crate) const APP: &str = "tk-auth-e2e-app";
pub(crate) const PERSON: &str = "alice";

/// A site whose authorization server approves logins at once, as `alice`.
pub(crate) fn server() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new(PERSON, "pw-Alice-1"))
        .flow_application(APP)
        .flow_auto_approve(Some(PERSON))
        .start()
        .unwrap()
}

/// The environment of a process using `server`, with its files in `home`.
pub(crate) fn flow_env(server: &SiteEmulator, home: &Path) -> Env {
    Env::from_pairs([
        ("SHOTGUN_HOME", home.to_str().unwrap()),
        ("TK_FLOW_AUTH_APPLICATION_ID", APP),
        ("TK_FLOW_AUTH_BASE_URL", server.url()),
        // Port 0: the login listens on a free port and tells the server which.
        (
            "TK_FLOW_AUTH_CALLBACK_URL",
            "http://localhost:0/auth/callback",
        ),
        ("USER", "artist"),
    ])
}

/// An authenticator whose "browser" follows the authorization page's redirects back to the
/// login's callback, on a thread of its own.
pub(crate) fn flow(
    server: &SiteEmulator,
    home: &Path,
    prompter: impl Prompter + 'static,
) -> FlowAuth {
    let env = flow_env(server, home);
    let options = AuthOptions::new()
        .environment(env.clone())
        .open_browser(|page| {
            let page = page.to_string();
            std::thread::spawn(move || browser::follow(&page));
            true
        });
    ShotgunAuthenticator::with_options(Defaults::from_env_with(&env).unwrap(), prompter, options)
        .flow_auth()
        .unwrap()
}

/// The error and its causes, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn interactive() -> ScriptedPrompter {
    ScriptedPrompter::new([])
}

fn stored(home: &Path) -> serde_json::Value {
    let path = home.join("adsk_flow_tokens.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_browser_login_stores_the_tokens_and_later_calls_use_them_without_a_request() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    let flow = flow(&server, home.path(), interactive());
    assert_eq!(flow.profile(), "artist");
    let token = flow.access_token().await.unwrap();
    assert_eq!(server.calls("flow:authorization_code"), 1);
    let file = stored(home.path());
    assert_eq!(
        file[format!("adsk.flow.{APP}.access_token")]["artist"],
        token.expose()
    );
    assert!(file[format!("adsk.flow.{APP}.refresh_token")]["artist"].is_string());
    // Held, then read from the file by another handle: no request either way.
    assert_eq!(flow.access_token().await.unwrap(), token);
    let other = self::flow(&server, home.path(), NonInteractivePrompter);
    assert_eq!(other.access_token().await.unwrap(), token);
    assert_eq!(server.calls("flow:authorization_code"), 1);
    assert_eq!(server.calls("flow:refresh_token"), 0);
    let status = other.status().await.unwrap();
    assert!(status.access_token_usable && status.has_refresh_token);
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_once_for_200_tasks_and_the_new_refresh_token_works() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    // Tokens with under 5 minutes left count as expiring.
    server.set_flow_token_lifetime(Duration::from_mins(2));
    let first = flow(&server, home.path(), interactive());
    let old = first.access_token().await.unwrap();
    server.set_flow_token_lifetime(Duration::from_secs(3599));
    let second = flow(&server, home.path(), NonInteractivePrompter);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let handle = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move { handle.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(
        server.calls("flow:refresh_token"),
        1,
        "one refresh for 200 tasks"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != old));
    // The stored refresh token is the new, unspent one.
    let fresh = second.refresh().await.unwrap();
    assert_ne!(fresh, tokens[0]);
    assert_eq!(server.calls("flow:refresh_token"), 2);
}

#[tokio::test]
async fn a_refused_refresh_token_leads_to_a_login_or_where_nobody_answers_to_a_clear_error() {
    let server = server();
    let home = tempfile::tempdir().unwrap();
    server.set_flow_token_lifetime(Duration::from_mins(1));
    flow(&server, home.path(), interactive())
        .access_token()
        .await
        .unwrap();
    server.revoke_flow_refresh_tokens();

    let error = flow(&server, home.path(), NonInteractivePrompter)
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(*error.kind(), ErrorKind::FlowAuth);
    assert_eq!(error.python_class(), "FlowAuthError");
    assert!(
        chain(&error).contains("nobody can answer"),
        "{}",
        chain(&error)
    );
    assert_eq!(server.calls("flow:authorization_code"), 1);

    let token = flow(&server, home.path(), interactive())
        .access_token()
        .await
        .unwrap();
    assert!(!token.is_empty());
    assert_eq!(
        server.calls("flow:authorization_code"),
        2,
        "the refusal led to a login"
    );
}

#[tokio::test]
async fn a_login_approved_by_hand_a_refusal_a_timeout_and_a_cancel_each_end_clearly() {
    let server = Arc::new(
        SiteEmulator::builder()
            .human_user(HumanAccount::new(PERSON, "pw-Alice-1"))
            .flow_application(APP)
            .start()
            .unwrap(),
    );
    let home = tempfile::tempdir().unwrap();
    let env = flow_env(&server, home.path());
    let visited = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&visited);
    let options = AuthOptions::new()
        .environment(env.clone())
        .open_browser(move |page| {
            // The page is shown; the person approves (or not) on it.
            let page = page.to_string();
            let _ = browser::visit(&page);
            seen.lock().unwrap().push(page);
            true
        });
    let make = |prompter: ScriptedPrompter| {
        ShotgunAuthenticator::with_options(
            Defaults::from_env_with(&env).unwrap(),
            prompter,
            options.clone(),
        )
        .flow_auth()
        .unwrap()
    };

    // Approved by hand: the browser comes back through the approval's redirect.
    let approving = std::thread::spawn({
        let pending = Arc::clone(&server);
        move || {
            for _ in 0..200 {
                if let Some(request) = pending.pending_authorizations().first() {
                    let back = pending.approve_authorization(&request.id, PERSON).unwrap();
                    return browser::visit(&back).unwrap().status;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            0
        }
    });
    let token = make(interactive()).login().await.unwrap();
    assert_eq!(approving.join().unwrap(), 200);
    assert!(!token.is_empty());

    // Refused by the person: the error says so at once.
    let denying = std::thread::spawn({
        let pending = Arc::clone(&server);
        move || {
            for _ in 0..200 {
                if let Some(request) = pending.pending_authorizations().first() {
                    let back = pending.deny_authorization(&request.id).unwrap();
                    return browser::visit(&back).map_or(0, |v| v.status);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            0
        }
    });
    let error = make(interactive()).login().await.unwrap_err();
    denying.join().unwrap();
    assert_eq!(*error.kind(), ErrorKind::FlowAuth);
    assert!(chain(&error).contains("access_denied"), "{}", chain(&error));

    // Nobody comes back: the login ends at its limit.
    let started = std::time::Instant::now();
    let error = make(interactive())
        .with_login_timeout(Duration::from_millis(500))
        .login()
        .await
        .unwrap_err();
    assert!(
        chain(&error).contains("did not come back"),
        "{}",
        chain(&error)
    );
    assert!(started.elapsed() < Duration::from_secs(20));

    // The person cancels in the prompter.
    let error = make(ScriptedPrompter::new([Answer::Cancel]))
        .login()
        .await
        .unwrap_err();
    assert!(error.is_cancelled(), "{error:?}");
    assert!(visited.lock().unwrap().len() >= 4);
}

#[tokio::test]
async fn no_code_verifier_or_token_reaches_the_logs() {
    let logs = LogCapture::new();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let server = server();
    let home = tempfile::tempdir().unwrap();
    server.set_flow_token_lifetime(Duration::from_mins(1));
    let flow = flow(&server, home.path(), interactive());
    flow.access_token().await.unwrap();
    let refreshed = flow.refresh().await.unwrap();
    let file = stored(home.path());
    let refresh = file[format!("adsk.flow.{APP}.refresh_token")]["artist"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = logs.text();
    assert!(text.contains("Flow"), "the flow logged: {text}");
    for secret in [refreshed.expose(), &refresh] {
        assert!(!text.contains(secret), "a token reached the logs");
    }
    assert!(!format!("{flow:?}").contains(refreshed.expose()));
}
