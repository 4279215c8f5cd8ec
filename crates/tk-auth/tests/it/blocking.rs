//! The blocking API: usable from plain threads and from a runtime's blocking context.

use std::sync::Arc;

use tk_auth::{Defaults, Env, ScriptedPrompter, SessionCredentials};

use crate::support::{ALICE_PASSWORD, Home, builder, options};

/// A blocking authenticator on `env`, and alice logged in with her password on `url`.
fn password_login(
    env: &Env,
    url: &str,
) -> (
    tk_auth::blocking::ShotgunAuthenticator,
    tk_auth::blocking::ShotgunUser,
) {
    let auth = tk_auth::blocking::ShotgunAuthenticator::with_options(
        Defaults::from_env_with(env).unwrap(),
        Arc::new(ScriptedPrompter::new([])),
        options(env),
    );
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::password(ALICE_PASSWORD),
            tk_auth::UserOptions::new().site(url),
        )
        .unwrap();
    (auth, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_api_works_inside_a_runtimes_blocking_context() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let url = site.url().to_owned();
    let (env, dir) = (home.env.clone(), home.dir.path().to_owned());
    let token = tokio::task::spawn_blocking(move || {
        let (_auth, user) = password_login(&env, &url);
        assert!(!user.are_credentials_expired().unwrap());
        let entity = user.resolve_entity().unwrap();
        assert_eq!(entity["id"], 42);
        let found = user
            .create_sg_connection()
            .unwrap()
            .find_one(
                "HumanUser",
                &serde_json::json!([["login", "is", "alice"]]),
                &["id"],
            )
            .unwrap();
        assert!(found.is_some());
        assert!(dir.exists());
        user.session_token().unwrap()
    })
    .await
    .unwrap();
    let cached = home
        .cache()
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap();
    assert_eq!(cached.session_token, token);
}

#[tokio::test]
async fn users_never_show_their_token_or_key_in_debug_or_display() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let auth = home.authenticator(Arc::new(ScriptedPrompter::new([])));
    let user = auth
        .create_session_user(
            "alice",
            SessionCredentials::token("tok-canary-55"),
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let script = auth
        .create_script_user(
            "farm",
            "key-canary-66",
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let connection = user.create_sg_connection().unwrap();
    for text in [
        format!("{user:?} {user} {}", user.repr()),
        format!("{script:?} {script} {}", script.repr()),
        format!("{connection:?} {auth:?}"),
    ] {
        assert!(!text.contains("canary"), "{text}");
    }
}

#[test]
fn a_blocking_user_keeps_the_runtime_of_its_dropped_authenticator() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let (auth, user) = password_login(&home.env, site.url());
    drop(auth);
    assert_eq!(user.resolve_entity().unwrap()["id"], 42);
}

#[tokio::test]
async fn a_blocking_authenticator_that_talked_to_a_site_is_dropped_in_async_code_safely() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let (env, url) = (home.env.clone(), site.url().to_owned());
    let (auth, user) = tokio::task::spawn_blocking(move || {
        let (auth, user) = password_login(&env, &url);
        assert_eq!(user.resolve_entity().unwrap()["id"], 42);
        (auth, user)
    })
    .await
    .unwrap();
    // The last owners of the runtime are dropped on a runtime worker.
    drop(auth);
    drop(user);
}
