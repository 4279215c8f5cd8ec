//! A process with no terminal: a console prompter is replaced by one that fails at once.

use std::process::Stdio;
use std::time::Duration;

use tk_auth::{
    Answer, AuthOptions, ClientOptions, Defaults, Env, Interface, ScriptedPrompter,
    SessionCredentials, ShotgunAuthenticator,
};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};
use tk_auth_test_support::child;

const CHILD: &str = "non_interactive::child_with_a_console_prompter_calls_with_an_expired_session";

#[tokio::test]
#[ignore = "run by its parent test with standard input that is not a terminal"]
async fn child_with_a_console_prompter_calls_with_an_expired_session() {
    child::enter(CHILD);
    let var = child::var;
    let env = Env::from_pairs([("SHOTGUN_HOME", var("TK_E2E_HOME"))]);
    // Would answer, if the console could be used.
    let prompter =
        ScriptedPrompter::new([Answer::password("pw-canary-9")]).with_interface(Interface::Console);
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        prompter,
        AuthOptions::new()
            .environment(env.clone())
            .client(ClientOptions::new().timeout(Duration::from_secs(30))),
    );
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::token(var("TK_E2E_TOKEN")),
            tk_auth::UserOptions::new().site(var("TK_E2E_SITE")),
        )
        .await
        .unwrap();
    let err = user
        .create_sg_connection()
        .unwrap()
        .find_one("HumanUser", &serde_json::json!([]), &["id"])
        .await
        .unwrap_err();
    #[allow(clippy::print_stdout, reason = "the parent reads the child's verdict")]
    {
        println!("child-error: {err}");
    }
}

#[test]
fn without_a_terminal_an_expired_session_fails_with_the_fix_instead_of_waiting() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-canary-9"))
        .app_session_launcher(false)
        .start()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    let out = child::command(CHILD)
        .arg("--nocapture")
        .env("TK_E2E_SITE", site.url())
        .env("TK_E2E_HOME", home.path())
        .env("TK_E2E_TOKEN", &token)
        .env_remove("TK_AUTH_NONINTERACTIVE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = format!(
        "child-error: cannot ask for new credentials of alice on {}: nobody can answer a prompt here (no terminal or display, or TK_AUTH_NONINTERACTIVE=1); log in first with `tk-auth login --site {}`",
        site.url(),
        site.url()
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert_eq!(site.calls("get_session_token"), 0);
}
