//! A defaults manager's credentials that name their own site, proxy or password (what
//! Python's `get_user_credentials` dictionary can hold) make the default user as
//! `get_default_user` does in Python: through `create_session_user` or
//! `create_script_user`, with the manager's site and proxy only where the credentials name
//! none.

use tk_auth::{
    Credentials, Defaults, DefaultsManager, NonInteractivePrompter, SessionData,
    ShotgunAuthenticator, blocking,
};

use crate::support::{ALICE_PASSWORD, Home, builder, options};

/// A manager that hands out fixed credentials over the defaults of a home whose own site is
/// another one.
struct Handing {
    defaults: Defaults,
    credentials: Credentials,
}

impl DefaultsManager for Handing {
    fn defaults(&self) -> &Defaults {
        &self.defaults
    }
    fn get_user_credentials(&self) -> tk_auth::defaults::Result<Option<Credentials>> {
        Ok(Some(self.credentials.clone()))
    }
}

fn handing(home: &Home, credentials: Credentials) -> Handing {
    Handing {
        defaults: Defaults::from_env_with(&home.env)
            .unwrap()
            .with_fixed_host("https://elsewhere.example.com")
            .with_http_proxy("default-proxy.studio:3128"),
        credentials,
    }
}

/// The same, with no proxy of the manager's (so a login can reach the emulator).
fn handing_without_proxy(home: &Home, credentials: Credentials) -> Handing {
    Handing {
        defaults: Defaults::from_env_with(&home.env)
            .unwrap()
            .with_fixed_host("https://elsewhere.example.com")
            .with_http_proxy(""),
        credentials,
    }
}

#[tokio::test]
async fn a_password_on_a_site_the_credentials_name_logs_in_there() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let credentials = Credentials::password("alice", ALICE_PASSWORD).with_host(site.url());
    let auth = ShotgunAuthenticator::with_options(
        handing_without_proxy(&home, credentials),
        NonInteractivePrompter,
        options(&home.env),
    );
    let user = auth.get_default_user().await.unwrap().unwrap();
    assert_eq!(user.host(), site.url());
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert_eq!(site.calls("get_session_token"), 1);
    let cached = home
        .cache()
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(Some(cached.session_token), user.session_token());
}

#[test]
fn the_blocking_api_logs_in_with_the_credentials_password_too() {
    let site = builder().start().unwrap();
    let home = Home::new();
    // The credentials name the site; the manager has no proxy of its own here.
    let manager = Handing {
        defaults: Defaults::from_env_with(&home.env).unwrap(),
        credentials: Credentials::password("alice", ALICE_PASSWORD).with_host(site.url()),
    };
    let auth = blocking::ShotgunAuthenticator::with_options(
        manager,
        NonInteractivePrompter,
        options(&home.env),
    );
    let user = auth.get_default_user().unwrap().unwrap();
    assert_eq!(user.host(), site.url());
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn the_site_and_proxy_the_credentials_name_win_over_the_managers() {
    let home = Home::new();
    let token = |t: &str| SessionData {
        login: "jdoe".to_owned(),
        session_token: t.into(),
        session_metadata: None,
    };
    let named = Credentials::session(token("tok-1"))
        .with_host("https://mysite.shotgunstudio.com")
        .with_http_proxy("named-proxy.studio:8080");
    let auth = ShotgunAuthenticator::with_options(
        handing(&home, named),
        NonInteractivePrompter,
        options(&home.env),
    );
    let user = auth.get_default_user().await.unwrap().unwrap();
    assert_eq!(user.host(), "https://mysite.shotgunstudio.com");
    assert_eq!(
        user.http_proxy().as_deref(),
        Some("named-proxy.studio:8080")
    );

    // Credentials that name neither (or an empty one) take the manager's, as a dictionary
    // without them, or with an empty value, does.
    let plain = Credentials::session(token("tok-2")).with_http_proxy("");
    let auth = ShotgunAuthenticator::with_options(
        handing(&home, plain),
        NonInteractivePrompter,
        options(&home.env),
    );
    let user = auth.get_default_user().await.unwrap().unwrap();
    assert_eq!(user.host(), "https://elsewhere.example.com");
    assert_eq!(
        user.http_proxy().as_deref(),
        Some("default-proxy.studio:3128")
    );

    // A script with a site of its own.
    let farm = Credentials::script("farm", "key-canary-9").with_host("https://render.example.com");
    let auth = ShotgunAuthenticator::with_options(
        handing(&home, farm),
        NonInteractivePrompter,
        options(&home.env),
    );
    let user = auth.get_default_user().await.unwrap().unwrap();
    assert_eq!(user.host(), "https://render.example.com");
    assert_eq!(user.login(), None);
}
