//! Which callers share a renewal: every user object of one (site, login) does, each taking
//! the token; two logins on one site do not; the session is saved with its own metadata.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tk_auth::{
    Answer, Interface, MethodChoice, PromptError, Prompter, ScriptedPrompter, Secret,
    SessionCredentials,
};
use tk_auth_prompt::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodQuestion, PasswordQuestion, RenewalNotice,
    SiteQuestion, TwoFactorQuestion,
};

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, options, whoami};

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
        .create_session_user("alice", SessionCredentials::Cached, Some(site.url()), None)
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
            Some(site.url()),
            None,
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
