//! How a browser approval can end other than approved, with the Python Toolkit's messages.

use std::time::Duration;

/// Why a browser approval failed; inside [`HttpError::Approval`](crate::HttpError::Approval).
///
/// Messages are the Python Toolkit's where it has one, so that people can search for them.
/// Network failures while creating or polling a request are the client's usual errors, not
/// these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApprovalError {
    /// The site has browser approval switched off (403).
    #[error(
        "Unable to create an authentication request. The feature does not seem to be enabled on the Flow Production Tracking site"
    )]
    FeatureDisabled {
        /// The site.
        site: String,
    },
    /// The site kept answering 5xx.
    #[error(
        "Unable to establish a stable communication with the Flow Production Tracking site (HTTP {status})"
    )]
    SiteUnstable {
        /// The site.
        site: String,
        /// The last status.
        status: u16,
    },
    /// The request was refused (4xx other than 403 with JSON).
    #[error("Unable to create an authentication request (HTTP {status})")]
    RequestFailed {
        /// The site.
        site: String,
        /// The status.
        status: u16,
    },
    /// An answer of the wrong shape.
    #[error("Unexpected response from the Flow Production Tracking site ({detail})")]
    UnexpectedResponse {
        /// The site.
        site: String,
        /// What was wrong.
        detail: String,
    },
    /// A JSON answer that does not decode.
    #[error("Unable to decode JSON content")]
    UndecodableJson {
        /// The site.
        site: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// The site asked to open a page that is not its own (another host, or not `https`):
    /// the page is not opened, since it could collect the person's credentials.
    #[error(
        "the approval page '{url}' given by {site} is not a secure page of that site ({reason}): it was not opened"
    )]
    UntrustedPage {
        /// The site.
        site: String,
        /// The page it named, credentials redacted.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The opener could not open the approval page.
    #[error("Unable to open local browser")]
    BrowserFailed {
        /// The page that could not be opened.
        url: String,
    },
    /// A poll was redirected.
    #[error("Request redirected (HTTP Redirect to {location})")]
    Redirected {
        /// The site.
        site: String,
        /// Where to.
        location: String,
    },
    /// The person rejected the request, or it expired on the site.
    #[error("The request has been rejected or has expired.")]
    Rejected {
        /// The site.
        site: String,
    },
    /// A poll got another non-200 status.
    #[error("Request denied (HTTP {status})")]
    Denied {
        /// The site.
        site: String,
        /// The status.
        status: u16,
    },
    /// No approval within the overall limit.
    #[error(
        "The request has never been approved (no answer within {} s); start the login again",
        waited.as_secs()
    )]
    TimedOut {
        /// The site.
        site: String,
        /// The limit that ran out.
        waited: Duration,
    },
    /// The wait was cancelled.
    #[error("The request has never been approved: the wait was cancelled")]
    Cancelled {
        /// The site.
        site: String,
    },
}
