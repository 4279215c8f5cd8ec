//! What a user object exposes and how its credentials are checked, against the site
//! emulator: Unicode logins kept as given, script users' plain connections, a session's
//! check and refresh.

use std::sync::Arc;

use tk_auth::{Answer, CredentialState, ScriptedPrompter, SessionCredentials};
use tk_auth_site_emulator::{ScriptAccount, SiteAuthMethod};

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, session_user};

#[tokio::test]
async fn unicode_logins_and_the_proxy_are_kept_exactly_as_given() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let auth = home.authenticator(Arc::new(ScriptedPrompter::new([])));
    for login in ["josé.díaz", "山田太郎", "김민준", "王小明", "*"] {
        let user = auth
            .create_session_user(
                login,
                SessionCredentials::token("a-token"),
                tk_auth::UserOptions::new()
                    .site(site.url())
                    .http_proxy("proxy.example.com:3128"),
            )
            .await
            .unwrap();
        assert_eq!(user.login().as_deref(), Some(login));
        assert_eq!(user.host(), site.url());
        assert_eq!(user.http_proxy().as_deref(), Some("proxy.example.com:3128"));
        assert_eq!(user.to_string(), login, "str() is the login");
        assert_eq!(
            user.repr(),
            format!("<SessionUser {login} @ {}>", site.url())
        );
        let cached = home.cache().get_session_data(site.url(), login).unwrap();
        assert_eq!(cached.unwrap().login, login, "cached under the same login");
    }
}

#[tokio::test]
async fn script_users_make_plain_calls_are_never_expired_and_refresh_nothing() {
    let site = builder()
        .script_user(ScriptAccount::new("farm", "key-canary-1").with_id(7))
        .start()
        .unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let farm = auth
        .create_script_user(
            "farm",
            "key-canary-1",
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    assert_eq!(farm.login(), None, "a script user has no login");
    assert_eq!(farm.to_string(), "farm");
    assert_eq!(farm.repr(), format!("<ScriptUser farm @ {}>", site.url()));
    let found = farm
        .create_sg_connection()
        .unwrap()
        .find_one("HumanUser", &serde_json::json!([]), &["id"])
        .await
        .unwrap();
    assert!(found.is_some());
    assert_eq!(
        site.calls_by_user("farm"),
        1,
        "called with the script's name"
    );
    site.reset_calls();
    assert!(!farm.are_credentials_expired().await.unwrap());
    assert!(matches!(
        farm.check_credentials().await.unwrap(),
        CredentialState::Valid
    ));
    farm.refresh_credentials().await.unwrap();
    assert_eq!(site.calls("read"), 0, "nothing to check or refresh");

    // A key the site refuses is an error of the call, never a renewal.
    let wrong = auth
        .create_script_user(
            "farm",
            "not-the-key",
            tk_auth::UserOptions::new().site(site.url()),
        )
        .await
        .unwrap();
    let err = wrong
        .create_sg_connection()
        .unwrap()
        .find_one("HumanUser", &serde_json::json!([]), &["id"])
        .await
        .unwrap_err();
    assert_eq!(err.python_class(), "AuthenticationError", "{err}");
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());
}

#[tokio::test]
async fn refreshing_the_credentials_of_an_expired_session_renews_it_now() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let old = user.session_token().unwrap();
    user.refresh_credentials().await.unwrap();
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    let new = user.session_token().unwrap();
    assert_ne!(new, old);
    assert!(!user.are_credentials_expired().await.unwrap());
    let cached = home.cache().get_session_data(site.url(), "alice").unwrap();
    assert_eq!(cached.unwrap().session_token, new);
}

#[tokio::test]
async fn lapsed_single_sign_on_claims_leave_the_session_itself_valid() {
    let site = builder()
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let (user, _) = session_user(&auth, &site, "alice").await;
    assert_eq!(site.expire_saml_claims(), 1);
    assert!(matches!(
        user.check_credentials().await.unwrap(),
        CredentialState::Valid
    ));
    assert!(!user.are_credentials_expired().await.unwrap());
    assert!(prompter.asked().is_empty(), "a check never renews");
}
