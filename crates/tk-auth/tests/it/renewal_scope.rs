//! Which callers share a renewal: every user object of one (site, login) does, each taking
//! the token; two logins on one site do not, nor callers with other prompters or other
//! session caches; the session is saved with its own metadata.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tk_auth::{
    Answer, Interface, MethodChoice, PromptError, Prompter, ScriptedPrompter, Secret,
    SessionCredentials, ShotgunUser,
};
use tk_auth_http::{BoxError, RenewalReason, RenewalRequest};
use tk_auth_prompt::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodQuestion, PasswordQuestion, RenewalNotice,
    SiteQuestion, TwoFactorQuestion,
};
use tokio::task::JoinHandle;

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, options, whoami};

type Renewal = Pin<Box<dyn Future<Output = Result<Secret, BoxError>> + Send>>;

/// `user`'s renewal of its refused token `expired`, through the user's own renewer.
fn renewal(user: &ShotgunUser, expired: &str) -> Renewal {
    let renewer = user.session_renewer().unwrap();
    let request = RenewalRequest::new(
        user.host(),
        Secret::new(expired),
        RenewalReason::SessionExpired,
    );
    Box::pin(async move { renewer.renew(&request).await })
}

/// Polls `renewal` once — far enough for it to have joined a renewal in progress or
/// started its own — then lets it go on as a task.
async fn begin(mut renewal: Renewal) -> JoinHandle<Result<Secret, BoxError>> {
    let outcome = std::future::poll_fn(|cx| {
        Poll::Ready(match renewal.as_mut().poll(cx) {
            Poll::Ready(outcome) => Some(outcome),
            Poll::Pending => None,
        })
    })
    .await;
    match outcome {
        Some(outcome) => tokio::spawn(async move { outcome }),
        None => tokio::spawn(renewal),
    }
}

/// Answers each login's password, and counts the renewals asked for per login.
struct PasswordsByLogin {
    passwords: HashMap<&'static str, &'static str>,
    renewals: Mutex<HashMap<String, usize>>,
}

impl PasswordsByLogin {
    fn renewals(&self, login: &str) -> usize {
        self.renewals
            .lock()
            .unwrap()
            .get(login)
            .copied()
            .unwrap_or(0)
    }
}

#[async_trait::async_trait]
impl Prompter for PasswordsByLogin {
    fn interface(&self) -> Interface {
        Interface::Program
    }
    async fn site(&self, _: &SiteQuestion) -> Result<String, PromptError> {
        unreachable!("a renewal does not ask for the site")
    }
    async fn login(&self, _: &LoginQuestion) -> Result<String, PromptError> {
        unreachable!("a renewal does not ask for the login")
    }
    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        Ok(Secret::new(self.passwords[question.login.as_str()]))
    }
    async fn two_factor_code(&self, _: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        unreachable!("no two-factor code on this site")
    }
    async fn method(&self, _: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        unreachable!("one method on this site")
    }
    async fn approve_in_browser(&self, _: &ApprovalQuestion) -> PromptError {
        unreachable!("no browser approval on this site")
    }
    async fn show_error(&self, _: &ErrorNotice) {}
    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        *self
            .renewals
            .lock()
            .unwrap()
            .entry(notice.login.clone())
            .or_default() += 1;
        Ok(())
    }
}

async fn storm(connection: &tk_auth::Connection, login: &'static str, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let connection = connection.clone();
            tokio::spawn(async move { whoami(&connection, login).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn separate_user_objects_of_one_login_share_one_renewal_and_each_takes_the_token() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let first = expired_user(&auth, &site, "alice").await;
    let second = auth
        .create_session_user(
            "alice",
            SessionCredentials::Cached,
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    assert!(!first.is_same_user(&second), "two user objects");
    assert_eq!(first.session_token(), second.session_token());
    let (a, b) = (
        first.create_sg_connection().unwrap(),
        second.create_sg_connection().unwrap(),
    );
    tokio::join!(storm(&a, "alice", 50), storm(&b, "alice", 50));
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("get_session_token"), 1);
    assert_eq!(
        first.session_token(),
        second.session_token(),
        "both hold the renewed token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_logins_on_one_site_are_renewed_each_for_itself() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(PasswordsByLogin {
        passwords: HashMap::from([("alice", ALICE_PASSWORD), ("bob", "pw-Bob-canary-2")]),
        renewals: Mutex::new(HashMap::new()),
    });
    let auth = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        options(&home.env),
    );
    let alice = expired_user(&auth, &site, "alice").await;
    let bob = expired_user(&auth, &site, "bob").await;
    let (a, b) = (
        alice.create_sg_connection().unwrap(),
        bob.create_sg_connection().unwrap(),
    );
    tokio::join!(storm(&a, "alice", 30), storm(&b, "bob", 30));
    assert_eq!(prompter.renewals("alice"), 1);
    assert_eq!(prompter.renewals("bob"), 1);
    assert_eq!(site.calls("get_session_token"), 2);
    let cache = home.cache();
    for user in [&alice, &bob] {
        let login = user.login().unwrap();
        let cached = cache.get_session_data(site.url(), &login).unwrap().unwrap();
        assert_eq!(Some(cached.session_token), user.session_token(), "{login}");
    }
    assert_ne!(alice.session_token(), bob.session_token());
}

#[tokio::test]
async fn a_renewed_session_is_saved_with_its_own_metadata_not_the_expired_ones() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    // A web-login session whose cookies went with its token.
    let token = site.create_session("alice").unwrap();
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::Token {
                session_token: Secret::new(token.clone()),
                session_metadata: Some(Secret::new("Y3NyZl90b2tlbl91MDA9ZmVkY2Jh")),
            },
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    site.expire_session(&token);
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    let cached = home
        .cache()
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(Some(cached.session_token), user.session_token());
    assert_eq!(
        cached.session_metadata, None,
        "a password login brings no cookies; the old ones are not kept beside the new token"
    );
    assert_eq!(user.session_metadata(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_can_answer_is_not_failed_by_a_renewal_nobody_could_answer() {
    let site = builder().start().unwrap();
    // One SHOTGUN_HOME, two programs in one process: one where nobody answers, one with
    // an answer ready.
    let home = Home::new();
    let nobody_env = tk_auth::Env::from_pairs([
        ("SHOTGUN_HOME", home.dir.path().to_str().unwrap()),
        ("TK_AUTH_NONINTERACTIVE", "1"),
    ]);
    let nobody = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&nobody_env).unwrap(),
        ScriptedPrompter::new([]),
        options(&nobody_env),
    );
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let answering = home.authenticator(Arc::clone(&prompter));
    let expired = site.create_session("alice").unwrap();
    let mut users = Vec::new();
    for auth in [&nobody, &answering] {
        let credentials = SessionCredentials::token(expired.clone());
        let user = auth.create_session_user(
            "alice",
            credentials,
            tk_auth::UserOptions::new().site(site.url()),
        );
        users.push(user.await.unwrap());
    }
    site.expire_session(&expired);
    // Another holder of the renewal lock keeps the first renewal waiting until both began.
    let held = home
        .cache()
        .lock_session_renewal(site.url(), "alice", Duration::from_secs(5))
        .unwrap();
    let first = begin(renewal(&users[0], &expired)).await;
    let second = begin(renewal(&users[1], &expired)).await;
    drop(held);
    let (first, second) = (first.await.unwrap(), second.await.unwrap());

    let token = second.expect("the caller that can answer gets its renewal");
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("get_session_token"), 1);
    assert_eq!(users[1].session_token(), Some(token.clone()));
    whoami(&users[1].create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    // The first either failed before the second renewed, or found its token in the cache.
    if let Ok(first) = first {
        assert_eq!(first, token);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewals_in_two_shotgun_homes_each_take_the_session_of_their_own_cache() {
    let site = builder().start().unwrap();
    let homes = [
        Home::with_vars(&[("TK_AUTH_NONINTERACTIVE", "1")]),
        Home::with_vars(&[("TK_AUTH_NONINTERACTIVE", "1")]),
    ];
    let expired = site.create_session("alice").unwrap();
    let mut users = Vec::new();
    let mut saved = Vec::new();
    for home in &homes {
        let auth = home.authenticator(Arc::new(ScriptedPrompter::new([])));
        let credentials = SessionCredentials::token(expired.clone());
        let user = auth.create_session_user(
            "alice",
            credentials,
            tk_auth::UserOptions::new().site(site.url()),
        );
        users.push(user.await.unwrap());
        // Another program of this SHOTGUN_HOME renewed the session and saved its token.
        let fresh = site.create_session("alice").unwrap();
        home.cache()
            .cache_session_data(site.url(), "alice", &Secret::new(fresh.clone()), None)
            .unwrap();
        saved.push(fresh);
    }
    site.expire_session(&expired);
    // Another holder of the first home's renewal lock keeps its renewal waiting until both
    // began.
    let held = homes[0]
        .cache()
        .lock_session_renewal(site.url(), "alice", Duration::from_secs(5))
        .unwrap();
    let first = begin(renewal(&users[0], &expired)).await;
    let second = begin(renewal(&users[1], &expired)).await;
    drop(held);
    let (first, second) = (first.await.unwrap(), second.await.unwrap());

    assert_eq!(first.unwrap().expose(), saved[0]);
    assert_eq!(
        second.unwrap().expose(),
        saved[1],
        "the second home's own session, not the first's"
    );
    for ((user, home), token) in users.iter().zip(&homes).zip(&saved) {
        assert_eq!(user.session_token().unwrap().expose(), token);
        let cached = home.cache().get_session_data(site.url(), "alice").unwrap();
        assert_eq!(cached.unwrap().session_token.expose(), token);
    }
}
