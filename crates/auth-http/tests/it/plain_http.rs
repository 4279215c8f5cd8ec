//! Passwords, script keys and browser approvals never travel over plain `http://` to
//! another computer unless `SGTK_AUTH_ALLOW_NO_HTTPS` says so.
//!
//! The site `http://example.invalid` is reached (if ever) through the emulator acting as
//! the proxy, so a request that should not have been sent shows in its counters and
//! nothing leaves the machine.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use tk_auth_http::{
    ApprovalOptions, Auth, CancelHandle, ClientOptions, Env, HttpError, SiteClient,
};
use tk_auth_site_emulator::SiteEmulator;

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

const REMOTE: &str = "http://example.invalid";

fn through(site: &SiteEmulator, env: Env) -> SiteClient {
    let proxy = site.local_addr().to_string();
    let options = support::options()
        .environment(env)
        .http_proxy(&proxy)
        .unwrap();
    SiteClient::new(REMOTE, options).unwrap()
}

fn assert_refused(err: &HttpError, what: &str) {
    assert!(
        matches!(err, HttpError::InsecureSite { site, .. } if site == REMOTE),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(what), "{text}");
    assert!(text.contains("https://"), "{text}");
    assert!(text.contains("SGTK_AUTH_ALLOW_NO_HTTPS"), "{text}");
    support::assert_no_secret(&support::full_text(err));
}

#[tokio::test]
async fn credentials_for_a_plain_http_site_elsewhere_are_refused_before_anything_is_sent() {
    let site = support::start();
    let client = through(&site, Env::empty());

    let err = client
        .generate_session_token("alice", &ALICE_PASSWORD.into(), None)
        .await
        .unwrap_err();
    assert_refused(&err, "a password");

    let script = Auth::script("farm_script", SCRIPT_KEY);
    let err = client
        .find_one(&script, "ApiUser", &json!([]), &[])
        .await
        .unwrap_err();
    assert_refused(&err, "a script key");
    let err = client.call("read", None, Some(&script)).await.unwrap_err();
    assert_refused(&err, "a script key");

    let opened = AtomicBool::new(false);
    let err = client
        .request_browser_approval(&ApprovalOptions::default(), &CancelHandle::new(), |_| {
            opened.store(true, Ordering::SeqCst);
            true
        })
        .await
        .unwrap_err();
    assert_refused(&err, "a browser approval");
    assert!(!opened.load(Ordering::SeqCst));

    assert_eq!(site.calls("get_session_token"), 0);
    assert_eq!(site.calls("info"), 0);
    assert_eq!(site.calls("read"), 0);
    assert!(site.pending_requests().is_empty());
}

#[tokio::test]
async fn session_tokens_and_unauthenticated_calls_are_not_refused() {
    let site = support::start();
    let client = through(&site, Env::empty());
    client.call("info", None, None).await.unwrap();
    assert_eq!(site.calls("info"), 1);
}

#[tokio::test]
async fn the_variable_lets_credentials_through_to_a_plain_http_site() {
    let site = support::start();
    let client = through(&site, Env::from_pairs([("SGTK_AUTH_ALLOW_NO_HTTPS", "1")]));
    let token = client
        .generate_session_token("alice", &ALICE_PASSWORD.into(), None)
        .await
        .unwrap();
    assert!(!token.is_empty());
    assert_eq!(site.calls("get_session_token"), 1);

    // Set but empty counts as unset, as in the Python Toolkit.
    let client = through(&site, Env::from_pairs([("SGTK_AUTH_ALLOW_NO_HTTPS", "")]));
    let err = client
        .generate_session_token("alice", &ALICE_PASSWORD.into(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::InsecureSite { .. }), "{err:?}");
}

#[tokio::test]
async fn this_computer_may_be_reached_over_plain_http() {
    let site = support::start();
    let port = site.local_addr().port();
    for url in [site.url().to_owned(), format!("http://localhost:{port}")] {
        let client = SiteClient::new(&url, support::options()).unwrap();
        client
            .generate_session_token("alice", &ALICE_PASSWORD.into(), None)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    // An https site is never refused for being plain: the check is about the scheme.
    assert!(SiteClient::new("https://example.invalid", ClientOptions::new()).is_ok());
}
