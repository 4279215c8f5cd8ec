//! Web-login sessions on single sign-on sites, renewed by the façade from their stored
//! cookies: lapsed claims renewed with nobody to ask, the renewed session saved where Python
//! finds it, background rounds, the fall back to browser approval, each identity-provider
//! switch within its bound, and many threads sharing one renewal.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tk_auth::core::cookies::{get_saml_claims_expiration, get_session_id, get_user_name};
use tk_auth::{
    ApprovalOptions, AuthOptions, Defaults, Env, ErrorKind, NonInteractivePrompter, Prompter,
    RenewedBy, ScriptedPrompter, Secret, SessionCache, ShotgunAuthenticator, ShotgunUser,
    WebRenewalOptions,
};
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};
use tk_auth_test_support::LogCapture;
use tk_auth_test_support::{Python, var_or_skip};

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(secs).unwrap()
}

fn saml_site(claims_lifetime: Duration) -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-sso-1").with_id(42))
        .auth_method(SiteAuthMethod::Saml2)
        .app_session_launcher(true)
        .saml_claims_lifetime(claims_lifetime)
        .start()
        .unwrap()
}

/// A home whose session cache holds alice's web login as a Python process left it: the
/// session token and the browser's cookie jar, alice current on the site.
struct Home {
    dir: tempfile::TempDir,
    env: Env,
}

impl Home {
    fn with_web_login_of_alice(site: &SiteEmulator) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("SHOTGUN_HOME", dir.path().to_str().unwrap())]);
        let home = Self { dir, env };
        let jar = Secret::new(site.web_login_cookies("alice").unwrap());
        let token = get_session_id(Some(jar.expose())).expect("the jar has a session id");
        let cache = home.cache();
        cache
            .cache_session_data(site.url(), "alice", &token, Some(&jar))
            .unwrap();
        cache.set_current_host(site.url()).unwrap();
        cache.set_current_user(site.url(), "alice").unwrap();
        home
    }

    fn cache(&self) -> SessionCache {
        Defaults::from_env_with(&self.env)
            .unwrap()
            .session_cache()
            .clone()
    }

    fn authenticator(
        &self,
        prompter: impl Prompter + 'static,
        options: impl FnOnce(AuthOptions) -> AuthOptions,
    ) -> ShotgunAuthenticator {
        ShotgunAuthenticator::with_options(
            Defaults::from_env_with(&self.env).unwrap(),
            prompter,
            options(AuthOptions::new().environment(self.env.clone())),
        )
    }

    /// The stored session of alice: token and cookies.
    fn stored(&self, site: &SiteEmulator) -> (Secret, Secret) {
        let data = self
            .cache()
            .get_session_data(site.url(), "alice")
            .unwrap()
            .unwrap();
        (data.session_token, data.session_metadata.unwrap())
    }
}

async fn default_user(auth: &ShotgunAuthenticator) -> ShotgunUser {
    auth.get_default_user().await.unwrap().unwrap()
}

/// alice's login, as the site reads it with the user's session.
async fn whoami(user: &ShotgunUser) -> Result<serde_json::Value, tk_auth::Error> {
    let found = user
        .create_sg_connection()
        .unwrap()
        .find_one("HumanUser", &json!([["login", "is", "alice"]]), &["login"])
        .await?;
    Ok(json!(found))
}

#[tokio::test]
async fn lapsed_claims_of_a_python_web_login_are_renewed_headless_and_saved_for_python() {
    let site = saml_site(Duration::from_hours(1));
    let home = Home::with_web_login_of_alice(&site);
    let (old_token, old_jar) = home.stored(&site);
    let auth = home.authenticator(NonInteractivePrompter, |o| o);
    let user = default_user(&auth).await;
    assert_eq!(site.expire_saml_claims(), 1);

    let logs = LogCapture::new();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    // Nobody can be asked: the call goes through only because the identity provider
    // renewed the session from the cookies.
    assert_eq!(whoami(&user).await.unwrap()["login"], "alice");
    let stats = site.sso_stats();
    assert_eq!((stats.renew_requests, stats.assertions_consumed), (1, 1));

    let (token, jar) = home.stored(&site);
    assert_ne!(token, old_token);
    assert_eq!(user.session_token().as_ref(), Some(&token));
    // The saved jar, read as Python reads it, names the new session and later claims.
    assert_eq!(get_session_id(Some(jar.expose())), Some(token.clone()));
    assert_eq!(
        get_user_name(Some(jar.expose())).unwrap().as_deref(),
        Some("alice")
    );
    let claims = get_saml_claims_expiration(Some(jar.expose()))
        .unwrap()
        .unwrap();
    assert!(claims > now() + 3000, "{claims}");
    assert!(
        get_saml_claims_expiration(Some(old_jar.expose()))
            .unwrap()
            .unwrap()
            <= claims
    );

    // No cookie value reached the logs.
    let text = logs.text();
    assert!(text.contains("without a person"), "{text}");
    for secret in [&old_token, &token] {
        assert!(!text.contains(secret.expose()));
    }
    for line in tk_auth::core::cookies::decode_cookies(Some(jar.expose()))
        .expose()
        .lines()
    {
        let value = line.split(';').next().unwrap().split_once('=').unwrap().1;
        if value.len() >= 8 {
            assert!(!text.contains(value), "a cookie value was logged");
        }
    }
}

const PYTHON_READS_THE_RENEWED_SESSION: &str = r#"
import json, os, sys
sys.path.insert(0, os.environ["TK_CORE"])
from tank.authentication import session_cache
from tank.authentication.sso_saml2.core import utils
data = session_cache.get_session_data(os.environ["SITE"], "alice")
jar = data["session_metadata"]
print(json.dumps({
    "token_is_the_session_id": utils.get_session_id(jar) == data["session_token"],
    "token_is_the_renewed_one": data["session_token"] == os.environ["RENEWED"],
    "claims": utils.get_saml_claims_expiration(jar),
    "user": utils.get_user_name(jar),
    "csrf_key": utils.get_csrf_key(jar),
}))
"#;

#[tokio::test]
async fn tk_core_reads_the_session_a_headless_renewal_saved() {
    let Some(tk_core) = var_or_skip("TK_CORE_PATH") else {
        return;
    };
    let site = saml_site(Duration::from_hours(1));
    let home = Home::with_web_login_of_alice(&site);
    let auth = home.authenticator(NonInteractivePrompter, |o| o);
    let user = default_user(&auth).await;
    let renewal = user.renew_session().await.unwrap().unwrap();
    assert_eq!(renewal.renewed_by, RenewedBy::Headless);
    let (token, jar) = home.stored(&site);
    let out = Python::code(PYTHON_READS_THE_RENEWED_SESSION)
        .env("TK_CORE", &tk_core)
        .env("SHOTGUN_HOME", home.dir.path())
        .env("SITE", site.url())
        .env("RENEWED", token.expose())
        .run();
    let read: serde_json::Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|_| panic!("tk-core failed: {}", out.stderr));
    assert_eq!(read["token_is_the_session_id"], true);
    assert_eq!(read["token_is_the_renewed_one"], true);
    assert_eq!(read["claims"], json!(renewal.claims_expiration));
    assert_eq!(read["user"], "alice");
    assert_eq!(
        read["csrf_key"],
        tk_auth::core::cookies::get_csrf_key(Some(jar.expose())).unwrap()
    );
}

#[tokio::test]
async fn claims_renewal_rounds_renew_headless_ahead_of_the_claims() {
    let site = saml_site(Duration::from_secs(4));
    let home = Home::with_web_login_of_alice(&site);
    let auth = home.authenticator(NonInteractivePrompter, |o| o);
    let user = default_user(&auth).await;
    user.start_claims_renewal(0.5).await.unwrap();
    assert_eq!(site.sso_stats().assertions_consumed, 1);
    // Each round lands at half the claims' remaining life (about 2 s): two more rounds,
    // and nobody was asked (the prompter cannot answer).
    let start = Instant::now();
    while site.sso_stats().assertions_consumed < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            site.sso_stats()
        );
        assert!(user.is_claims_renewal_active(), "the rounds stopped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    user.stop_claims_renewal();
    assert_eq!(whoami(&user).await.unwrap()["login"], "alice");
}

/// An authenticator whose browser approval is answered by alice at once.
fn approving(
    home: &Home,
    site: &Arc<SiteEmulator>,
    prompter: Arc<ScriptedPrompter>,
) -> ShotgunAuthenticator {
    let site = Arc::clone(site);
    home.authenticator(prompter, move |o| {
        o.open_browser(move |url| {
            let id = url.as_str().rsplit('/').next().unwrap().to_owned();
            let site = Arc::clone(&site);
            std::thread::spawn(move || site.approve_request(&id, "alice").unwrap());
            true
        })
        .approval(ApprovalOptions::default().with_poll_interval(Duration::from_millis(20)))
    })
}

#[tokio::test]
async fn when_the_identity_provider_wants_a_person_the_renewal_asks_through_browser_approval() {
    let site = Arc::new(saml_site(Duration::from_hours(1)));
    let home = Home::with_web_login_of_alice(&site);
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = approving(&home, &site, Arc::clone(&prompter));
    let user = default_user(&auth).await;
    site.expire_saml_claims();
    assert_eq!(site.expire_idp_sessions(), 1);

    assert_eq!(whoami(&user).await.unwrap()["login"], "alice");
    assert!(
        prompter.asked_kinds().contains(&"approve_in_browser"),
        "{:?}",
        prompter.asked_kinds()
    );
    let stats = site.sso_stats();
    assert_eq!((stats.renew_requests, stats.assertions_consumed), (1, 0));
    let renewal = user.renew_session().await.unwrap().unwrap();
    // The approved session has no cookies: the next renewal asks again.
    assert_eq!(renewal.renewed_by, RenewedBy::Login);
}

/// What a renewal ends in when a switch is on and nobody can be asked: the error, and how
/// long it took.
async fn outcome_with(
    switch: impl FnOnce(&SiteEmulator),
) -> (
    SiteEmulator,
    Home,
    Result<serde_json::Value, tk_auth::Error>,
    Duration,
) {
    let site = saml_site(Duration::from_hours(1));
    let home = Home::with_web_login_of_alice(&site);
    let auth = home.authenticator(NonInteractivePrompter, |o| {
        o.web_renewal(
            WebRenewalOptions::default()
                .with_hop_timeout(Duration::from_millis(300))
                .with_overall_timeout(Duration::from_secs(2)),
        )
    });
    let user = default_user(&auth).await;
    site.expire_saml_claims();
    switch(&site);
    let start = Instant::now();
    let outcome = whoami(&user).await;
    (site, home, outcome, start.elapsed())
}

#[tokio::test]
async fn each_identity_provider_switch_ends_in_its_documented_outcome_within_its_bound() {
    type Switch = fn(&SiteEmulator);
    let needs_a_person: [(&str, Switch); 4] = [
        ("expired identity-provider session", |s| {
            s.expire_idp_sessions();
        }),
        ("second factor", |s| s.idp_require_mfa(true)),
        ("slow identity provider", |s| {
            s.idp_delay(Duration::from_secs(3));
        }),
        ("redirect loop", |s| s.sso_redirect_loop(true)),
    ];
    for (what, switch) in needs_a_person {
        let (site, home, outcome, took) = outcome_with(switch).await;
        let err = outcome.expect_err(what);
        assert!(
            matches!(err.kind(), ErrorKind::NonInteractive { .. }),
            "{what}: {err:#}"
        );
        assert!(took < Duration::from_secs(8), "{what}: took {took:?}");
        // The stored session is kept as it was.
        let (token, _) = home.stored(&site);
        assert!(!token.is_empty(), "{what}");
        assert_eq!(site.sso_stats().assertions_consumed, 0, "{what}");
    }

    let (site, home, outcome, took) = outcome_with(|s| s.idp_foreign_cookie(true)).await;
    assert_eq!(outcome.unwrap()["login"], "alice");
    assert!(took < Duration::from_secs(8));
    assert!(
        !site
            .sso_cookie_names_received()
            .iter()
            .any(|n| n == "idp_tracker"),
        "{:?}",
        site.sso_cookie_names_received()
    );
    let (_, jar) = home.stored(&site);
    let text = tk_auth::core::cookies::decode_cookies(Some(jar.expose()));
    assert!(!text.expose().contains("idp_tracker"));
}

#[test]
fn two_hundred_threads_meeting_lapsed_claims_cause_one_headless_renewal() {
    let site = saml_site(Duration::from_hours(1));
    let home = Home::with_web_login_of_alice(&site);
    let auth = tk_auth::blocking::ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        NonInteractivePrompter,
        AuthOptions::new().environment(home.env.clone()),
    );
    let user = auth.get_default_user().unwrap().unwrap();
    let connection = Arc::new(user.create_sg_connection().unwrap());
    site.expire_saml_claims();
    let start = Arc::new(std::sync::Barrier::new(200));
    let threads: Vec<_> = (0..200)
        .map(|_| {
            let (connection, start) = (Arc::clone(&connection), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                connection.find_one("HumanUser", &json!([["login", "is", "alice"]]), &["login"])
            })
        })
        .collect();
    for thread in threads {
        let found = thread.join().unwrap().unwrap().unwrap();
        assert_eq!(found["login"], "alice");
    }
    let stats = site.sso_stats();
    assert_eq!(
        (
            stats.renew_requests,
            stats.saml_requests,
            stats.assertions_consumed
        ),
        (1, 1, 1),
        "{stats:?}"
    );
}

#[tokio::test]
async fn an_expired_unified_login_flow_session_is_renewed_headless() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-sso-1").with_id(42))
        .auth_method(SiteAuthMethod::Oxygen)
        .start()
        .unwrap();
    let home = Home::with_web_login_of_alice(&site);
    let (old_token, old_jar) = home.stored(&site);
    assert!(
        get_saml_claims_expiration(Some(old_jar.expose()))
            .unwrap()
            .is_none()
    );
    let auth = home.authenticator(NonInteractivePrompter, |o| o);
    let user = default_user(&auth).await;
    assert!(site.expire_session(old_token.expose()));

    assert_eq!(whoami(&user).await.unwrap()["login"], "alice");
    let stats = site.sso_stats();
    assert_eq!((stats.renew_requests, stats.callbacks_consumed), (1, 1));
    let (token, jar) = home.stored(&site);
    assert_ne!(token, old_token);
    assert_eq!(get_session_id(Some(jar.expose())), Some(token));
    let expiration = tk_auth::core::cookies::get_session_expiration(Some(jar.expose()));
    assert!(expiration.is_some_and(|at| at > now()), "{expiration:?}");
}
