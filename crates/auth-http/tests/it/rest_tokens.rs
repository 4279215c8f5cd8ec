//! REST API access tokens against the emulator's `/api/v1/auth/access_token`: every grant
//! end to end (the token then reads an entity), single-use refresh tokens, the refusals,
//! faults, and no secret in logs or errors.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use serde_json::Value;
use tk_auth_http::{HttpError, RestAccessToken, RestGrant, Secret, SiteAuthMethod, SiteClient};
use tk_auth_site_emulator::{Fault, HumanAccount, SiteEmulator};
use tk_auth_test_support::LogCapture;

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY, assert_no_secret, full_text};

fn password(login: &str, password: &str) -> RestGrant {
    RestGrant::Password {
        login: login.into(),
        password: Secret::new(password),
        two_factor_code: None,
    }
}

fn script(name: &str, key: &str) -> RestGrant {
    RestGrant::ClientCredentials {
        script_name: name.into(),
        api_key: Secret::new(key),
    }
}

/// A plain HTTP client, as any program holding a token would use (the emulator serves
/// plain HTTP here, so the TLS set-up is never used).
fn plain_http_client() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .build()
        .unwrap()
}

/// Reads `/api/v1/entity/{collection}/{id}` with the token: the status and the body.
async fn read(
    site: &SiteEmulator,
    token: &RestAccessToken,
    collection: &str,
    id: u64,
) -> (StatusCode, Value) {
    let response = plain_http_client()
        .get(format!("{}/api/v1/entity/{collection}/{id}", site.url()))
        .header(AUTHORIZATION, token.bearer())
        .send()
        .await
        .expect("the emulator answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// Asserts that the token reads the entity and that it is the one expected.
async fn assert_reads(site: &SiteEmulator, token: &RestAccessToken, collection: &str, id: u64) {
    let (status, body) = read(site, token, collection, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], id, "{body}");
}

#[tokio::test]
async fn every_grant_gives_a_token_that_reads_entities() {
    let site = support::start();
    let client = support::client(&site);

    let before = SystemTime::now();
    let person = client
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap();
    assert_eq!(person.token_type(), "Bearer");
    assert_eq!(person.expires_in(), Duration::from_mins(10));
    assert!(person.expires_at() >= before + Duration::from_mins(10));
    assert!(person.expires_at() <= SystemTime::now() + Duration::from_mins(10));
    assert!(person.refresh_token().is_some());
    let (_, body) = read(&site, &person, "human_users", 42).await;
    assert_eq!(body["data"]["type"], "HumanUser");
    assert_eq!(body["data"]["attributes"]["login"], "alice");

    let farm = client
        .rest_access_token(&script("farm_script", SCRIPT_KEY))
        .await
        .unwrap();
    let (_, body) = read(&site, &farm, "api_users", 7).await;
    assert_eq!(body["data"]["type"], "ApiUser");
    assert_eq!(body["data"]["attributes"]["name"], "farm_script");

    let session = Secret::new(site.create_session("alice").unwrap());
    let from_session = client
        .rest_access_token(&RestGrant::SessionToken(session.clone()))
        .await
        .unwrap();
    assert_reads(&site, &from_session, "human_users", 42).await;
    // The session is not used up by the trade.
    client
        .rest_access_token(&RestGrant::SessionToken(session))
        .await
        .unwrap();

    let refreshed = client
        .rest_access_token(&RestGrant::RefreshToken(
            person.refresh_token().unwrap().clone(),
        ))
        .await
        .unwrap();
    assert_ne!(refreshed.access_token(), person.access_token());
    assert_reads(&site, &refreshed, "human_users", 42).await;

    assert_eq!(site.calls("rest:password"), 1);
    assert_eq!(site.calls("rest:client_credentials"), 1);
    assert_eq!(site.calls("rest:session_token"), 2);
    assert_eq!(site.calls("rest:refresh_token"), 1);
    assert_eq!(site.calls("rest:entity"), 4);
    let sent = site.last_request_body("rest:password").unwrap();
    assert_eq!(sent["grant_type"], "password");
    assert_eq!(sent["username"], "alice");
    assert_eq!(sent["password"], ALICE_PASSWORD);
}

#[tokio::test]
async fn a_refresh_token_is_good_once_and_its_successor_works() {
    let site = support::start();
    let client = support::client(&site);
    let first = client
        .rest_access_token(&script("farm_script", SCRIPT_KEY))
        .await
        .unwrap();
    let old = RestGrant::RefreshToken(first.refresh_token().unwrap().clone());
    let second = client.rest_access_token(&old).await.unwrap();
    assert_ne!(second.refresh_token(), first.refresh_token());

    let err = client.rest_access_token(&old).await.unwrap_err();
    assert!(
        matches!(err, HttpError::RefreshTokenRejected { ref message, .. } if message.contains("Invalid refresh token")),
        "{err:?}"
    );
    assert!(!err.needs_renewal());

    let third = client
        .rest_access_token(&RestGrant::RefreshToken(
            second.refresh_token().unwrap().clone(),
        ))
        .await
        .unwrap();
    assert_reads(&site, &third, "api_users", 7).await;
}

#[tokio::test]
async fn expired_access_tokens_are_refused_until_refreshed() {
    let site = support::builder()
        .rest_token_lifetime(Duration::from_secs(30))
        .start()
        .unwrap();
    let client = support::client(&site);
    let token = client
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap();
    assert_eq!(token.expires_in(), Duration::from_secs(30));
    assert!(token.expires_within(Duration::from_secs(31), SystemTime::now()));
    assert!(!token.expires_within(Duration::from_secs(10), SystemTime::now()));
    assert_reads(&site, &token, "human_users", 42).await;

    // Time passes on the site: the token lapses.
    site.advance_clock(Duration::from_secs(31));
    let (status, body) = read(&site, &token, "human_users", 42).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["status"], 401);
    assert_eq!(error["title"], "The access token has expired");
    for key in ["id", "code", "source", "detail", "meta"] {
        assert!(error.get(key).is_some(), "{key} missing: {body}");
    }

    site.set_rest_token_lifetime(Duration::from_mins(2));
    let renewed = client
        .rest_access_token(&RestGrant::RefreshToken(
            token.refresh_token().unwrap().clone(),
        ))
        .await
        .unwrap();
    assert_eq!(renewed.expires_in(), Duration::from_mins(2));
    assert_reads(&site, &renewed, "human_users", 42).await;

    // Expired by the control: refused at once, whatever their lifetime.
    assert_eq!(site.expire_rest_tokens(), 2);
    let (status, _) = read(&site, &renewed, "human_users", 42).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A token the site never granted.
    let forged = RestAccessToken::new(
        Secret::new("forged"),
        None,
        "Bearer",
        Duration::from_mins(1),
        SystemTime::now(),
    )
    .unwrap();
    let (status, body) = read(&site, &forged, "human_users", 42).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["title"], "Invalid access token");
}

#[tokio::test]
async fn refusals_say_what_is_wrong() {
    let site = support::builder()
        .human_user(HumanAccount::new("carol", "pw-Carol-canary").inactive())
        .human_user(HumanAccount::new("bob", "pw-Bob-canary").with_totp_secret("JBSWY3DPEHPK3PXP"))
        .start()
        .unwrap();
    let client = support::client(&site);

    let err = client
        .rest_access_token(&password("alice", "wrong-canary"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { ref message, .. } if message == "Can't authenticate user 'alice'"),
        "{err:?}"
    );
    assert_no_secret(&full_text(&err));

    let err = client
        .rest_access_token(&script("nobody", "key-canary"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { ref message, .. } if message.contains("Can't authenticate script 'nobody'")),
        "{err:?}"
    );
    let err = client
        .rest_access_token(&script("farm_script", "wrong-canary"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { .. }),
        "{err:?}"
    );

    let err = client
        .rest_access_token(&password("carol", "pw-Carol-canary"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { ref message, .. } if message.contains("disabled")),
        "{err:?}"
    );

    let session = site.create_session("alice").unwrap();
    assert!(site.expire_session(&session));
    let err = client
        .rest_access_token(&RestGrant::SessionToken(Secret::new(session)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::SessionExpired { ref message, .. } if message.contains("expired")),
        "{err:?}"
    );
    assert!(err.needs_renewal());

    let err = client
        .rest_access_token(&password("bob", "pw-Bob-canary"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::TwoFactorRequired { .. }),
        "{err:?}"
    );
    let token = client
        .rest_access_token(&RestGrant::Password {
            login: "bob".into(),
            password: Secret::new("pw-Bob-canary"),
            two_factor_code: Some(Secret::new(site.totp_code("bob").unwrap())),
        })
        .await
        .unwrap();
    assert_eq!(
        read(&site, &token, "human_users", 1).await.0,
        StatusCode::OK
    );
    let err = client
        .rest_access_token(&RestGrant::Password {
            login: "bob".into(),
            password: Secret::new("pw-Bob-canary"),
            two_factor_code: Some(Secret::new("000000")),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("rest:password"), 5);
}

#[tokio::test]
async fn password_logins_are_refused_on_single_sign_on_sites() {
    let site = support::builder()
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let err = support::client(&site)
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::SsoRequired { .. }), "{err:?}");
    assert!(err.requires_browser_login());
}

#[tokio::test]
async fn slow_answers_are_waited_for_within_the_timeout() {
    let site = support::start();
    site.queue_fault(Fault::Stall(Duration::from_millis(300)), 1);
    let started = std::time::Instant::now();
    support::client(&site)
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    site.queue_fault(Fault::Stall(Duration::from_secs(5)), 1);
    let impatient = SiteClient::new(
        site.url(),
        support::options().timeout(Duration::from_millis(200)),
    )
    .unwrap();
    let err = impatient
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn refused_and_broken_answers_are_retried_except_for_refresh_tokens() {
    let site = support::start();
    let client = support::client(&site);

    // A gateway error and a dropped connection are retried for a password grant.
    site.queue_fault(Fault::Status(502), 1);
    site.queue_fault(Fault::DropConnection, 1);
    let token = client
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap();
    assert_eq!(site.calls("rest:password"), 3);

    // Not for a refresh token: the site may have used it up already.
    site.queue_fault(Fault::Status(502), 1);
    let refresh = RestGrant::RefreshToken(token.refresh_token().unwrap().clone());
    let err = client.rest_access_token(&refresh).await.unwrap_err();
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 502, .. }),
        "{err:?}"
    );
    site.queue_fault(Fault::DropConnection, 1);
    let err = client.rest_access_token(&refresh).await.unwrap_err();
    assert!(
        matches!(err, HttpError::ConnectionDropped { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("rest:refresh_token"), 2);
    // The faults answered in the site's place, so the token is still good.
    client.rest_access_token(&refresh).await.unwrap();

    site.queue_fault(Fault::Status(503), 3);
    let err = client
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 503, .. }),
        "{err:?}"
    );
    assert!(err.is_unreachable());
    site.clear_faults();

    site.queue_fault(Fault::MalformedBody, 1);
    let err = client
        .rest_access_token(&password("alice", ALICE_PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::MalformedResponse { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn passwords_and_keys_never_go_over_plain_http_to_another_computer() {
    let client = SiteClient::new("http://site.invalid", support::options()).unwrap();
    for grant in [
        password("alice", ALICE_PASSWORD),
        script("farm_script", SCRIPT_KEY),
    ] {
        let err = client.rest_access_token(&grant).await.unwrap_err();
        assert!(matches!(err, HttpError::InsecureSite { .. }), "{err:?}");
    }
    let err = client
        .rest_access_token(&RestGrant::RefreshToken(Secret::new("")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::IncompleteCredentials { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_the_logs_errors_or_debug() {
    let captured = LogCapture::new();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let site = support::builder()
        .human_user(HumanAccount::new("bob", "pw-Bob-canary").with_totp_secret("JBSWY3DPEHPK3PXP"))
        .start()
        .unwrap();
    let client = support::client(&site);
    let mut shown = String::new();
    let mut tokens = Vec::new();
    site.queue_fault(Fault::DropConnection, 1);
    for grant in [
        password("alice", ALICE_PASSWORD),
        password("alice", "wrong-canary"),
        password("bob", "pw-Bob-canary"),
        script("farm_script", SCRIPT_KEY),
        script("farm_script", "key-wrong-canary"),
        RestGrant::SessionToken(Secret::new("session-canary")),
        RestGrant::RefreshToken(Secret::new("refresh-canary")),
    ] {
        writeln!(shown, "{grant:?}").unwrap();
        match client.rest_access_token(&grant).await {
            Ok(token) => {
                writeln!(shown, "{token:?} {:?}", token.bearer()).unwrap();
                tokens.push(token);
            }
            Err(err) => shown.push_str(&full_text(&err)),
        }
    }
    let refreshed = client
        .rest_access_token(&RestGrant::RefreshToken(
            tokens[0].refresh_token().unwrap().clone(),
        ))
        .await
        .unwrap();
    tokens.push(refreshed);

    let logs = captured.text();
    assert!(
        logs.contains("requesting a REST access token"),
        "tracing captured nothing: {logs}"
    );
    for text in [&logs, &shown] {
        assert_no_secret(text);
        for token in &tokens {
            assert!(
                !text.contains(token.access_token().expose()),
                "an access token leaked"
            );
            let refresh = token.refresh_token().unwrap().expose();
            assert!(!text.contains(refresh), "a refresh token leaked");
        }
    }
}
