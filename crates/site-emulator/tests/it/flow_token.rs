//! The Flow token endpoint: PKCE verification, single-use and short-lived codes, the
//! checks of redirect URI and client, refresh token rotation and revocation.

use std::time::Duration;

use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::client;
use crate::flow::{
    CLIENT, REDIRECT, claims, code, error_of, introspect, pkce, redeem, refresh, site,
    standard_request, token,
};

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_spends_the_code() {
    let site = site();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    let (wrong, _) = pkce("someone-else");
    let answer = redeem(&http, &site, &code, &wrong).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    let answer = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));

    // No verifier at all is refused too.
    let (code, _) = self::code(&http, &site).await;
    let answer = token(
        &http,
        &site,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
        ],
    )
    .await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    assert_eq!(site.calls("flow:refused"), 3);
}

#[tokio::test]
async fn a_code_works_once_and_a_replay_revokes_what_it_gave() {
    let site = site();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    let (status, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(status, 200);
    let (status, rotated) = refresh(&http, &site, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let answer = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    // The refresh tokens the code led to are withdrawn: the code may have been stolen.
    let answer = refresh(&http, &site, rotated["refresh_token"].as_str().unwrap()).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    // Another login's tokens are untouched.
    let (code, verifier) = self::code(&http, &site).await;
    let (_, other) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(
        refresh(&http, &site, other["refresh_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_eq!(site.calls("flow:authorization_code"), 3);
    assert_eq!(site.calls("flow:refused"), 2);
}

#[tokio::test]
async fn the_redirect_uri_and_client_must_match_the_authorization() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .flow_application(CLIENT)
        .flow_application("other-client")
        .start()
        .unwrap();
    let http = client();
    for (redirect, client_id, expected) in [
        (
            "http://127.0.0.1:4202/auth/callback",
            CLIENT,
            "invalid_grant",
        ),
        ("", CLIENT, "invalid_grant"),
        (REDIRECT, "other-client", "invalid_grant"),
        (REDIRECT, "unregistered", "invalid_client"),
    ] {
        let (code, verifier) = code(&http, &site).await;
        let answer = token(
            &http,
            &site,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                ("client_id", client_id),
                ("code_verifier", &verifier),
            ],
        )
        .await;
        let status = if expected == "invalid_client" {
            401
        } else {
            400
        };
        assert_eq!(
            error_of(&answer),
            (status, expected),
            "{redirect} {client_id}"
        );
    }
    for (form, expected) in [
        (vec![("grant_type", "password")], "unsupported_grant_type"),
        (vec![], "invalid_request"),
        (
            vec![("grant_type", "authorization_code"), ("client_id", CLIENT)],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("code", "nope"),
            ],
            "invalid_grant",
        ),
    ] {
        assert_eq!(error_of(&token(&http, &site, &form).await), (400, expected));
    }
}

#[tokio::test]
async fn codes_expire_after_a_minute() {
    let site = site();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    site.advance_clock(Duration::from_secs(61));
    let answer = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    assert!(
        answer.1["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // Pending authorizations lapse too, after ten minutes.
    let (_, challenge) = pkce("lapse");
    http.get(standard_request(&site, &challenge, "s"))
        .send()
        .await
        .unwrap();
    let id = site.pending_authorizations().pop().unwrap().id;
    site.advance_clock(Duration::from_mins(10));
    assert!(site.pending_authorizations().is_empty());
    assert!(site.approve_authorization(&id, "alice").is_err());
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_is_refused() {
    let site = site();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    let (_, first) = redeem(&http, &site, &code, &verifier).await;
    let old = first["refresh_token"].as_str().unwrap();
    let (status, second) = refresh(&http, &site, old).await;
    assert_eq!(status, 200, "{second}");
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(
        claims(second["access_token"].as_str().unwrap())["sub"],
        "alice"
    );

    let answer = refresh(&http, &site, old).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    let (status, third) = refresh(&http, &site, new).await;
    assert_eq!(status, 200);
    assert_eq!(
        introspect(&http, &site, third["access_token"].as_str().unwrap()).await["active"],
        true
    );
    // Another client cannot use it, and an unregistered one is no client at all.
    let latest = third["refresh_token"].as_str().unwrap();
    let answer = token(
        &http,
        &site,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", latest),
            ("client_id", "unregistered"),
        ],
    )
    .await;
    assert_eq!(error_of(&answer), (401, "invalid_client"));
    assert_eq!(site.calls("flow:refresh_token"), 4);
    assert_eq!(site.calls("flow:refused"), 2);
}

#[tokio::test]
async fn revoked_refresh_tokens_are_refused() {
    let site = site();
    let http = client();
    let (code, verifier) = code(&http, &site).await;
    let (_, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(site.revoke_flow_refresh_tokens(), 1);
    let answer = refresh(&http, &site, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(error_of(&answer), (400, "invalid_grant"));
    // A new login gets tokens that work.
    let (code, verifier) = self::code(&http, &site).await;
    let (_, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(
        refresh(&http, &site, tokens["refresh_token"].as_str().unwrap())
            .await
            .0,
        200
    );
}
