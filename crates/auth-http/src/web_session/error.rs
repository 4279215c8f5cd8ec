//! Every way a web-session renewal ends without a new session.

use std::fmt;
use std::time::Duration;

/// What kind of page stopped a web-session renewal because a person must act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PersonPage {
    /// A login form (it asks for a password): the identity provider's session is gone.
    LoginForm,
    /// A second-factor page (a one-time code, no password).
    SecondFactor,
    /// A page that only scripts could move on (no form to post, no refresh).
    ScriptOnly,
    /// A page the renewal does not recognise (a form it will not fill, an error page, an
    /// answer that is not HTML).
    Unrecognised,
}

impl fmt::Display for PersonPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LoginForm => "a login form",
            Self::SecondFactor => "a second-factor (one-time code) page",
            Self::ScriptOnly => "a page that needs scripts",
            Self::Unrecognised => "a page the renewal does not recognise",
        })
    }
}

/// Why a web-session renewal
/// ([`SiteClient::renew_web_session`](crate::SiteClient::renew_web_session)) ended without a
/// new session. Carried by [`HttpError::WebRenewal`](crate::HttpError::WebRenewal);
/// network failures are the client's ordinary errors.
///
/// Places (`at`) are a host and path only: never a query string, a form value or a cookie.
/// Every variant means the same for the caller: a person must log in again, through the
/// browser ([`needs_person`](Self::needs_person)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebRenewalError {
    /// A page asked for a person (a login form, a second factor, scripts).
    #[error(
        "the web session renewal stopped at {page} on {at} after {hops} hops: log in again through the browser"
    )]
    NeedsPerson {
        /// What the page asked for.
        page: PersonPage,
        /// Where: host and path.
        at: String,
        /// Requests made.
        hops: usize,
    },
    /// The stored session has no cookies to renew with.
    #[error(
        "the stored session has no browser cookies to renew it with: log in again through the browser"
    )]
    NoCookies,
    /// The renewal came back to a request it had already made.
    #[error(
        "the web session renewal went round in a loop at {at} after {hops} hops: log in again through the browser"
    )]
    RedirectLoop {
        /// Where: host and path.
        at: String,
        /// Requests made.
        hops: usize,
    },
    /// The renewal took more hops than allowed
    /// ([`WebRenewalOptions::max_hops`](crate::WebRenewalOptions::max_hops)).
    #[error(
        "the web session renewal did not reach the site's landing page within {hops} hops: log in again through the browser"
    )]
    TooManyHops {
        /// Requests made.
        hops: usize,
    },
    /// A hop, or the renewal as a whole, ran out of time.
    #[error(
        "the web session renewal timed out after {} s at {at} ({hops} hops): the identity provider is slow or down; try again, or log in through the browser",
        after.as_secs_f64()
    )]
    TimedOut {
        /// The limit that ran out.
        after: Duration,
        /// Where: host and path.
        at: String,
        /// Requests made.
        hops: usize,
    },
    /// A hop would have sent the session's cookies unencrypted: plain `http://` to a host
    /// that is not this computer (without `SGTK_AUTH_ALLOW_NO_HTTPS`).
    #[error(
        "the web session renewal refused to go to {at} over plain http:// (after {hops} hops): the session's cookies would travel unencrypted"
    )]
    InsecureHop {
        /// Where: host and path.
        at: String,
        /// Requests made.
        hops: usize,
    },
    /// The site's landing page was reached, but the site set no session.
    #[error(
        "the web session renewal reached {at} after {hops} hops but the site gave no session: log in again through the browser"
    )]
    NoSession {
        /// Where: host and path.
        at: String,
        /// Requests made.
        hops: usize,
    },
}

impl WebRenewalError {
    /// Whether a person must act (true for every outcome: the caller falls back to browser
    /// approval).
    pub fn needs_person(&self) -> bool {
        true
    }

    /// The number of requests made before the renewal stopped.
    pub fn hops(&self) -> usize {
        match self {
            Self::NoCookies => 0,
            Self::NeedsPerson { hops, .. }
            | Self::RedirectLoop { hops, .. }
            | Self::TooManyHops { hops }
            | Self::TimedOut { hops, .. }
            | Self::InsecureHop { hops, .. }
            | Self::NoSession { hops, .. } => *hops,
        }
    }
}
