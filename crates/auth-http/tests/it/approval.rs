//! Browser approval (App Session Launcher) against the emulator: every outcome.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tk_auth_http::{
    ApprovalError, ApprovalOptions, ApprovedSession, Auth, CancelHandle, HttpError, SiteClient,
    Url, machine_id,
};
use tk_auth_site_emulator::{Fault, SiteEmulator};

use crate::support;

fn quick() -> ApprovalOptions {
    ApprovalOptions::default()
        .with_product("tk-auth tests")
        .with_poll_interval(Duration::from_millis(20))
        .with_time_limit(Duration::from_secs(30))
        .with_backoff(Duration::from_millis(5))
}

/// The request id at the end of the approval page's URL.
fn request_id(url: &Url) -> String {
    url.as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn approve(
    client: &SiteClient,
    options: &ApprovalOptions,
    decide: impl FnOnce(&Url) -> bool + Send,
) -> Result<ApprovedSession, HttpError> {
    client
        .request_browser_approval(options, &CancelHandle::new(), decide)
        .await
}

#[tokio::test]
async fn an_approved_request_gives_a_working_session() {
    let site = Arc::new(support::start());
    let client = support::client(&site);
    let opened = Arc::new(Mutex::new(String::new()));
    let approved = approve(&client, &quick(), {
        let site = Arc::clone(&site);
        let opened = Arc::clone(&opened);
        move |url| {
            *opened.lock().unwrap() = url.to_string();
            let pending = site.pending_requests();
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].app_name, "tk-auth tests");
            assert_eq!(pending[0].machine_id, machine_id());
            site.approve_request(&request_id(url), "alice").unwrap();
            true
        }
    })
    .await
    .unwrap();
    assert_eq!(approved.login, "alice");
    assert_eq!(approved.site, site.url());
    assert!(
        opened
            .lock()
            .unwrap()
            .starts_with(&format!("{}/app_session_request/", site.url()))
    );
    let me = support::find_person(
        &client,
        &Auth::SessionToken(approved.session_token),
        "alice",
    )
    .await
    .unwrap();
    assert_eq!(me.unwrap()["id"], json!(42));
}

#[tokio::test]
async fn the_approval_can_come_after_several_polls() {
    let site = Arc::new(support::start());
    let client = support::client(&site);
    let pending = {
        let site = Arc::clone(&site);
        tokio::spawn(async move {
            // Approve only once the client has polled a few times.
            loop {
                tokio::time::sleep(Duration::from_millis(30)).await;
                if let Some(request) = site.pending_requests().first() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    site.approve_request(&request.id, "alice").unwrap();
                    return;
                }
            }
        })
    };
    let approved = approve(&client, &quick(), |_| true).await.unwrap();
    pending.await.unwrap();
    assert_eq!(approved.login, "alice");
}

#[tokio::test]
async fn a_denied_request_is_rejected() {
    let site = Arc::new(support::start());
    let err = approve(&support::client(&site), &quick(), {
        let site = Arc::clone(&site);
        move |url| {
            site.deny_request(&request_id(url)).unwrap();
            true
        }
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, HttpError::Approval(ApprovalError::Rejected { .. })),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "The request has been rejected or has expired."
    );
}

#[tokio::test]
async fn a_request_that_expires_on_the_site_is_rejected() {
    let site = support::builder()
        .app_session_request_lifetime(Duration::from_millis(50))
        .start()
        .unwrap();
    let err = approve(&support::client(&site), &quick(), |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Approval(ApprovalError::Rejected { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn cancelling_stops_the_wait() {
    let site = support::start();
    let cancel = CancelHandle::new();
    let err = support::client(&site)
        .request_browser_approval(&quick(), &cancel, {
            let cancel = cancel.clone();
            move |_| {
                cancel.cancel();
                true
            }
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Approval(ApprovalError::Cancelled { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("The request has never been approved")
    );
}

#[tokio::test]
async fn waiting_ends_at_the_time_limit() {
    let site = support::start();
    let options = quick().with_time_limit(Duration::from_millis(150));
    let err = approve(&support::client(&site), &options, |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Approval(ApprovalError::TimedOut { waited, .. }) if waited == Duration::from_millis(150)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("The request has never been approved")
    );
}

#[tokio::test]
async fn a_site_without_the_feature_says_so() {
    let site = support::builder()
        .app_session_launcher(false)
        .start()
        .unwrap();
    let err = approve(&support::client(&site), &quick(), |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::FeatureDisabled { .. })
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("does not seem to be enabled"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let site = Arc::new(support::start());
    site.queue_fault(Fault::Status(500), 2);
    let approved = approve(&support::client(&site), &quick(), {
        let site = Arc::clone(&site);
        move |url| {
            site.approve_request(&request_id(url), "alice").unwrap();
            true
        }
    })
    .await
    .unwrap();
    assert_eq!(approved.login, "alice");
}

#[tokio::test]
async fn server_errors_on_every_attempt_are_unstable_communication() {
    let site = support::start();
    site.queue_fault(Fault::Status(502), 4);
    let err = approve(&support::client(&site), &quick(), |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::SiteUnstable { status: 502, .. })
        ),
        "{err:?}"
    );
    assert!(site.pending_requests().is_empty());
}

#[tokio::test]
async fn malformed_bodies_cannot_be_decoded() {
    let site = support::start();
    site.queue_fault(Fault::MalformedBody, 1);
    let err = approve(&support::client(&site), &quick(), |_| true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::UndecodableJson { .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "Unable to decode JSON content");

    // The same while polling.
    let site = Arc::new(support::start());
    let err = approve(&support::client(&site), &quick(), {
        let site = Arc::clone(&site);
        move |_| {
            site.queue_fault(Fault::MalformedBody, 1);
            true
        }
    })
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::UndecodableJson { .. })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_browser_that_cannot_open_ends_the_flow() {
    let site = support::start();
    let err = approve(&support::client(&site), &quick(), |_| false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::BrowserFailed { .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "Unable to open local browser");
}

#[tokio::test]
async fn the_product_name_defaults_to_the_toolkit() {
    let site = Arc::new(SiteEmulator::builder().start().unwrap());
    let mut options = quick().with_executable("/usr/local/bin/render-job");
    options.product = None;
    let err = approve(&support::client(&site), &options, {
        let site = Arc::clone(&site);
        move |_| {
            assert_eq!(
                site.pending_requests()[0].app_name,
                tk_auth_http::PRODUCT_DEFAULT
            );
            false
        }
    })
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::Approval(ApprovalError::BrowserFailed { .. })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_on_another_host_is_never_opened() {
    for base in [
        "https://elsewhere.example.net",
        "http://elsewhere.example.net",
        "https://127.0.0.1.example.net",
    ] {
        let site = support::builder().approval_page_base(base).start().unwrap();
        let opened = Arc::new(Mutex::new(false));
        let err = approve(&support::client(&site), &quick(), {
            let opened = Arc::clone(&opened);
            move |_| {
                *opened.lock().unwrap() = true;
                true
            }
        })
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                HttpError::Approval(ApprovalError::UntrustedPage { .. })
            ),
            "{base}: {err:?}"
        );
        assert!(!*opened.lock().unwrap(), "{base}: the page was opened");
        let text = err.to_string();
        assert!(
            text.contains("elsewhere") || text.contains(".example.net"),
            "{text}"
        );
        assert!(text.contains("was not opened"), "{text}");
    }
}

#[tokio::test]
async fn a_plain_http_page_is_opened_only_for_a_site_on_this_computer() {
    // The emulator's own page, `http://127.0.0.1:…`, is this computer: it is opened.
    let site = Arc::new(support::start());
    let approved = approve(&support::client(&site), &quick(), {
        let site = Arc::clone(&site);
        move |url| {
            assert!(url.as_str().starts_with(site.url()), "{url}");
            site.approve_request(&request_id(url), "alice").unwrap();
            true
        }
    })
    .await
    .unwrap();
    assert_eq!(approved.login, "alice");
}

#[tokio::test]
async fn the_page_is_handed_to_the_opener_re_serialised_never_as_the_site_sent_it() {
    // A page on the site's own host (so it is trusted) whose path holds what a shell would
    // read: `&`, `|`, `^`, quotes, a space, a newline, `%` forms.
    let base = "http://127.0.0.1:9/a&calc|x^y\"q'z w\n%41%zz%%s";
    let site = support::builder().approval_page_base(base).start().unwrap();
    let opened = Arc::new(Mutex::new(String::new()));
    let err = approve(&support::client(&site), &quick(), {
        let opened = Arc::clone(&opened);
        // `to_string` gives the text the opener was handed, whatever its type.
        move |url| {
            *opened.lock().unwrap() = url.to_string();
            false
        }
    })
    .await
    .unwrap_err();
    let opened = opened.lock().unwrap().clone();
    let id = opened.rsplit('/').next().unwrap_or_default();
    let sent = format!("{base}/app_session_request/{id}");
    let canonical = Url::parse(&sent).unwrap();
    assert_eq!(opened, canonical.as_str());
    assert_ne!(opened, sent, "the site's text was handed on as it came");
    assert!(!opened.contains(['"', ' ', '\n']), "{opened}");
    // A browser that could not start is reported with the same address.
    assert!(
        matches!(&err, HttpError::Approval(ApprovalError::BrowserFailed { url }) if *url == opened),
        "{err:?}"
    );
}
