//! Several processes of one person whose session expired: one prompt in total, the others
//! take the renewed token from the session cache.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tk_auth::{
    Answer, AuthOptions, ClientOptions, Defaults, Env, Interface, MethodChoice, PromptError,
    Prompter, ScriptedPrompter, Secret, ShotgunAuthenticator,
};
use tk_auth_prompt::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodQuestion, PasswordQuestion, RenewalNotice,
    SiteQuestion, TwoFactorQuestion,
};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};
use tk_auth_test_support::child;

const PASSWORD: &str = "pw-Alice-canary-1";
const CHILD: &str = "cross_process::child_renews_the_shared_session";

/// Answers the password and appends one line per renewal to a file shared by all processes.
struct RecordingPrompter {
    log: PathBuf,
    answers: ScriptedPrompter,
}

#[async_trait]
impl Prompter for RecordingPrompter {
    fn interface(&self) -> Interface {
        Interface::Program
    }
    async fn site(&self, q: &SiteQuestion) -> Result<String, PromptError> {
        self.answers.site(q).await
    }
    async fn login(&self, q: &LoginQuestion) -> Result<String, PromptError> {
        self.answers.login(q).await
    }
    async fn password(&self, q: &PasswordQuestion) -> Result<Secret, PromptError> {
        self.answers.password(q).await
    }
    async fn two_factor_code(&self, q: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        self.answers.two_factor_code(q).await
    }
    async fn method(&self, q: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        self.answers.method(q).await
    }
    async fn approve_in_browser(&self, q: &ApprovalQuestion) -> PromptError {
        self.answers.approve_in_browser(q).await
    }
    async fn show_error(&self, notice: &ErrorNotice) {
        self.answers.show_error(notice).await;
    }
    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|source| PromptError::Io {
                question: "session_expired",
                source,
            })?;
        writeln!(log, "prompted pid={}", std::process::id()).map_err(|source| PromptError::Io {
            question: "session_expired",
            source,
        })?;
        self.answers.session_expired(notice).await
    }
}

/// The body of each child process: one call with the expired session.
#[tokio::test]
#[ignore = "run by its parent test with the site and session in the environment"]
async fn child_renews_the_shared_session() {
    child::enter(CHILD);
    let var = child::var;
    let env = Env::from_pairs([("SHOTGUN_HOME", var("TK_E2E_HOME"))]);
    let prompter = RecordingPrompter {
        log: PathBuf::from(var("TK_E2E_PROMPTS")),
        answers: ScriptedPrompter::new([Answer::password(PASSWORD)]),
    };
    let options = AuthOptions::new()
        .environment(env.clone())
        .client(ClientOptions::new().timeout(Duration::from_secs(30)));
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        prompter,
        options,
    );
    // A farm job gets its user as a payload; reading it does not write the session cache.
    let payload = serde_json::json!({"type": "SessionUser", "data": {"http_proxy": null,
        "host": var("TK_E2E_SITE"), "login": "alice", "session_token": var("TK_E2E_TOKEN")}});
    let user = auth.deserialize_user(&payload.to_string()).await.unwrap();
    let found = user
        .create_sg_connection()
        .unwrap()
        .find_one(
            "HumanUser",
            &serde_json::json!([["login", "is", "alice"]]),
            &["id"],
        )
        .await
        .unwrap();
    assert!(found.is_some());
    #[allow(clippy::print_stdout, reason = "the parent reads the child's verdict")]
    {
        println!("child-call-succeeded");
    }
}

fn spawn_child(site: &str, home: &Path, token: &str, prompts: &Path) -> std::process::Child {
    child::command(CHILD)
        .arg("--nocapture")
        .env("TK_E2E_SITE", site)
        .env("TK_E2E_HOME", home)
        .env("TK_E2E_TOKEN", token)
        .env("TK_E2E_PROMPTS", prompts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn succeeded(out: &Output) -> bool {
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("child-call-succeeded")
}

fn prompt_count(prompts: &Path) -> usize {
    std::fs::read_to_string(prompts).map_or(0, |t| t.lines().count())
}

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", PASSWORD))
        .app_session_launcher(false)
        .start()
        .unwrap()
}

#[test]
fn eight_processes_with_one_expired_session_prompt_once_in_total() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let prompts = home.path().join("prompts.log");
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    // The artist's login cached the session that has now expired.
    tk_auth::SessionCache::at(home.path())
        .cache_session_data(site.url(), "alice", &Secret::new(token.clone()), None)
        .unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| spawn_child(site.url(), home.path(), &token, &prompts))
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(
            succeeded(out),
            "a child failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        prompt_count(&prompts),
        1,
        "one prompt across the 8 processes"
    );
    assert_eq!(site.calls("get_session_token"), 1);
}

#[test]
fn a_session_another_process_renewed_is_used_without_prompting_and_with_two_calls() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let prompts = home.path().join("prompts.log");
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    // Another process renews first.
    let first = spawn_child(site.url(), home.path(), &token, &prompts)
        .wait_with_output()
        .unwrap();
    assert!(
        succeeded(&first),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(prompt_count(&prompts), 1);
    // This process still holds the expired token.
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let auth = ShotgunAuthenticator::with_options(
            Defaults::from_env_with(&env).unwrap(),
            Arc::clone(&prompter),
            AuthOptions::new().environment(env.clone()),
        );
        // Deserializing does not write the cache, which keeps the renewed token.
        let payload = serde_json::json!({"type": "SessionUser", "data": {
            "http_proxy": null, "host": site.url(), "login": "alice", "session_token": token}});
        let user = auth.deserialize_user(&payload.to_string()).await.unwrap();
        site.reset_calls();
        user.create_sg_connection()
            .unwrap()
            .find_one("HumanUser", &serde_json::json!([]), &["id"])
            .await
            .unwrap();
    });
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());
    assert_eq!(site.calls("read"), 2, "the refused call and its repeat");
}
