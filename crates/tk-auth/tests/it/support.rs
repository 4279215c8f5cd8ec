//! Helpers shared by the behaviour tests: fixtures, trees of files.

use std::path::PathBuf;

pub(crate) fn fixtures() -> PathBuf {
    tk_auth_test_support::fixture(env!("CARGO_MANIFEST_DIR"), "python-compat")
}

pub(crate) fn manifest(topic: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join(topic).join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[cfg(unix)]
pub(crate) use tk_auth_test_support::file_tree::mode;
pub(crate) use tk_auth_test_support::file_tree::{
    create_dir_with_mode, set_mode, snapshot, written,
};

pub(crate) const ALICE_PASSWORD: &str = "pw-Alice-canary-1";

use std::sync::Arc;
use std::time::Duration;

use tk_auth::{
    AuthOptions, ClientOptions, Defaults, Env, RetryPolicy, ScriptedPrompter, SessionCredentials,
    ShotgunAuthenticator, ShotgunUser,
};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator, SiteEmulatorBuilder};

/// A site with `alice` and `bob`, password login only (no browser approval to choose).
pub(crate) fn builder() -> SiteEmulatorBuilder {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", ALICE_PASSWORD).with_id(42))
        .human_user(HumanAccount::new("bob", "pw-Bob-canary-2").with_id(43))
        .app_session_launcher(false)
}

/// A temporary `SHOTGUN_HOME` and the environment that points at it (and nothing else).
pub(crate) struct Home {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) env: Env,
}

impl Home {
    pub(crate) fn new() -> Self {
        Self::with_vars(&[])
    }

    pub(crate) fn with_vars(vars: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut pairs = vec![(
            "SHOTGUN_HOME".to_owned(),
            dir.path().to_str().unwrap().to_owned(),
        )];
        pairs.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Self {
            env: Env::from_pairs(pairs),
            dir,
        }
    }

    pub(crate) fn cache(&self) -> tk_auth::SessionCache {
        tk_auth::SessionCache::at(self.dir.path())
    }

    /// An authenticator on this home, asking `prompter`.
    pub(crate) fn authenticator(&self, prompter: Arc<ScriptedPrompter>) -> ShotgunAuthenticator {
        ShotgunAuthenticator::with_options(
            Defaults::from_env_with(&self.env).unwrap(),
            prompter,
            options(&self.env),
        )
    }
}

/// Quick timeouts and retries, the given environment.
pub(crate) fn options(env: &Env) -> AuthOptions {
    AuthOptions::new().environment(env.clone()).client(
        ClientOptions::new().timeout(Duration::from_secs(30)).retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_status_backoff(Duration::from_millis(5))
                .with_dropped_connection_interval(Duration::from_millis(5)),
        ),
    )
}

/// A session user of `login` on `site` whose token the site has expired.
pub(crate) async fn expired_user(
    authenticator: &ShotgunAuthenticator,
    site: &SiteEmulator,
    login: &str,
) -> ShotgunUser {
    let (user, token) = session_user(authenticator, site, login).await;
    site.expire_session(&token);
    user
}

/// A session user of `login` on `site` with a token the site just issued, and that token.
pub(crate) async fn session_user(
    authenticator: &ShotgunAuthenticator,
    site: &SiteEmulator,
    login: &str,
) -> (ShotgunUser, String) {
    let token = site.create_session(login).unwrap();
    let user = authenticator
        .create_session_user(
            login,
            SessionCredentials::token(token.clone()),
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    (user, token)
}

/// A call that only has to be authenticated.
pub(crate) async fn whoami(
    connection: &tk_auth::Connection,
    login: &str,
) -> Result<(), tk_auth::Error> {
    let found = connection
        .find_one(
            "HumanUser",
            &serde_json::json!([["login", "is", login]]),
            &["id"],
        )
        .await?;
    assert!(found.is_some(), "{login} is on the site");
    Ok(())
}
