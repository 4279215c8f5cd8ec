//! Every failure provoked for real, each a distinct error that says what to do, none
//! showing a secret.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;
use tk_auth_http::{Auth, HttpError, Secret, SiteClient};
use tk_auth_site_emulator::{Fault, HumanAccount, SiteAuthMethod};

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

async fn token_error(site_url: &str, login: &str, password: &str) -> HttpError {
    SiteClient::new(site_url, support::options())
        .unwrap()
        .generate_session_token(login, &Secret::new(password), None)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_failure_with_the_site_message() {
    let site = support::start();
    let err = token_error(site.url(), "alice", "wrong-canary").await;
    let HttpError::AuthenticationFailed { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(message, "Can't authenticate user 'alice'");
    assert_eq!(
        err.to_string(),
        "Authentication failed: Can't authenticate user 'alice'"
    );
    support::assert_no_secret(&support::full_text(&err));
}

#[tokio::test]
async fn an_inactive_account_is_an_authentication_failure() {
    let site = support::builder()
        .human_user(HumanAccount::new("carol", "pw-canary").inactive())
        .start()
        .unwrap();
    let err = token_error(site.url(), "carol", "pw-canary").await;
    assert!(
        matches!(&err, HttpError::AuthenticationFailed { message, .. } if message.contains("disabled")),
        "{err:?}"
    );
}

#[tokio::test]
async fn sso_and_identity_sites_say_to_use_the_browser() {
    for (method, is_sso) in [
        (SiteAuthMethod::Saml2, true),
        (SiteAuthMethod::Oxygen, false),
    ] {
        let site = support::builder().auth_method(method).start().unwrap();
        let err = token_error(site.url(), "alice", ALICE_PASSWORD).await;
        if is_sso {
            assert!(matches!(err, HttpError::SsoRequired { .. }), "{err:?}");
        } else {
            assert!(matches!(err, HttpError::IdentityRequired { .. }), "{err:?}");
        }
        assert!(err.requires_browser_login());
        assert!(
            err.to_string().contains("log in through the browser"),
            "{err}"
        );
        support::assert_no_secret(&support::full_text(&err));
    }
}

#[tokio::test]
async fn an_expired_session_is_its_own_error() {
    let site = support::start();
    let token = site.create_session("alice").unwrap();
    assert!(site.expire_session(&token));
    let err = support::client(&site)
        .find_one(
            &Auth::session_token(token.clone()),
            "HumanUser",
            &json!([]),
            &[],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::SessionExpired { .. }), "{err:?}");
    assert!(err.needs_renewal());
    assert!(err.to_string().contains("log in again"), "{err}");
    assert!(!support::full_text(&err).contains(&token));
}

#[tokio::test]
async fn lapsed_sso_claims_are_the_302_to_the_saml_login() {
    let site = support::builder()
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let token = site.create_session("alice").unwrap();
    assert_eq!(site.expire_saml_claims(), 1);
    let err = support::client(&site)
        .find_one(&Auth::session_token(token), "HumanUser", &json!([]), &[])
        .await
        .unwrap_err();
    let HttpError::SamlClaimsExpired { location, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(location.ends_with("/saml/saml_login_request"), "{location}");
    assert!(err.needs_renewal());
}

#[tokio::test]
async fn server_errors_are_unavailability_not_site_not_found() {
    let site = support::start();
    site.queue_fault(Fault::Status(503), 1);
    let err = token_error(site.url(), "alice", ALICE_PASSWORD).await;
    let HttpError::SiteUnavailable {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 503);
    assert_eq!(
        message,
        "Flow Production Tracking is currently down for maintenance or too busy to reply. Please try again later."
    );
    assert!(err.is_unreachable());

    site.queue_fault(Fault::Status(500), 1);
    let err = token_error(site.url(), "alice", ALICE_PASSWORD).await;
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 500, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not found"), "{err}");
}

#[tokio::test]
async fn other_statuses_name_the_status_and_a_403_shows_why() {
    let site = support::start();
    site.queue_fault(Fault::Status(403), 1);
    let err = token_error(site.url(), "alice", ALICE_PASSWORD).await;
    let HttpError::HttpStatus {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 403);
    assert!(message.starts_with("Forbidden: <html>"), "{message}");
}

#[tokio::test]
async fn an_unknown_host_is_site_not_found() {
    let err = token_error("https://no-such-site.invalid", "alice", ALICE_PASSWORD).await;
    let HttpError::SiteNotFound { host, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(host, "no-such-site.invalid");
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = token_error(&format!("http://127.0.0.1:{port}"), "alice", ALICE_PASSWORD).await;
    assert!(
        matches!(err, HttpError::ConnectionRefused { .. }),
        "{err:?}"
    );
    assert!(err.is_unreachable());
}

#[tokio::test]
async fn a_stalled_site_times_out() {
    let site = support::start();
    site.queue_fault(Fault::Stall(Duration::from_secs(5)), 1);
    let client = SiteClient::new(
        site.url(),
        support::options().timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let err = client
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap_err();
    let HttpError::Timeout { timeout, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*timeout, Duration::from_millis(300));
    // A timeout is not retried: the call may have reached the site.
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_malformed_response() {
    let site = support::start();
    site.queue_fault(Fault::MalformedBody, 1);
    let err = token_error(site.url(), "alice", ALICE_PASSWORD).await;
    assert!(
        matches!(err, HttpError::MalformedResponse { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[tokio::test]
async fn unknown_methods_are_site_faults_with_their_code() {
    let site = support::start();
    let err = support::client(&site)
        .call(
            "no_such_method",
            None,
            Some(&Auth::script("farm_script", SCRIPT_KEY)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Fault {
                code: Some(100),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_filters_fail_before_anything_is_sent() {
    let site = support::start();
    let client = support::client(&site);
    client.info().await.unwrap();
    let err = client
        .find_one(
            &Auth::script("farm_script", SCRIPT_KEY),
            "HumanUser",
            &json!({"filter_operator": "xor", "filters": []}),
            &[],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::InvalidRequest { .. }), "{err:?}");
    assert_eq!(site.calls("read"), 0);
}

/// A server on a loopback port that answers like a mail server: at once (`banner_first`) or
/// after reading the request.
async fn not_http_server(banner_first: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            if !banner_first {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request).await;
            }
            let _ = stream
                .write_all(b"220 mail.example.com ESMTP ready\r\n")
                .await;
        }
    });
    port
}

#[tokio::test]
async fn a_server_that_does_not_speak_http_is_a_malformed_response() {
    for banner_first in [false, true] {
        let port = not_http_server(banner_first).await;
        let err = token_error(&format!("http://127.0.0.1:{port}"), "alice", ALICE_PASSWORD).await;
        assert!(
            matches!(err, HttpError::MalformedResponse { .. }),
            "{banner_first}: {err:?}"
        );
    }
}
