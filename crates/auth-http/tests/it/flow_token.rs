//! A whole Flow login at the client's level against the emulator's authorization server:
//! the authorization page (the test plays the browser), the callback, the code exchange,
//! refreshes, and each refusal the server can answer.

use std::time::Duration;

use tk_auth_core::{FlowSettings, Secret};
use tk_auth_http::{
    CancelHandle, ClientOptions, FlowCallback, FlowError, FlowLoginRequest, FlowTokenClient,
    HttpError,
};
use tk_auth_site_emulator::{Fault, HumanAccount, SiteEmulator, browser};

use crate::support::quiet_env;

const APP: &str = "tk-auth-http-tests";

fn server() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .flow_application(APP)
        .flow_auto_approve(Some("alice"))
        .start()
        .unwrap()
}

fn settings(server: &SiteEmulator) -> FlowSettings {
    FlowSettings {
        application_id: APP.to_owned(),
        base_url: server.url().to_owned(),
        callback_url: "http://localhost:0/auth/callback".to_owned(),
    }
    .validated()
    .unwrap()
}

fn client(settings: &FlowSettings, timeout: Duration) -> FlowTokenClient {
    FlowTokenClient::new(
        settings,
        ClientOptions::new()
            .environment(quiet_env())
            .timeout(timeout),
    )
    .unwrap()
}

/// A browser login up to the code: the page is visited and followed back to the callback.
async fn login_code(settings: &FlowSettings) -> (Secret, FlowLoginRequest, String) {
    let callback = FlowCallback::bind(&settings.callback_url).await.unwrap();
    let request = FlowLoginRequest::new().unwrap();
    let page = request
        .authorize_url(settings, callback.redirect_uri())
        .unwrap()
        .to_string();
    let redirect_uri = callback.redirect_uri().to_owned();
    std::thread::spawn(move || browser::follow(&page));
    let code = callback
        .wait(
            request.state(),
            Duration::from_secs(20),
            &CancelHandle::new(),
        )
        .await
        .unwrap();
    (code, request, redirect_uri)
}

fn refused(e: HttpError) -> (u16, String) {
    match e {
        HttpError::Flow(FlowError::TokenRefused { status, error, .. }) => (status, error),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_code_is_exchanged_once_and_refresh_tokens_rotate() {
    let server = server();
    let settings = settings(&server);
    let client = client(&settings, Duration::from_secs(20));
    let (code, request, redirect_uri) = login_code(&settings).await;
    let tokens = client
        .exchange_code(&code, request.verifier(), &redirect_uri)
        .await
        .unwrap();
    assert!(tk_auth_core::jwt_expiry(tokens.access_token.expose()).is_some());
    assert_eq!(tokens.expires_in, Some(3599));

    // A replayed code is refused (and revokes what it gave).
    let replay = client
        .exchange_code(&code, request.verifier(), &redirect_uri)
        .await
        .unwrap_err();
    let (status, error) = refused(replay);
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));

    // Rotation: a new pair, and the spent refresh token refused.
    let (code, request, redirect_uri) = login_code(&settings).await;
    let first = client
        .exchange_code(&code, request.verifier(), &redirect_uri)
        .await
        .unwrap();
    let spent = first.refresh_token.clone().unwrap();
    let second = client.refresh(&spent).await.unwrap();
    assert_ne!(second.access_token, first.access_token);
    let error = client.refresh(&spent).await.unwrap_err();
    assert!(
        matches!(&error, HttpError::Flow(e) if e.is_refused_grant()),
        "{error:?}"
    );
    assert!(!format!("{error:?} {error}").contains(spent.expose()));
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_a_stalled_server_times_out() {
    let server = server();
    let settings = settings(&server);
    let client = client(&settings, Duration::from_millis(500));
    let (code, _, redirect_uri) = login_code(&settings).await;
    let other = FlowLoginRequest::new().unwrap();
    let error = client
        .exchange_code(&code, other.verifier(), &redirect_uri)
        .await
        .unwrap_err();
    assert_eq!(refused(error).0, 400);

    server.queue_flow_fault(Fault::Stall(Duration::from_secs(3)), 1);
    let error = client.refresh(&Secret::new("any")).await.unwrap_err();
    assert!(matches!(error, HttpError::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn an_unknown_application_is_refused_before_any_token() {
    let server = server();
    let mut settings = settings(&server);
    settings.application_id = "not-registered".to_owned();
    let error = client(&settings, Duration::from_secs(20))
        .refresh(&Secret::new("any"))
        .await
        .unwrap_err();
    assert_eq!(refused(error), (401, "invalid_client".to_owned()));
}
