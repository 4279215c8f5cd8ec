//! The login flow against the site emulator, driven by a scripted prompter.

use std::sync::Arc;
use std::time::Duration;

use tk_auth::{
    Answer, ApprovalOptions, CredentialState, Defaults, ErrorKind, LoginMethod, MethodChoice,
    ScriptedPrompter, SessionCredentials, ShotgunAuthenticator,
};
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteAuthMethod, SiteEmulator};

use crate::support::{ALICE_PASSWORD, Home, builder, options, session_user};

fn prompter(answers: impl IntoIterator<Item = Answer>) -> Arc<ScriptedPrompter> {
    Arc::new(ScriptedPrompter::new(answers))
}

#[tokio::test]
async fn a_password_login_saves_the_session_the_method_and_the_current_site_and_user() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let p = prompter([
        Answer::site(format!("  {}/some/page ", site.url())),
        Answer::login(" alice "),
        Answer::password(ALICE_PASSWORD),
    ]);
    let auth = home.authenticator(Arc::clone(&p));
    let user = auth.get_user().await.unwrap();
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert_eq!(user.host(), site.url());
    assert_eq!(p.asked_kinds(), ["site", "login", "password"]);
    let cache = home.cache();
    assert_eq!(cache.get_current_host(), Some(site.url().into()));
    assert_eq!(
        cache.get_current_user(site.url()).unwrap().as_deref(),
        Some("alice")
    );
    assert_eq!(
        cache.get_preferred_method(site.url()).unwrap(),
        Some(LoginMethod::Credentials)
    );
    let cached = cache
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(Some(cached.session_token), user.session_token());
    // The next get_user finds the default user without asking.
    let again = auth.get_user().await.unwrap();
    assert_eq!(again.session_token(), user.session_token());
    assert_eq!(p.asked().len(), 3);
}

/// A defaults manager that notes what it is told, then does it as `Defaults` does.
struct Noting {
    defaults: Defaults,
    told: Arc<std::sync::Mutex<Vec<String>>>,
}

impl tk_auth::DefaultsManager for Noting {
    fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    fn set_host(&self, host: &tk_auth::Site) -> Result<(), tk_auth::defaults::DefaultsError> {
        self.told.lock().unwrap().push(format!("set_host {host}"));
        self.defaults.set_host(host)
    }

    fn set_login(&self, login: &str) -> Result<(), tk_auth::defaults::DefaultsError> {
        self.told.lock().unwrap().push(format!("set_login {login}"));
        self.defaults.set_login(login)
    }
}

#[tokio::test]
async fn get_user_tells_the_defaults_manager_the_site_and_login_of_a_prompted_login() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let told = Arc::new(std::sync::Mutex::new(Vec::new()));
    let manager = Noting {
        defaults: Defaults::from_env_with(&home.env).unwrap(),
        told: Arc::clone(&told),
    };
    let p = prompter([
        Answer::site(site.url()),
        Answer::login("alice"),
        Answer::password(ALICE_PASSWORD),
    ]);
    let auth = ShotgunAuthenticator::with_options(manager, Arc::clone(&p), options(&home.env));
    auth.get_user().await.unwrap();
    assert_eq!(
        *told.lock().unwrap(),
        [
            format!("set_host {}", site.url()),
            "set_login alice".to_owned()
        ]
    );
    // A default user is not a login: nothing more is told.
    auth.get_user().await.unwrap();
    assert_eq!(told.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_wrong_password_is_tried_again_up_to_three_times() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let p = prompter([
        Answer::login("alice"),
        Answer::password("wrong-1"),
        Answer::password("wrong-2"),
        Answer::password(ALICE_PASSWORD),
    ]);
    let auth = home.authenticator(Arc::clone(&p));
    let user = auth
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap();
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert_eq!(
        p.asked_kinds(),
        [
            "login", "password", "error", "password", "error", "password"
        ]
    );

    let p = prompter([
        Answer::login("alice"),
        Answer::password("wrong-1"),
        Answer::password("wrong-2"),
        Answer::password("wrong-3"),
    ]);
    let err = home
        .authenticator(Arc::clone(&p))
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap_err();
    assert_eq!(err.python_class(), "AuthenticationError");
    assert!(
        err.to_string().starts_with("Authentication failed: "),
        "{err}"
    );
    assert_eq!(err.site().map(tk_auth::Site::url), Some(site.url()));
    assert_eq!(err.login(), Some("alice"));
}

#[tokio::test]
async fn an_unknown_login_on_a_site_that_answers_gives_the_python_error() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let p = prompter([Answer::login("carol"), Answer::password("anything")]);
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&p),
        options(&home.env).with_password_attempts(1),
    );
    let err = auth
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap_err();
    assert_eq!(err.python_class(), "AuthenticationError");
    assert!(
        err.to_string().starts_with("Authentication failed: "),
        "{err}"
    );
}

#[tokio::test]
async fn a_two_factor_code_is_asked_when_the_site_requires_one() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", ALICE_PASSWORD).with_totp_secret("JBSWY3DPEHPK3PXP"))
        .app_session_launcher(false)
        .start()
        .unwrap();
    let home = Home::new();
    let code = site.totp_code("alice").unwrap();
    let p = prompter([
        Answer::login("alice"),
        Answer::password(ALICE_PASSWORD),
        Answer::two_factor_code(format!(" {code} ")),
    ]);
    let user = home
        .authenticator(Arc::clone(&p))
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap();
    assert_eq!(p.asked_kinds(), ["login", "password", "two_factor_code"]);
    assert!(!user.are_credentials_expired().await.unwrap());
}

#[tokio::test]
async fn browser_approval_logs_in_the_person_who_approved() {
    let site = Arc::new(builder().app_session_launcher(true).start().unwrap());
    let home = Home::new();
    let p = prompter([Answer::Method(MethodChoice::BrowserApproval)]);
    let approving = Arc::clone(&site);
    let options = options(&home.env)
        .open_browser(move |url| {
            let id = url.as_str().rsplit('/').next().unwrap().to_owned();
            let site = Arc::clone(&approving);
            std::thread::spawn(move || site.approve_request(&id, "alice").unwrap());
            true
        })
        .approval(ApprovalOptions::default().with_poll_interval(Duration::from_millis(20)));
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&p),
        options,
    );
    let user = auth
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap();
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert_eq!(p.asked_kinds(), ["method", "approve_in_browser"]);
    assert_eq!(
        home.cache().get_preferred_method(site.url()).unwrap(),
        Some(LoginMethod::AppSessionLauncher)
    );
}

#[tokio::test]
async fn cancelling_the_browser_wait_cancels_the_login() {
    let site = builder().app_session_launcher(true).start().unwrap();
    let home = Home::new();
    let p = prompter([
        Answer::Method(MethodChoice::BrowserApproval),
        Answer::Cancel,
    ]);
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&p),
        options(&home.env).open_browser(|_| true),
    );
    let err = auth
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err}");
}

#[tokio::test]
async fn an_sso_site_without_browser_approval_cannot_log_in_here() {
    let site = builder()
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let home = Home::new();
    let p = prompter([]);
    let err = home
        .authenticator(Arc::clone(&p))
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Fixed),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Authentication using username/password is not supported on the console {} for sites using Single Sign-On.",
            site.url()
        )
    );
    assert_eq!(err.python_class(), "ConsoleLoginNotSupportedError");
}

#[tokio::test]
async fn users_resolve_to_their_entity_or_to_the_python_error() {
    let site = builder()
        .script_user(ScriptAccount::new("farm", "key-canary-1").with_id(7))
        .start()
        .unwrap();
    let home = Home::new();
    let auth = home.authenticator(prompter([]));
    let (alice, token) = session_user(&auth, &site, "alice").await;
    let entity = alice.resolve_entity().await.unwrap();
    assert_eq!(
        serde_json::Value::Object(entity),
        serde_json::json!({"type": "HumanUser", "id": 42})
    );
    site.reset_calls();
    alice.resolve_entity().await.unwrap();
    assert_eq!(site.calls("read"), 0, "resolved once, then remembered");

    let carol = auth
        .create_session_user(
            "carol",
            SessionCredentials::token(token),
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let err = carol.resolve_entity().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "The person named 'carol' could not be resolved. Check if the permissions for the current user are hiding the field 'HumanUser.login'."
    );
    assert_eq!(*err.kind(), ErrorKind::UnresolvableHumanUser);

    let farm = auth
        .create_script_user(
            "farm",
            "key-canary-1",
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let entity = farm.resolve_entity().await.unwrap();
    assert_eq!(
        serde_json::Value::Object(entity),
        serde_json::json!({"type": "ApiUser", "id": 7})
    );
    // A script the site does not know is refused before any look-up (Python's
    // AuthenticationFault); UnresolvableScriptUser needs a script hidden from itself.
    let ghost = auth
        .create_script_user(
            "ghost",
            "key-canary-1",
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let err = ghost.resolve_entity().await.unwrap_err();
    assert_eq!(err.python_class(), "AuthenticationError", "{err}");
}

#[tokio::test]
async fn the_credential_check_tells_valid_from_expired() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let auth = home.authenticator(prompter([]));
    let (user, token) = session_user(&auth, &site, "alice").await;
    assert!(matches!(
        user.check_credentials().await.unwrap(),
        CredentialState::Valid
    ));
    assert!(!user.are_credentials_expired().await.unwrap());
    site.expire_session(&token);
    assert!(matches!(
        user.check_credentials().await.unwrap(),
        CredentialState::Expired
    ));
    assert!(user.are_credentials_expired().await.unwrap());
}

#[tokio::test]
async fn a_password_given_to_create_session_user_generates_and_caches_a_token() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let auth = home.authenticator(prompter([]));
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::password(ALICE_PASSWORD),
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    assert_eq!(site.calls("get_session_token"), 1);
    let cached = home
        .cache()
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(Some(cached.session_token), user.session_token());
    let from_cache = auth
        .create_session_user(
            "alice",
            SessionCredentials::Cached,
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    assert_eq!(from_cache.session_token(), user.session_token());
}

#[tokio::test]
async fn a_fixed_host_is_not_asked_for_unless_the_prompt_is_told_it_is_not_fixed() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let p = prompter([Answer::login("alice"), Answer::password(ALICE_PASSWORD)]);
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env)
            .unwrap()
            .with_fixed_host(site.url()),
        Arc::clone(&p),
        options(&home.env),
    );
    auth.get_user_from_prompt(tk_auth::LoginPrompt::new())
        .await
        .unwrap();
    assert_eq!(
        p.asked_kinds(),
        ["login", "password"],
        "the fixed host is used"
    );
    // Python's `is_host_fixed or defaults.is_host_fixed()` cannot unfix it; here it can.
    p.push([
        Answer::site(site.url()),
        Answer::login("alice"),
        Answer::password(ALICE_PASSWORD),
    ]);
    auth.get_user_from_prompt(tk_auth::LoginPrompt::new().host_fixed(tk_auth::HostFixed::Asked))
        .await
        .unwrap();
    assert_eq!(p.asked_kinds()[2..], ["site", "login", "password"]);
}

#[tokio::test]
async fn a_login_held_to_one_method_ends_before_asking_or_sending_on_a_site_without_it() {
    // Single sign-on with browser approval: no login and password here.
    let site = builder()
        .auth_method(SiteAuthMethod::Saml2)
        .app_session_launcher(true)
        .start()
        .unwrap();
    let home = Home::new();
    let p = prompter([]);
    let err = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&p),
        options(&home.env).only_method(MethodChoice::Credentials),
    )
    .get_user_from_prompt(
        tk_auth::LoginPrompt::new()
            .site(site.url())
            .login("alice")
            .host_fixed(tk_auth::HostFixed::Fixed),
    )
    .await
    .unwrap_err();
    assert!(
        err.kind() == &ErrorKind::Prompt
            && matches!(
                err.get_ref()
                    .and_then(|e| e.downcast_ref::<tk_auth::PromptError>()),
                Some(tk_auth::PromptError::InvalidAnswer {
                    question: "method",
                    ..
                })
            ),
        "{err:?}"
    );
    let shown = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        shown.contains(&format!(
            "{} does not offer the login method \"Legacy credentials\"",
            site.url()
        )),
        "{shown}"
    );
    assert!(p.asked_kinds().is_empty(), "{:?}", p.asked_kinds());
    // No approval request was left open on the site, and no password was sent.
    assert_eq!(site.pending_requests(), Vec::new());
    assert_eq!(site.calls("get_session_token"), 0);
}

#[tokio::test]
async fn a_login_held_to_one_method_uses_it_without_asking_where_the_site_offers_both() {
    let site = builder().app_session_launcher(true).start().unwrap();
    let home = Home::new();
    let p = prompter([Answer::login("alice"), Answer::password(ALICE_PASSWORD)]);
    let user = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&p),
        options(&home.env).only_method(MethodChoice::Credentials),
    )
    .get_user_from_prompt(
        tk_auth::LoginPrompt::new()
            .site(site.url())
            .login("alice")
            .host_fixed(tk_auth::HostFixed::Fixed),
    )
    .await
    .unwrap();
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert_eq!(p.asked_kinds(), ["login", "password"]);
}
