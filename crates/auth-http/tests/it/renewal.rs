//! The renewal hook: called once when a session is refused, then the call is made once more.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tk_auth_http::{
    Auth, BoxError, HttpError, RenewalReason, RenewalRequest, Secret, SessionRenewer, SiteClient,
};
use tk_auth_site_emulator::{SiteAuthMethod, SiteEmulator};

use crate::support::{self, SCRIPT_KEY};

/// Renews by logging alice in again on the emulator (what a person would do at a prompt).
struct LogInAgain {
    site: Arc<SiteEmulator>,
    calls: AtomicUsize,
    reasons: Mutex<Vec<RenewalReason>>,
    outcome: Outcome,
}

enum Outcome {
    NewSession,
    Cancelled,
    StaleToken(String),
}

impl LogInAgain {
    fn new(site: &Arc<SiteEmulator>, outcome: Outcome) -> Arc<Self> {
        Arc::new(Self {
            site: Arc::clone(site),
            calls: AtomicUsize::new(0),
            reasons: Mutex::new(Vec::new()),
            outcome,
        })
    }
}

#[async_trait]
impl SessionRenewer for LogInAgain {
    async fn renew(&self, request: &RenewalRequest) -> Result<Secret, BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.reasons.lock().unwrap().push(request.reason.clone());
        assert_eq!(request.site, self.site.url());
        match &self.outcome {
            Outcome::NewSession => Ok(Secret::new(self.site.create_session("alice")?)),
            Outcome::Cancelled => Err("Authentication was cancelled by the user.".into()),
            Outcome::StaleToken(token) => Ok(Secret::new(token.clone())),
        }
    }
}

fn client_with(site: &SiteEmulator, renewer: Arc<LogInAgain>) -> SiteClient {
    SiteClient::new(site.url(), support::options().session_renewer(renewer)).unwrap()
}

async fn read_with(client: &SiteClient, token: &str) -> Result<(), HttpError> {
    support::find_person(client, &Auth::session_token(token), "alice")
        .await
        .map(|found| assert!(found.is_some()))
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_repeated() {
    let site = Arc::new(support::start());
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    let renewer = LogInAgain::new(&site, Outcome::NewSession);
    read_with(&client_with(&site, Arc::clone(&renewer)), &token)
        .await
        .unwrap();
    assert_eq!(renewer.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        *renewer.reasons.lock().unwrap(),
        [RenewalReason::SessionExpired]
    );
    assert_eq!(site.calls("read"), 2);
}

#[tokio::test]
async fn lapsed_sso_claims_are_renewed_too() {
    let site = Arc::new(
        support::builder()
            .auth_method(SiteAuthMethod::Saml2)
            .start()
            .unwrap(),
    );
    let token = site.create_session("alice").unwrap();
    site.expire_saml_claims();
    let renewer = LogInAgain::new(&site, Outcome::NewSession);
    read_with(&client_with(&site, Arc::clone(&renewer)), &token)
        .await
        .unwrap();
    assert_eq!(
        *renewer.reasons.lock().unwrap(),
        [RenewalReason::SamlClaimsExpired]
    );
}

#[tokio::test]
async fn a_failed_renewal_ends_the_call_without_repeating_it() {
    let site = Arc::new(support::start());
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    let renewer = LogInAgain::new(&site, Outcome::Cancelled);
    let err = read_with(&client_with(&site, Arc::clone(&renewer)), &token)
        .await
        .unwrap_err();
    let HttpError::RenewalFailed { source, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        source.to_string(),
        "Authentication was cancelled by the user."
    );
    assert_eq!(site.calls("read"), 1);
}

#[tokio::test]
async fn a_second_refusal_is_returned_as_is() {
    let site = Arc::new(support::start());
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    let renewer = LogInAgain::new(&site, Outcome::StaleToken(token.clone()));
    let err = read_with(&client_with(&site, Arc::clone(&renewer)), &token)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::SessionExpired { .. }), "{err:?}");
    assert_eq!(renewer.calls.load(Ordering::SeqCst), 1);
    assert_eq!(site.calls("read"), 2);
}

#[tokio::test]
async fn only_session_tokens_are_renewed() {
    let site = Arc::new(support::start());
    let renewer = LogInAgain::new(&site, Outcome::NewSession);
    let client = client_with(&site, Arc::clone(&renewer));
    let err = support::find_anyone(&client, &Auth::script("farm_script", "wrong-key"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::AuthenticationFailed { .. }),
        "{err:?}"
    );
    support::find_anyone(&client, &Auth::script("farm_script", SCRIPT_KEY))
        .await
        .unwrap();
    assert_eq!(renewer.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_a_renewer_the_expiry_is_returned() {
    let site = support::start();
    let token = site.create_session("alice").unwrap();
    site.expire_session(&token);
    let err = read_with(&support::client(&site), &token)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::SessionExpired { .. }), "{err:?}");
}
