//! Renewing connections against the site emulator: cache first, one prompt for every
//! caller, cancellation shared, the login checked, non-interactive failure at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tk_auth::{
    Answer, ClientOptions, Defaults, ScriptedPrompter, Secret, SessionCredentials,
    ShotgunAuthenticator,
};
use tk_auth_test_support::TestCa;

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, options, whoami};

fn password_prompter() -> Arc<ScriptedPrompter> {
    Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]))
}

#[tokio::test]
async fn an_expired_session_is_renewed_through_the_prompter_and_the_call_repeated() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let old = user.session_token().unwrap();
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("get_session_token"), 1);
    assert_eq!(site.calls("read"), 2);
    let new = user.session_token().unwrap();
    assert_ne!(new, old);
    let cached = home
        .cache()
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(cached.session_token, new, "the renewed token is cached");
}

#[tokio::test]
async fn a_renewal_asks_for_the_token_through_the_connections_own_client() {
    // A client of the renewal's own would make a second full TLS handshake with the site.
    // The connection's client resumes its TLS session on any further connection its pool
    // opens, so full handshakes count clients, not connections.
    let ca = TestCa::new();
    let site = ca.https_site(builder());
    let home = Home::new();
    let prompter = password_prompter();
    let options = options(&home.env).client(
        ClientOptions::new()
            .timeout(Duration::from_secs(30))
            .ca_file(&ca.ca_file),
    );
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        options,
    );
    let user = expired_user(&auth, &site, "alice").await;
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(site.calls("get_session_token"), 1);
    assert_eq!(site.full_tls_handshakes(), 1);
}

#[tokio::test]
async fn a_token_another_process_saved_is_used_without_prompting() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    // Another process renewed and saved its token.
    let fresh = site.create_session("alice").unwrap();
    home.cache()
        .cache_session_data(site.url(), "alice", &Secret::new(fresh.clone()), None)
        .unwrap();
    site.reset_calls();
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());
    assert_eq!(site.calls("read"), 2, "the refused call and its repeat");
    assert_eq!(user.session_token().unwrap().expose(), fresh);
}

#[tokio::test]
async fn a_stale_token_in_the_cache_falls_through_to_one_prompt() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let stale = site.create_session("alice").unwrap();
    site.expire_session(&stale);
    home.cache()
        .cache_session_data(site.url(), "alice", &Secret::new(stale), None)
        .unwrap();
    site.reset_calls();
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("read"), 3);
}

#[tokio::test]
async fn old_connections_pick_up_a_token_renewed_through_another() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let first = user.create_sg_connection().unwrap();
    let second = user.create_sg_connection().unwrap();
    whoami(&first, "alice").await.unwrap();
    site.reset_calls();
    whoami(&second, "alice").await.unwrap();
    assert_eq!(
        site.calls("read"),
        1,
        "no refused call on the old connection"
    );
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_of_tasks_and_threads_on_one_expired_session_renews_once() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let connection = user.create_sg_connection().unwrap();
    // Wine, where the Windows tests run, times out on a thousand simultaneous requests to
    // one socket: a smaller storm there.
    let (thread_count, task_count) = if cfg!(windows) { (16, 100) } else { (64, 1000) };
    let threads: Vec<_> = (0..thread_count)
        .map(|_| {
            let user = tk_auth::blocking::ShotgunUser::from(user.clone());
            std::thread::spawn(move || {
                user.create_sg_connection()
                    .unwrap()
                    .find_one("HumanUser", &serde_json::json!([]), &["id"])
                    .map(|found| assert!(found.is_some()))
            })
        })
        .collect();
    let tasks: Vec<_> = (0..task_count)
        .map(|_| {
            let connection = connection.clone();
            tokio::spawn(async move { whoami(&connection, "alice").await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    assert_eq!(
        site.calls("get_session_token"),
        1,
        "exactly one token generated"
    );
    assert_eq!(
        prompter.asked_kinds(),
        ["session_expired", "password"],
        "one prompt"
    );
}

/// Holds the password question until every caller has been refused once, then cancels
/// the first renewal and answers the next.
struct GatedPrompter {
    site: Arc<tk_auth_site_emulator::SiteEmulator>,
    callers: usize,
    passwords: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl tk_auth::Prompter for GatedPrompter {
    fn interface(&self) -> tk_auth::Interface {
        tk_auth::Interface::Program
    }
    async fn site(&self, _: &tk_auth_prompt::SiteQuestion) -> Result<String, tk_auth::PromptError> {
        unreachable!("a renewal does not ask for the site")
    }
    async fn login(
        &self,
        _: &tk_auth_prompt::LoginQuestion,
    ) -> Result<String, tk_auth::PromptError> {
        unreachable!("a renewal does not ask for the login")
    }
    async fn password(
        &self,
        _: &tk_auth_prompt::PasswordQuestion,
    ) -> Result<Secret, tk_auth::PromptError> {
        if self
            .passwords
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            > 0
        {
            return Ok(Secret::new(ALICE_PASSWORD));
        }
        while self.site.calls("read") < self.callers {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The last refused callers are on their way to the renewal.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Err(tk_auth::PromptError::Cancelled)
    }
    async fn two_factor_code(
        &self,
        _: &tk_auth_prompt::TwoFactorQuestion,
    ) -> Result<Secret, tk_auth::PromptError> {
        unreachable!("no two-factor code on this site")
    }
    async fn method(
        &self,
        _: &tk_auth_prompt::MethodQuestion,
    ) -> Result<tk_auth::MethodChoice, tk_auth::PromptError> {
        unreachable!("one method on this site")
    }
    async fn approve_in_browser(
        &self,
        _: &tk_auth_prompt::ApprovalQuestion,
    ) -> tk_auth::PromptError {
        unreachable!("no browser approval on this site")
    }
    async fn show_error(&self, _: &tk_auth_prompt::ErrorNotice) {}
    async fn session_expired(
        &self,
        _: &tk_auth_prompt::RenewalNotice,
    ) -> Result<(), tk_auth::PromptError> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_renewal_fails_every_waiter_and_the_next_call_asks_again() {
    const CALLERS: usize = 50;
    let site = Arc::new(builder().start().unwrap());
    let home = Home::new();
    let prompter = Arc::new(GatedPrompter {
        site: Arc::clone(&site),
        callers: CALLERS,
        passwords: std::sync::atomic::AtomicUsize::new(0),
    });
    let auth = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        crate::support::options(&home.env),
    );
    let user = expired_user(&auth, &site, "alice").await;
    let connection = user.create_sg_connection().unwrap();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let connection = connection.clone();
            tokio::spawn(async move { whoami(&connection, "alice").await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(err.python_class(), "AuthenticationCancelled");
        assert_eq!(err.to_string(), "Authentication was cancelled by the user.");
    }
    let asked = |p: &GatedPrompter| p.passwords.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(asked(&prompter), 1, "one prompt for every waiting caller");
    // A later call asks again, and succeeds.
    whoami(&connection, "alice").await.unwrap();
    assert_eq!(asked(&prompter), 2);
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn a_renewal_that_logs_in_someone_else_is_refused_and_changes_nothing() {
    let site = builder().app_session_launcher(true).start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::Method(
        tk_auth::MethodChoice::BrowserApproval,
    )]));
    let approver = site.url().to_owned();
    let site = Arc::new(site);
    let approving = Arc::clone(&site);
    let options = crate::support::options(&home.env).open_browser(move |url| {
        // The person approves in the browser, logged in there as bob.
        let id = url.as_str().rsplit('/').next().unwrap().to_owned();
        let site = Arc::clone(&approving);
        std::thread::spawn(move || site.approve_request(&id, "bob").unwrap());
        true
    });
    let auth = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        options.approval(
            tk_auth::ApprovalOptions::default().with_poll_interval(Duration::from_millis(20)),
        ),
    );
    let user = expired_user(&auth, &site, "alice").await;
    let before = std::fs::read(home.cache().site_file(&approver).unwrap()).unwrap();
    let old = user.session_token().unwrap();
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), tk_auth::ErrorKind::LoginMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("renewed as bob"), "{err}");
    assert_eq!(user.session_token().unwrap(), old, "the user is unchanged");
    let after = std::fs::read(home.cache().site_file(&approver).unwrap()).unwrap();
    assert_eq!(before, after, "the session cache is unchanged");
}

#[tokio::test]
async fn without_anybody_to_answer_an_expired_session_fails_at_once_naming_the_fix() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("TK_AUTH_NONINTERACTIVE", "1")]);
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let started = Instant::now();
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), tk_auth::ErrorKind::NonInteractive { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("alice") && text.contains(site.url()),
        "{text}"
    );
    assert!(
        text.contains(&format!("tk-auth login --site {}", site.url())),
        "{text}"
    );
    assert!(
        prompter.asked().is_empty(),
        "the scripted prompter was not used"
    );
    assert_eq!(site.calls("get_session_token"), 0);
}

#[tokio::test]
async fn an_unreachable_site_is_reported_as_such_and_never_prompts() {
    let site = builder().start().unwrap();
    let url = site.url().to_owned();
    let home = Home::new();
    let prompter = password_prompter();
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::token("whatever"),
            tk_auth::UserOptions::new().site(&url),
        )
        .await
        .unwrap();
    drop(site);
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    assert!(err.is_unreachable(), "{err:?}");
    assert!(err.to_string().contains("unreachable"), "{err}");
    assert!(prompter.asked().is_empty());
    match user.check_credentials().await.unwrap() {
        tk_auth::CredentialState::Unreachable(e) => assert!(e.is_unreachable()),
        other => panic!("{other:?}"),
    }
    assert!(
        user.are_credentials_expired().await.unwrap(),
        "Python's answer for unreachable"
    );
}

#[tokio::test]
async fn lapsed_single_sign_on_claims_during_a_call_renew_the_session_and_the_call_goes_through() {
    let site = Arc::new(
        builder()
            .auth_method(tk_auth_site_emulator::SiteAuthMethod::Saml2)
            .app_session_launcher(true)
            .start()
            .unwrap(),
    );
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let approving = Arc::clone(&site);
    let options = crate::support::options(&home.env)
        .open_browser(move |url| {
            let id = url.as_str().rsplit('/').next().unwrap().to_owned();
            let site = Arc::clone(&approving);
            std::thread::spawn(move || site.approve_request(&id, "alice").unwrap());
            true
        })
        .approval(
            tk_auth::ApprovalOptions::default().with_poll_interval(Duration::from_millis(20)),
        );
    let auth = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        options,
    );
    let (user, old) = crate::support::session_user(&auth, &site, "alice").await;
    assert_eq!(site.expire_saml_claims(), 1);
    site.reset_calls();
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(
        prompter.asked_kinds(),
        ["session_expired", "approve_in_browser"]
    );
    assert_eq!(site.calls("read"), 2, "the redirected call and its repeat");
    assert_ne!(user.session_token().unwrap().expose(), old);
}
