//! The crate's one error type: every way talking to a site can fail, each saying what to do.

use std::path::PathBuf;
use std::time::Duration;

use crate::{ApprovalError, ServerVersion};

/// A boxed error from outside this crate (a renewal hook's failure).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The message `shotgun_api3` gives for a 503.
pub(crate) const MAINTENANCE_MESSAGE: &str = "Flow Production Tracking is currently down for maintenance or too busy to reply. Please try again later.";

/// Everything that can go wrong when talking to a site.
///
/// `site` fields hold the site URL without credentials; `proxy` fields hold `host:port`
/// only. No message ever contains a password, token, key or cookie.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The site address cannot be used.
    #[error("invalid Flow Production Tracking URL '{url}': {reason}")]
    InvalidSiteUrl {
        /// The address as given, credentials redacted.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The proxy given in the options cannot be used.
    #[error(transparent)]
    InvalidProxy(tk_auth_core::Error),
    /// A proxy variable of the environment cannot be used.
    #[error("invalid proxy in {variable}: '{proxy}' is not a URL; fix or unset {variable}")]
    InvalidEnvironmentProxy {
        /// The variable, e.g. `HTTPS_PROXY`.
        variable: String,
        /// Its value, credentials redacted.
        proxy: String,
    },
    /// The CA certificates file cannot be read.
    #[error("cannot read the CA certificates file {path} (from {origin})")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Where the path came from: `SHOTGUN_API_CACERTS` or the client options.
        origin: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The CA certificates file holds no usable certificate.
    #[error("the CA certificates file {path} (from {origin}) holds no PEM certificate")]
    CaFileEmpty {
        /// The file.
        path: PathBuf,
        /// Where the path came from: `SHOTGUN_API_CACERTS` or the client options.
        origin: &'static str,
    },
    /// `SHOTGUN_API_RETRY_INTERVAL` is not a number of milliseconds.
    #[error(
        "Invalid value '{value}' found in environment variable SHOTGUN_API_RETRY_INTERVAL, must be int."
    )]
    InvalidRetryInterval {
        /// The value found.
        value: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not set up the HTTP client")]
    ClientSetup(#[source] BoxError),
    /// The system's trusted certificates cannot be loaded.
    #[error(
        "cannot load the system's trusted certificates: set SHOTGUN_API_CACERTS to a PEM file of the authorities to trust"
    )]
    SystemTrustStore(#[source] rustls::Error),
    /// Credentials are missing a part; nothing was sent.
    #[error("Incomplete credentials: {what}")]
    IncompleteCredentials {
        /// What is missing.
        what: &'static str,
    },
    /// The request cannot be built from what the caller gave.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The call's parameters cannot be encoded as JSON.
    #[error("the parameters of `{method}` cannot be encoded as JSON")]
    UnencodableParams {
        /// The API method.
        method: String,
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// The site is too old for what was asked.
    #[error("{feature} requires server version {required} or higher, the site runs {actual}")]
    UnsupportedByServer {
        /// What needs the newer site.
        feature: &'static str,
        /// The first version that supports it.
        required: ServerVersion,
        /// The site's version.
        actual: ServerVersion,
    },

    /// Error 102: the site rejected the login, password, code, script key or token.
    #[error("Authentication failed: {message}")]
    AuthenticationFailed {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },
    /// Error 106: the account uses two-factor authentication and no code was given; ask for
    /// the code (or a backup code) and try again.
    #[error(
        "{site} requires a two-factor authentication code for this account: enter the code from your authenticator app (or a backup code)"
    )]
    TwoFactorRequired {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },
    /// Error 108: the site uses single sign-on; login and password are not accepted.
    #[error(
        "{site} uses single sign-on (SSO), so login and password are not accepted: log in through the browser instead ({message})"
    )]
    SsoRequired {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },
    /// Error 110: the site uses Autodesk Identity; login and password are not accepted.
    #[error(
        "{site} uses Autodesk Identity, so login and password are not accepted: log in through the browser instead ({message})"
    )]
    IdentityRequired {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },
    /// The session token was refused: it expired or was revoked. Log in again.
    #[error("the session on {site} has expired or is no longer valid: log in again ({message})")]
    SessionExpired {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },
    /// The single sign-on claims behind the session expired (the site redirects to
    /// `/saml/saml_login_request`). Renew the session through the browser.
    #[error(
        "the single sign-on session on {site} has expired: log in again through the browser to renew it"
    )]
    SamlClaimsExpired {
        /// The site.
        site: String,
        /// Where the site redirected to.
        location: String,
    },
    /// Any other error the site reported for a call.
    #[error("{site} reported an error{}: {message}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Fault {
        /// The site.
        site: String,
        /// The site's `error_code`, if any.
        code: Option<i64>,
        /// The site's message.
        message: String,
    },
    /// `get_session_token` answered without a `session_id`.
    #[error("Could not extract session_id from the answer of {site}")]
    MissingSessionId {
        /// The site.
        site: String,
    },

    /// The site answered 5xx: it is down, overloaded or in maintenance (503). Try again later.
    #[error("{site} is unavailable (HTTP {status}): {message}")]
    SiteUnavailable {
        /// The site.
        site: String,
        /// The status of the last attempt.
        status: u16,
        /// What the status means; for 503 the site's maintenance message.
        message: String,
    },
    /// The site answered an HTTP error status that is not a 5xx.
    #[error("{site} answered HTTP {status}: {message}")]
    HttpStatus {
        /// The site.
        site: String,
        /// The status.
        status: u16,
        /// The status's reason, with the body for a 403 (as `shotgun_api3` does).
        message: String,
    },
    /// The site redirected the call somewhere else.
    #[error("{site} redirected the request to '{location}' (HTTP {status}): check the site URL")]
    Redirected {
        /// The site.
        site: String,
        /// The status.
        status: u16,
        /// Where to.
        location: String,
    },
    /// The answer is not what a Flow Production Tracking site sends.
    #[error(
        "{site} sent an answer that could not be understood ({detail}): check that the URL points to a Flow Production Tracking site"
    )]
    MalformedResponse {
        /// The site.
        site: String,
        /// What was wrong with it.
        detail: String,
        /// The decoder's or connection's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// The answer is larger than the client accepts
    /// ([`ClientOptions::max_response_bytes`](crate::ClientOptions::max_response_bytes)).
    #[error(
        "{site} sent an answer larger than {limit} bytes{}: check that the URL points to a Flow Production Tracking site, or raise the limit",
        declared.map(|n| format!(" ({n} bytes announced)")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The site.
        site: String,
        /// The limit in bytes.
        limit: u64,
        /// The size the answer announced (`Content-Length`), when it did.
        declared: Option<u64>,
    },
    /// Credentials would travel unencrypted: a password or script key (or a browser
    /// approval) on a plain `http://` site that is not this computer.
    #[error(
        "refusing to send {what} to {site} over plain http://: use the site's https:// address, or set SGTK_AUTH_ALLOW_NO_HTTPS=1 if the network between here and the site is trusted"
    )]
    InsecureSite {
        /// The site.
        site: String,
        /// What would have been sent, e.g. `a password`.
        what: &'static str,
    },

    /// The site's host name does not resolve.
    #[error(
        "the site {site} was not found: '{host}' does not resolve; check the URL and the network"
    )]
    SiteNotFound {
        /// The site.
        site: String,
        /// The host name looked up.
        host: String,
        /// The resolver's error.
        #[source]
        source: BoxError,
    },
    /// Nothing listens at the site's address.
    #[error("{site} refused the connection: check the URL and port, and that the site is up")]
    ConnectionRefused {
        /// The site.
        site: String,
        /// The socket error.
        #[source]
        source: BoxError,
    },
    /// The connection closed before an answer, on every attempt.
    #[error(
        "the connection to {site} was closed before it answered ({attempts} attempts): check the network and any proxy, then try again"
    )]
    ConnectionDropped {
        /// The site.
        site: String,
        /// How many times the call was tried.
        attempts: u32,
        /// The last error.
        #[source]
        source: BoxError,
    },
    /// No answer within the request timeout.
    #[error(
        "no answer from {site} within {} s: the site or the network is slow or down; try again, or raise the timeout",
        timeout.as_secs_f64()
    )]
    Timeout {
        /// The site.
        site: String,
        /// The timeout that ran out.
        timeout: Duration,
    },
    /// The TLS handshake failed; `problem` names the certificate problem.
    #[error("secure connection to {site} failed: {problem}")]
    Tls {
        /// The site.
        site: String,
        /// What is wrong, e.g. the certificate is not trusted.
        problem: String,
        /// The TLS error.
        #[source]
        source: BoxError,
    },
    /// Some other network failure.
    #[error("network error while talking to {site}")]
    Network {
        /// The site.
        site: String,
        /// The error.
        #[source]
        source: BoxError,
    },

    /// The proxy asked for credentials (HTTP 407), or refused the ones given.
    #[error(
        "the proxy {proxy} requires authentication (HTTP 407): {}",
        if *credentials_given {
            "it rejected the user and password given; check them"
        } else {
            "give the proxy as user:password@host:port"
        }
    )]
    ProxyAuthenticationRequired {
        /// The proxy, `host:port`.
        proxy: String,
        /// Whether credentials were sent.
        credentials_given: bool,
    },
    /// The proxy cannot be reached.
    #[error("could not connect to the proxy {proxy}: check the proxy address and that it runs")]
    ProxyUnreachable {
        /// The proxy, `host:port`.
        proxy: String,
        /// The socket error.
        #[source]
        source: BoxError,
    },
    /// The proxy would not open a connection to the site.
    #[error("the proxy {proxy} refused to connect to {site}")]
    ProxyRefused {
        /// The proxy, `host:port`.
        proxy: String,
        /// The site.
        site: String,
    },

    /// The site refused a REST refresh token: unknown, expired, or already used (each is
    /// good once). Get a new access token with another grant.
    #[error(
        "{site} refused the refresh token: {message}; get a new access token by logging in again"
    )]
    RefreshTokenRejected {
        /// The site.
        site: String,
        /// The site's message.
        message: String,
    },

    /// Browser approval failed; network failures are the other variants.
    #[error(transparent)]
    Approval(#[from] ApprovalError),

    /// A Flow browser login or token request failed; network failures are the other
    /// variants.
    #[error(transparent)]
    Flow(#[from] crate::FlowError),

    /// A headless web-session renewal ended without a new session: a person must log in
    /// through the browser; network failures are the other variants.
    #[error(transparent)]
    WebRenewal(#[from] crate::WebRenewalError),

    /// The renewal hook failed (or was cancelled); the call was not retried.
    #[error("the session on {site} could not be renewed")]
    RenewalFailed {
        /// The site.
        site: String,
        /// The hook's error.
        #[source]
        source: BoxError,
    },
}

impl HttpError {
    /// Whether the call failed because the session must be renewed: an expired or revoked
    /// token, or expired single sign-on claims.
    pub fn needs_renewal(&self) -> bool {
        matches!(
            self,
            Self::SessionExpired { .. } | Self::SamlClaimsExpired { .. }
        )
    }

    /// Whether the person must log in through the browser (SSO or Autodesk Identity site).
    pub fn requires_browser_login(&self) -> bool {
        matches!(
            self,
            Self::SsoRequired { .. } | Self::IdentityRequired { .. }
        )
    }

    /// Whether the site or network failed (the credentials may be fine): unreachable,
    /// unavailable, timed out, TLS or proxy problems.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::SiteUnavailable { .. }
                | Self::SiteNotFound { .. }
                | Self::ConnectionRefused { .. }
                | Self::ConnectionDropped { .. }
                | Self::Timeout { .. }
                | Self::Tls { .. }
                | Self::Network { .. }
                | Self::ProxyAuthenticationRequired { .. }
                | Self::ProxyUnreachable { .. }
                | Self::ProxyRefused { .. }
        )
    }
}
