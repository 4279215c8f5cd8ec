//! Background renewal of single sign-on claims against the site emulator: at once, then on
//! schedule, until stopped, a renewal that does not push the claims later, or a cancellation.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use tk_auth::{
    Answer, ScriptedPrompter, Secret, SessionCredentials, ShotgunAuthenticator, ShotgunUser,
};
use tk_auth_site_emulator::{SiteAuthMethod, SiteEmulator};

use crate::support::{ALICE_PASSWORD, Home, builder, whoami};

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Session cookies, encoded as Python stores them, whose claims expire at `expiration`.
fn cookies(expiration: i64) -> Secret {
    let jar =
        format!("csrf_token_u00=fedcba;shotgun_current_user_sso_claims_expiration={expiration}");
    Secret::new(base64::engine::general_purpose::STANDARD.encode(jar))
}

/// What another process does when it renews alice's session: a new session on the site,
/// saved in the session cache with its cookies.
fn renewed_elsewhere(site: &SiteEmulator, home: &Home, claims_expiration: i64) -> Secret {
    let token = Secret::new(site.create_session("alice").unwrap());
    home.cache()
        .cache_session_data(
            site.url(),
            "alice",
            &token,
            Some(&cookies(claims_expiration)),
        )
        .unwrap();
    token
}

/// alice with a live session whose claims expire in a minute.
async fn alice(auth: &ShotgunAuthenticator, site: &SiteEmulator) -> ShotgunUser {
    alice_with_claims_until(auth, site, now() + 60).await
}

async fn alice_with_claims_until(
    auth: &ShotgunAuthenticator,
    site: &SiteEmulator,
    claims_expiration: i64,
) -> ShotgunUser {
    let token = site.create_session("alice").unwrap();
    auth.create_session_user(
        "alice",
        SessionCredentials::Token {
            session_token: Secret::new(token),
            session_metadata: Some(cookies(claims_expiration)),
        },
        tk_auth::UserOptions::new().site(site.url()),
    )
    .await
    .unwrap()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "waited too long: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn starting_claims_renewal_renews_at_once_then_again_after_the_set_interval() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("SHOTGUN_SSO_RENEWAL_INTERVAL", "1")]);
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;
    assert!(!user.is_claims_renewal_active());

    let later = now() + 120;
    let first = renewed_elsewhere(&site, &home, later);
    user.start_claims_renewal(tk_auth::DEFAULT_CLAIMS_RENEWAL_THRESHOLD)
        .await
        .unwrap();
    assert_eq!(user.session_token().unwrap(), first, "renewed at once");
    assert_eq!(user.claims_expiration().unwrap(), Some(later));
    assert!(
        user.is_claims_renewal_active(),
        "the next renewal is scheduled"
    );

    let second = renewed_elsewhere(&site, &home, later + 60);
    wait_until("the scheduled renewal", || {
        user.session_token().unwrap() == second
    })
    .await;
    assert_eq!(user.claims_expiration().unwrap(), Some(later + 60));
    assert!(user.is_claims_renewal_active());
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());

    user.stop_claims_renewal();
    assert!(!user.is_claims_renewal_active());
}

#[tokio::test]
async fn without_an_interval_the_next_renewal_comes_at_the_threshold_of_the_claims_lifetime() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice_with_claims_until(&auth, &site, now()).await;

    // Claims good for 2 s, renewed at half their life: about 1 s from now.
    let started = Instant::now();
    renewed_elsewhere(&site, &home, now() + 2);
    user.start_claims_renewal(0.5).await.unwrap();
    let second = renewed_elsewhere(&site, &home, now() + 600);
    wait_until("the scheduled renewal", || {
        user.session_token().unwrap() == second
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Now scheduled at half of ten minutes: nothing more happens soon.
    assert!(user.is_claims_renewal_active());
    user.stop_claims_renewal();
}

#[tokio::test]
async fn stopped_claims_renewal_takes_no_further_session() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("SHOTGUN_SSO_RENEWAL_INTERVAL", "1")]);
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;

    let first = renewed_elsewhere(&site, &home, now() + 120);
    user.start_claims_renewal(0.9).await.unwrap();
    assert!(user.is_claims_renewal_active());
    user.stop_claims_renewal();
    assert!(!user.is_claims_renewal_active());

    renewed_elsewhere(&site, &home, now() + 180);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        user.session_token().unwrap(),
        first,
        "no renewal after the stop"
    );
    assert!(!user.is_claims_renewal_active());
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());

    // It can be started again.
    user.start_claims_renewal(0.9).await.unwrap();
    assert_ne!(user.session_token().unwrap(), first);
    assert!(user.is_claims_renewal_active());
    user.stop_claims_renewal();
}

#[tokio::test]
async fn a_renewal_that_does_not_move_the_claims_expiration_later_stops_the_renewals() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("SHOTGUN_SSO_RENEWAL_INTERVAL", "1")]);
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;
    let expiration = user.claims_expiration().unwrap().unwrap();

    // The other process's session has the same claims expiration.
    let renewed = renewed_elsewhere(&site, &home, expiration);
    user.start_claims_renewal(0.9).await.unwrap();
    assert_eq!(user.session_token().unwrap(), renewed, "it renewed");
    wait_until("the renewals to stop", || !user.is_claims_renewal_active()).await;
}

#[tokio::test]
async fn a_renewal_through_the_prompter_without_claims_cookies_renews_once_then_stops() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("SHOTGUN_SSO_RENEWAL_INTERVAL", "1")]);
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;
    let old = user.session_token().unwrap();

    user.start_claims_renewal(0.9).await.unwrap();
    assert_ne!(
        user.session_token().unwrap(),
        old,
        "renewed through the prompter"
    );
    assert_eq!(
        prompter.asked_kinds(),
        ["session_expired", "password"],
        "one prompt, for alice's password"
    );
    // A password login brings no cookies: no later claims expiration is known.
    assert_eq!(user.claims_expiration().unwrap(), None);
    wait_until("the renewals to stop", || !user.is_claims_renewal_active()).await;
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_cancelled_first_renewal_fails_the_start_and_nothing_runs() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::Cancel]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;

    let err = user.start_claims_renewal(0.9).await.unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(!user.is_claims_renewal_active());
}

#[tokio::test]
async fn a_cancelled_scheduled_renewal_ends_the_renewals() {
    let site = builder().start().unwrap();
    let home = Home::with_vars(&[("SHOTGUN_SSO_RENEWAL_INTERVAL", "1")]);
    let prompter = Arc::new(ScriptedPrompter::new([Answer::Cancel]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = alice(&auth, &site).await;

    let first = renewed_elsewhere(&site, &home, now() + 120);
    user.start_claims_renewal(0.9).await.unwrap();
    assert!(user.is_claims_renewal_active());
    // The next round finds nothing newer in the cache, asks, and is cancelled.
    wait_until("the renewals to end", || !user.is_claims_renewal_active()).await;
    assert_eq!(prompter.remaining(), 0, "the cancellation was asked for");
    assert_eq!(user.session_token().unwrap(), first, "the session is kept");
}

#[tokio::test]
async fn on_a_single_sign_on_site_lapsed_claims_are_renewed_through_browser_approval() {
    let site = Arc::new(
        SiteEmulator::builder()
            .human_user(
                tk_auth_site_emulator::HumanAccount::new("alice", ALICE_PASSWORD).with_id(42),
            )
            .auth_method(SiteAuthMethod::Saml2)
            .app_session_launcher(true)
            .saml_claims_lifetime(Duration::from_mins(10))
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
    let auth = ShotgunAuthenticator::with_options(
        tk_auth::Defaults::from_env_with(&home.env).unwrap(),
        Arc::clone(&prompter),
        options,
    );
    let user = alice(&auth, &site).await;
    assert_eq!(site.expire_saml_claims(), 1);
    let old = user.session_token().unwrap();

    user.start_claims_renewal(0.9).await.unwrap();
    assert_ne!(user.session_token().unwrap(), old);
    assert!(
        prompter.asked_kinds().contains(&"approve_in_browser"),
        "{:?}",
        prompter.asked_kinds()
    );
    let asked = prompter.asked().len();
    // The renewed session's claims are fresh: calls go through without asking again.
    whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap();
    assert_eq!(prompter.asked().len(), asked);
    // Browser approval brings no cookies, so no later claims expiration is known.
    wait_until("the renewals to stop", || !user.is_claims_renewal_active()).await;
}
