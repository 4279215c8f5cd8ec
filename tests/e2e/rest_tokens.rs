//! REST API access tokens of the façade's users against the emulator: each grant, the
//! token at work on the REST API, and one refresh for many callers.

use std::time::Duration;

use tk_auth::{
    Answer, AuthOptions, ClientOptions, Defaults, Env, ErrorKind, NonInteractivePrompter,
    RestGrant, ScriptedPrompter, SessionCredentials, ShotgunAuthenticator, ShotgunUser, SiteClient,
    UserOptions,
};
use tk_auth_site_emulator::browser;
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteEmulator};

const PASSWORD: &str = "pw-Alice-rest-1";

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", PASSWORD).with_id(42))
        .script_user(ScriptAccount::new("farm", "key-canary-9").with_id(7))
        .app_session_launcher(false)
        .start()
        .unwrap()
}

fn authenticator(home: &std::path::Path, prompter: ScriptedPrompter) -> ShotgunAuthenticator {
    let env = Env::from_pairs([("SHOTGUN_HOME", home.to_str().unwrap())]);
    ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        prompter,
        AuthOptions::new().environment(env),
    )
}

/// alice as a session user of `auth`, with a session the site just issued (and expired).
async fn session_of_alice(
    auth: &ShotgunAuthenticator,
    site: &SiteEmulator,
    expired: bool,
) -> ShotgunUser {
    let token = site.create_session("alice").unwrap();
    if expired {
        site.expire_session(&token);
    }
    auth.create_session_user(
        "alice",
        SessionCredentials::token(token),
        UserOptions::new().site(site.url()),
    )
    .await
    .unwrap()
}

/// Reads an entity through the REST API with the token, as any HTTP client would.
fn read_entity(site: &SiteEmulator, path: &str, header: &str) -> u16 {
    browser::visit_with(
        &format!("{}{path}", site.url()),
        &[("Authorization", header)],
    )
    .unwrap()
    .status
}

#[tokio::test]
async fn a_session_user_and_a_script_user_each_get_a_token_that_reads_the_rest_api() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let auth = authenticator(home.path(), ScriptedPrompter::new([]));
    let alice = session_of_alice(&auth, &site, false).await;
    let rest = alice.rest_access_token().await.unwrap();
    assert_eq!(site.calls("rest:session_token"), 1);
    let header = rest.authorization();
    assert_eq!(
        read_entity(&site, "/api/v1/entity/human_users/42", header.expose()),
        200
    );
    // Held: no second grant.
    assert_eq!(
        alice.rest_access_token().await.unwrap().access_token(),
        rest.access_token()
    );
    assert_eq!(site.calls("rest:session_token"), 1);

    let farm = auth
        .create_script_user("farm", "key-canary-9", UserOptions::new().site(site.url()))
        .await
        .unwrap();
    let rest = farm.rest_access_token().await.unwrap();
    assert_eq!(site.calls("rest:client_credentials"), 1);
    assert_eq!(
        read_entity(
            &site,
            "/api/v1/entity/api_users/7",
            rest.authorization().expose()
        ),
        200
    );
    assert!(!format!("{rest:?}").contains(rest.access_token().expose()));
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_once_for_200_concurrent_callers() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let auth = authenticator(home.path(), ScriptedPrompter::new([]));
    let alice = session_of_alice(&auth, &site, false).await;
    // Usable for one second: a minute of margin is kept.
    site.set_rest_token_lifetime(Duration::from_secs(61));
    let first = alice.rest_access_token().await.unwrap();
    site.set_rest_token_lifetime(Duration::from_mins(10));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let callers: Vec<_> = (0..200)
        .map(|_| {
            let alice: ShotgunUser = alice.clone();
            tokio::spawn(async move { alice.rest_access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap().unwrap());
    }
    assert_eq!(
        site.calls("rest:refresh_token"),
        1,
        "one refresh for 200 callers"
    );
    assert_eq!(site.calls("rest:session_token"), 1);
    assert!(
        tokens
            .iter()
            .all(|t| t.access_token() == tokens[0].access_token())
    );
    assert_ne!(tokens[0].access_token(), first.access_token());
    assert_eq!(
        read_entity(
            &site,
            "/api/v1/entity/human_users/42",
            tokens[0].authorization().expose()
        ),
        200
    );
}

#[tokio::test]
async fn an_expired_session_is_renewed_first_or_where_nobody_answers_the_renewal_says_why() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let prompter = ScriptedPrompter::new([Answer::password(PASSWORD)]);
    let auth = authenticator(home.path(), prompter);
    let alice = session_of_alice(&auth, &site, true).await;
    let rest = alice.rest_access_token().await.unwrap();
    assert_eq!(
        site.calls("rest:session_token"),
        2,
        "refused, then traded after renewal"
    );
    assert_eq!(
        site.calls("get_session_token"),
        1,
        "the person logged in once"
    );
    assert!(!rest.access_token().is_empty());

    // Nobody can answer and the session is gone: the renewal's own error.
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    let lonely = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        NonInteractivePrompter,
        AuthOptions::new().environment(env),
    );
    let again = session_of_alice(&lonely, &site, true).await;
    let error = again.rest_access_token().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::NonInteractive { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refresh_token_spent_elsewhere_leads_to_a_new_grant() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let auth = authenticator(home.path(), ScriptedPrompter::new([]));
    let farm = auth
        .create_script_user("farm", "key-canary-9", UserOptions::new().site(site.url()))
        .await
        .unwrap();
    site.set_rest_token_lifetime(Duration::from_secs(61));
    let held = farm.rest_access_token().await.unwrap();
    site.set_rest_token_lifetime(Duration::from_mins(10));
    // Another program spends the refresh token the user holds.
    let client =
        SiteClient::new(site.url(), ClientOptions::new().environment(Env::empty())).unwrap();
    let refresh = held.refresh_token().unwrap().clone();
    client
        .rest_access_token(&RestGrant::RefreshToken(refresh))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = farm.rest_access_token().await.unwrap();
    assert_eq!(site.calls("rest:refresh_token"), 2, "ours was refused");
    assert_eq!(site.calls("rest:client_credentials"), 2, "then a new grant");
    assert_eq!(
        read_entity(
            &site,
            "/api/v1/entity/api_users/7",
            fresh.authorization().expose()
        ),
        200
    );
}
