//! A renewal that finds another holder of the renewal lock of its (site, login): the
//! prompter shows the wait, and the token the holder saved is taken without asking.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tk_auth::{Answer, ScriptedPrompter, Secret};
use tk_auth_prompt::RenewalWaitNotice;

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, whoami};

/// Waits until `prompter` shows a wait for another renewal; a test that never sees one
/// fails instead of hanging.
async fn until_the_wait_is_shown(prompter: &ScriptedPrompter) {
    let started = Instant::now();
    while prompter.renewal_waits().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the wait for the other renewal was never shown"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_another_holder_renews_the_wait_is_shown_and_its_token_taken_without_asking() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    // Another holder is renewing alice's session (its person is being asked).
    let held = home
        .cache()
        .lock_session_renewal(site.url(), "alice", Duration::from_secs(5))
        .unwrap();
    site.reset_calls();
    let connection = user.create_sg_connection().unwrap();
    let call = tokio::spawn(async move { whoami(&connection, "alice").await });
    until_the_wait_is_shown(&prompter).await;
    assert!(!call.is_finished(), "the call waits for the other renewal");
    // The holder saves its new token, then releases the lock.
    let fresh = site.create_session("alice").unwrap();
    home.cache()
        .cache_session_data(site.url(), "alice", &Secret::new(fresh.clone()), None)
        .unwrap();
    drop(held);
    call.await.unwrap().unwrap();
    assert_eq!(
        prompter.renewal_waits(),
        [RenewalWaitNotice {
            site: site.url().into(),
            login: "alice".to_owned(),
            holder: Some(format!(
                "process {} on {}",
                std::process::id(),
                tk_auth::env::hostname()
            )),
        }]
    );
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());
    assert_eq!(site.calls("get_session_token"), 0, "no login");
    assert_eq!(site.calls("read"), 2, "the refused call and its repeat");
    assert_eq!(user.session_token().unwrap().expose(), fresh);
}

#[tokio::test]
async fn a_renewal_nobody_else_is_doing_shows_no_wait() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert!(
        prompter.renewal_waits().is_empty(),
        "{:?}",
        prompter.renewal_waits()
    );
}

#[tokio::test]
async fn when_the_other_renewal_outlasts_the_wait_its_showing_ends_and_the_person_is_asked() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = tk_auth::ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        crate::support::options(&home.env).renewal_wait(Duration::from_millis(300)),
    );
    let user = expired_user(&auth, &site, "alice").await;
    // A holder that never finishes (its person walked away).
    let _held = home
        .cache()
        .lock_session_renewal(site.url(), "alice", Duration::from_secs(5))
        .unwrap();
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(prompter.renewal_waits().len(), 1);
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("get_session_token"), 1);
}
