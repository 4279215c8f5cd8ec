//! Only 502, 504 and dropped connections are tried again, at most three times in all.

use tk_auth_http::{HttpError, RetryPolicy, Secret, SiteClient};
use tk_auth_site_emulator::Fault;

use crate::support::{self, ALICE_PASSWORD};

async fn login(client: &SiteClient) -> Result<Secret, HttpError> {
    client
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
}

#[tokio::test]
async fn two_bad_gateways_then_success_is_three_calls() {
    let site = support::start();
    site.queue_fault(Fault::Status(502), 2);
    login(&support::client(&site)).await.unwrap();
    assert_eq!(site.calls("get_session_token"), 3);
}

#[tokio::test]
async fn gateway_timeouts_are_retried_until_the_attempts_run_out() {
    let site = support::start();
    site.queue_fault(Fault::Status(504), 3);
    let err = login(&support::client(&site)).await.unwrap_err();
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 504, .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("get_session_token"), 3);
}

#[tokio::test]
async fn an_internal_server_error_is_not_retried() {
    let site = support::start();
    site.queue_fault(Fault::Status(500), 1);
    let err = login(&support::client(&site)).await.unwrap_err();
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let site = support::start();
    site.queue_fault(Fault::DropConnection, 1);
    login(&support::client(&site)).await.unwrap();
    assert_eq!(site.calls("get_session_token"), 2);
}

#[tokio::test]
async fn connections_dropped_every_time_give_up_after_three_attempts() {
    let site = support::start();
    site.queue_fault(Fault::DropConnection, 3);
    let err = login(&support::client(&site)).await.unwrap_err();
    assert!(
        matches!(err, HttpError::ConnectionDropped { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("get_session_token"), 3);
}

#[tokio::test]
async fn the_attempt_count_is_configurable() {
    let site = support::start();
    site.queue_fault(Fault::Status(502), 1);
    let client =
        SiteClient::new(site.url(), support::options().retry(RetryPolicy::never())).unwrap();
    let err = login(&client).await.unwrap_err();
    assert!(
        matches!(err, HttpError::SiteUnavailable { status: 502, .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn authentication_failures_are_not_retried() {
    let site = support::start();
    let client = support::client(&site);
    let err = client
        .generate_session_token("alice", &Secret::new("wrong"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { .. }),
        "{err:?}"
    );
    assert_eq!(site.calls("get_session_token"), 1);
}

#[tokio::test]
async fn a_tls_connection_closed_without_an_answer_is_retried() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    site.queue_fault(Fault::DropConnection, 2);
    let client = SiteClient::new(site.url(), support::options().ca_file(&ca.ca_file)).unwrap();
    login(&client).await.unwrap();
    assert_eq!(site.calls("get_session_token"), 3);
}
