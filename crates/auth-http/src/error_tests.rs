//! Every error variant: its message leaves the cause to the source chain, and names no
//! secret. The exhaustive `match` makes a new variant fail to compile until it is added to
//! the samples.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use crate::{ApprovalError, FlowError, HttpError, PersonPage, ServerVersion, WebRenewalError};

const SITE: &str = "https://site.example.com";

fn io_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "socket says no (os error 111)",
    )
}

fn boxed() -> crate::BoxError {
    Box::new(io_error())
}

fn json_error() -> serde_json::Error {
    serde_json::from_str::<serde_json::Value>("{").unwrap_err()
}

/// Names every variant; adding one breaks the build here until it has a sample.
fn variant(err: &HttpError) -> &'static str {
    match err {
        HttpError::InvalidSiteUrl { .. } => "InvalidSiteUrl",
        HttpError::InvalidProxy(_) => "InvalidProxy",
        HttpError::InvalidEnvironmentProxy { .. } => "InvalidEnvironmentProxy",
        HttpError::CaFile { .. } => "CaFile",
        HttpError::CaFileEmpty { .. } => "CaFileEmpty",
        HttpError::InvalidRetryInterval { .. } => "InvalidRetryInterval",
        HttpError::ClientSetup(_) => "ClientSetup",
        HttpError::SystemTrustStore(_) => "SystemTrustStore",
        HttpError::IncompleteCredentials { .. } => "IncompleteCredentials",
        HttpError::InvalidRequest { .. } => "InvalidRequest",
        HttpError::UnencodableParams { .. } => "UnencodableParams",
        HttpError::UnsupportedByServer { .. } => "UnsupportedByServer",
        HttpError::AuthenticationFailed { .. } => "AuthenticationFailed",
        HttpError::TwoFactorRequired { .. } => "TwoFactorRequired",
        HttpError::SsoRequired { .. } => "SsoRequired",
        HttpError::IdentityRequired { .. } => "IdentityRequired",
        HttpError::SessionExpired { .. } => "SessionExpired",
        HttpError::SamlClaimsExpired { .. } => "SamlClaimsExpired",
        HttpError::Fault { .. } => "Fault",
        HttpError::MissingSessionId { .. } => "MissingSessionId",
        HttpError::SiteUnavailable { .. } => "SiteUnavailable",
        HttpError::HttpStatus { .. } => "HttpStatus",
        HttpError::Redirected { .. } => "Redirected",
        HttpError::MalformedResponse { .. } => "MalformedResponse",
        HttpError::ResponseTooLarge { .. } => "ResponseTooLarge",
        HttpError::InsecureSite { .. } => "InsecureSite",
        HttpError::SiteNotFound { .. } => "SiteNotFound",
        HttpError::ConnectionRefused { .. } => "ConnectionRefused",
        HttpError::ConnectionDropped { .. } => "ConnectionDropped",
        HttpError::Timeout { .. } => "Timeout",
        HttpError::Tls { .. } => "Tls",
        HttpError::Network { .. } => "Network",
        HttpError::ProxyAuthenticationRequired { .. } => "ProxyAuthenticationRequired",
        HttpError::ProxyUnreachable { .. } => "ProxyUnreachable",
        HttpError::ProxyRefused { .. } => "ProxyRefused",
        HttpError::Approval(_) => "Approval",
        HttpError::WebRenewal(_) => "WebRenewal",
        HttpError::Flow(_) => "Flow",
        HttpError::RenewalFailed { .. } => "RenewalFailed",
        HttpError::RefreshTokenRejected { .. } => "RefreshTokenRejected",
    }
}

fn samples() -> Vec<HttpError> {
    let site = || SITE.to_owned();
    let version = ServerVersion::new(5, 0, 0);
    let proxy_error = tk_auth_core::HttpProxy::parse("bob:canary-pw@proxy:port").unwrap_err();
    let approvals = vec![
        ApprovalError::FeatureDisabled { site: site() },
        ApprovalError::SiteUnstable {
            site: site(),
            status: 502,
        },
        ApprovalError::RequestFailed {
            site: site(),
            status: 400,
        },
        ApprovalError::UnexpectedResponse {
            site: site(),
            detail: "no url".into(),
        },
        ApprovalError::UndecodableJson {
            site: site(),
            source: json_error(),
        },
        ApprovalError::UntrustedPage {
            site: site(),
            url: "https://<redacted>@evil.example.net/x".into(),
            reason: "it is on another host",
        },
        ApprovalError::BrowserFailed {
            url: format!("{SITE}/app_session_request/1"),
        },
        ApprovalError::Redirected {
            site: site(),
            location: "/login".into(),
        },
        ApprovalError::Rejected { site: site() },
        ApprovalError::Denied {
            site: site(),
            status: 204,
        },
        ApprovalError::TimedOut {
            site: site(),
            waited: Duration::from_mins(3),
        },
        ApprovalError::Cancelled { site: site() },
    ];
    let mut errors = vec![
        HttpError::InvalidSiteUrl {
            url: "ftp://<redacted>@site".into(),
            reason: "only http",
        },
        HttpError::InvalidProxy(proxy_error),
        HttpError::InvalidEnvironmentProxy {
            variable: "HTTPS_PROXY".into(),
            proxy: "http://<redacted>@".into(),
        },
        HttpError::CaFile {
            path: "/ca.pem".into(),
            origin: "SHOTGUN_API_CACERTS",
            source: io_error(),
        },
        HttpError::CaFileEmpty {
            path: "/ca.pem".into(),
            origin: "the client options",
        },
        HttpError::InvalidRetryInterval {
            value: "soon".into(),
        },
        HttpError::ClientSetup(boxed()),
        HttpError::SystemTrustStore(rustls::Error::General("no store".into())),
        HttpError::IncompleteCredentials {
            what: "the password is empty",
        },
        HttpError::InvalidRequest {
            reason: "method is empty".into(),
        },
        HttpError::UnencodableParams {
            method: "read".into(),
            source: json_error(),
        },
        HttpError::UnsupportedByServer {
            feature: "sudo_as_login",
            required: ServerVersion::new(5, 3, 12),
            actual: version,
        },
        HttpError::AuthenticationFailed {
            site: site(),
            message: "Can't authenticate".into(),
        },
        HttpError::RefreshTokenRejected {
            site: site(),
            message: "Invalid refresh token".into(),
        },
        HttpError::TwoFactorRequired {
            site: site(),
            message: "2FA".into(),
        },
        HttpError::SsoRequired {
            site: site(),
            message: "SSO".into(),
        },
        HttpError::IdentityRequired {
            site: site(),
            message: "Identity".into(),
        },
        HttpError::SessionExpired {
            site: site(),
            message: "expired".into(),
        },
        HttpError::SamlClaimsExpired {
            site: site(),
            location: "/saml/saml_login_request".into(),
        },
        HttpError::Fault {
            site: site(),
            code: Some(103),
            message: "bad".into(),
        },
        HttpError::MissingSessionId { site: site() },
        HttpError::SiteUnavailable {
            site: site(),
            status: 503,
            message: "maintenance".into(),
        },
        HttpError::HttpStatus {
            site: site(),
            status: 404,
            message: "Not Found".into(),
        },
        HttpError::Redirected {
            site: site(),
            status: 301,
            location: "https://x".into(),
        },
        HttpError::MalformedResponse {
            site: site(),
            detail: "the answer to `read` is not JSON".into(),
            source: Some(Box::new(json_error())),
        },
        HttpError::ResponseTooLarge {
            site: site(),
            limit: 16,
            declared: Some(32),
        },
        HttpError::InsecureSite {
            site: "http://site.example.com".into(),
            what: "a password",
        },
        HttpError::SiteNotFound {
            site: site(),
            host: "site.example.com".into(),
            source: boxed(),
        },
        HttpError::ConnectionRefused {
            site: site(),
            source: boxed(),
        },
        HttpError::ConnectionDropped {
            site: site(),
            attempts: 3,
            source: boxed(),
        },
        HttpError::Timeout {
            site: site(),
            timeout: Duration::from_mins(1),
        },
        HttpError::Tls {
            site: site(),
            problem: "the certificate has expired".into(),
            source: boxed(),
        },
        HttpError::Network {
            site: site(),
            source: boxed(),
        },
        HttpError::ProxyAuthenticationRequired {
            proxy: "proxy:3128".into(),
            credentials_given: true,
        },
        HttpError::ProxyUnreachable {
            proxy: "proxy:3128".into(),
            source: boxed(),
        },
        HttpError::ProxyRefused {
            proxy: "proxy:3128".into(),
            site: site(),
        },
        HttpError::RenewalFailed {
            site: site(),
            source: boxed(),
        },
    ];
    errors.extend(approvals.into_iter().map(HttpError::Approval));
    let flows = vec![
        FlowError::CallbackUrl {
            url: "https://localhost:1/cb".into(),
            reason: "the callback is served over plain http on this machine",
        },
        FlowError::CallbackPortInUse {
            port: 4201,
            url: "http://localhost:4201/auth/callback".into(),
        },
        FlowError::CallbackServer {
            port: 4201,
            source: io_error(),
        },
        FlowError::TimedOut {
            timeout: Duration::from_secs(30),
        },
        FlowError::Cancelled,
        FlowError::Denied {
            error: "access_denied".into(),
            description: Some("The person declined".into()),
        },
        FlowError::TokenRefused {
            url: "https://aps.example.com/authentication/v2/token".into(),
            grant: "refresh_token",
            status: 400,
            error: "invalid_grant".into(),
            description: None,
        },
        FlowError::NoAccessToken {
            url: "https://aps.example.com/authentication/v2/token".into(),
            grant: "authorization_code",
        },
    ];
    errors.extend(flows.into_iter().map(HttpError::Flow));
    let at = || "idp.example.com/saml/sso".to_owned();
    let renewals = vec![
        WebRenewalError::NeedsPerson {
            page: PersonPage::LoginForm,
            at: at(),
            hops: 3,
        },
        WebRenewalError::NoCookies,
        WebRenewalError::RedirectLoop { at: at(), hops: 4 },
        WebRenewalError::TooManyHops { hops: 20 },
        WebRenewalError::TimedOut {
            after: Duration::from_secs(10),
            at: at(),
            hops: 2,
        },
        WebRenewalError::InsecureHop { at: at(), hops: 1 },
        WebRenewalError::NoSession { at: at(), hops: 5 },
    ];
    assert!(renewals.iter().all(WebRenewalError::needs_person));
    errors.extend(renewals.into_iter().map(HttpError::WebRenewal));
    errors
}

#[test]
fn no_message_repeats_its_source_or_shows_a_secret() {
    let mut seen = std::collections::BTreeSet::new();
    for err in samples() {
        seen.insert(variant(&err));
        let message = err.to_string();
        assert!(!message.is_empty(), "{err:?}");
        assert!(!message.contains("canary"), "{message}");
        assert!(!format!("{err:?}").contains("canary"), "{err:?}");
        // A transparent variant shows its inner error's message; compare that one's source.
        let own_source = match &err {
            HttpError::Approval(inner) => inner.source(),
            HttpError::Flow(inner) => inner.source(),
            HttpError::WebRenewal(inner) => inner.source(),
            HttpError::InvalidProxy(inner) => inner.source(),
            _ => err.source(),
        };
        if let Some(source) = own_source {
            let cause = source.to_string();
            assert!(
                !message.contains(&cause),
                "{} repeats its source: {message}",
                variant(&err)
            );
        }
    }
    assert_eq!(seen.len(), 40, "every variant has a sample: {seen:?}");
}
