//! Answers are read within a size limit: refused on their announced length, else counted
//! while read, for API calls and browser approval alike.

use std::time::Duration;

use tk_auth_http::{
    ApprovalOptions, CancelHandle, DEFAULT_MAX_RESPONSE_BYTES, HttpError, SiteClient,
};
use tk_auth_site_emulator::Fault;

use crate::support;

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn an_answer_announced_above_the_default_limit_is_refused_without_reading_it() {
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 32 * MIB);
    let site = support::start();
    // The emulator announces the length, then withholds the body: a client that waited
    // for the bytes would run into its timeout instead.
    site.queue_fault(
        Fault::OversizedBody {
            bytes: 33 * MIB,
            announced: true,
        },
        1,
    );
    let client = SiteClient::new(
        site.url(),
        support::options().timeout(Duration::from_secs(10)),
    )
    .unwrap();
    let err = client.call("info", None, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::ResponseTooLarge {
                limit,
                declared: Some(declared),
                ..
            } if limit == 32 * MIB && declared == 33 * MIB
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(site.url()), "{err}");
}

#[tokio::test]
async fn an_answer_without_a_length_is_cut_off_once_it_passes_the_limit() {
    let site = support::start();
    site.queue_fault(
        Fault::OversizedBody {
            bytes: 4 * MIB,
            announced: false,
        },
        1,
    );
    let client = SiteClient::new(site.url(), support::options().max_response_bytes(MIB)).unwrap();
    let err = client.call("info", None, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::ResponseTooLarge {
                limit,
                declared: None,
                ..
            } if limit == MIB
        ),
        "{err:?}"
    );
    // The next call, within the limit, goes through.
    let info = client.call("info", None, None).await.unwrap();
    assert!(info.get("version").is_some(), "{info}");
}

#[tokio::test]
async fn a_limit_smaller_than_an_ordinary_answer_refuses_it() {
    let site = support::start();
    let client = SiteClient::new(site.url(), support::options().max_response_bytes(16)).unwrap();
    let err = client.call("info", None, None).await.unwrap_err();
    assert!(
        matches!(err, HttpError::ResponseTooLarge { limit: 16, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn browser_approval_answers_are_limited_too() {
    let site = support::start();
    site.queue_fault(
        Fault::OversizedBody {
            bytes: 2 * MIB,
            announced: false,
        },
        1,
    );
    let client = SiteClient::new(site.url(), support::options().max_response_bytes(MIB)).unwrap();
    let options = ApprovalOptions::default().with_product("tk-auth tests");
    let err = client
        .request_browser_approval(&options, &CancelHandle::new(), |_| {
            panic!("no page may be opened after a refused answer")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::ResponseTooLarge { declared: None, .. }),
        "{err:?}"
    );
}
