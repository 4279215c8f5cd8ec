//! How a Flow (Autodesk Platform Services) browser login or token request can fail.

use std::time::Duration;

/// Why a Flow login or token request failed; inside [`HttpError::Flow`](crate::HttpError::Flow).
///
/// Network failures on the way to the authorization server are the client's usual errors,
/// not these. No message holds a code, verifier or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The callback URL cannot be served on this machine.
    #[error("the Flow login callback URL '{url}' cannot be used: {reason}")]
    CallbackUrl {
        /// The callback URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Another program listens on the callback's port (often another login that is waiting).
    #[error(
        "port {port} is already in use (callback URL {url}): another login may be waiting for its browser; finish or end it, or set TK_FLOW_AUTH_CALLBACK_URL to another port"
    )]
    CallbackPortInUse {
        /// The port.
        port: u16,
        /// The callback URL.
        url: String,
    },
    /// The callback server could not listen for another reason.
    #[error("cannot listen for the Flow login callback on port {port}")]
    CallbackServer {
        /// The port.
        port: u16,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// No browser came back in time.
    #[error("the browser did not come back from the Flow login within {} s", timeout.as_secs())]
    TimedOut {
        /// How long the login waited.
        timeout: Duration,
    },
    /// The login was cancelled while it waited for the browser.
    #[error("the Flow login was cancelled")]
    Cancelled,
    /// The authorization server sent the browser back with an error (the person declined,
    /// the application is not allowed …).
    #[error("the Flow login was refused by the authorization server: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        /// The OAuth error code (`access_denied` …).
        error: String,
        /// Its description, when sent.
        description: Option<String>,
    },
    /// The token endpoint refused the request: a spent or revoked refresh token, an
    /// expired or replayed code (`invalid_grant`), an unknown application …
    #[error("{url} refused the {grant} request (HTTP {status}): {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenRefused {
        /// The token endpoint.
        url: String,
        /// The grant: `authorization_code` or `refresh_token`.
        grant: &'static str,
        /// The HTTP status.
        status: u16,
        /// The OAuth error code, or what stands for it.
        error: String,
        /// Its description, when sent.
        description: Option<String>,
    },
    /// The token endpoint answered without an access token.
    #[error("{url} answered the {grant} request without an access token")]
    NoAccessToken {
        /// The token endpoint.
        url: String,
        /// The grant.
        grant: &'static str,
    },
}

impl FlowError {
    /// Whether the refresh token (or code) was refused, so that only a new browser login
    /// can help.
    pub fn is_refused_grant(&self) -> bool {
        matches!(self, Self::TokenRefused { status, .. } if (400..500).contains(status))
    }
}
