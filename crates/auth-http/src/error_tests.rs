//! Every error variant: its message leaves the cause to the source chain, and names no
//! secret. The exhaustive `match` makes a new variant fail to compile until it is added to
//! the samples.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use crate::{ApprovalError, Error, ServerVersion};

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
fn variant(err: &Error) -> &'static str {
    match err {
        Error::InvalidSiteUrl { .. } => "InvalidSiteUrl",
        Error::InvalidProxy(_) => "InvalidProxy",
        Error::InvalidEnvironmentProxy { .. } => "InvalidEnvironmentProxy",
        Error::CaFile { .. } => "CaFile",
        Error::CaFileEmpty { .. } => "CaFileEmpty",
        Error::InvalidRetryInterval { .. } => "InvalidRetryInterval",
        Error::ClientSetup(_) => "ClientSetup",
        Error::SystemTrustStore(_) => "SystemTrustStore",
        Error::IncompleteCredentials { .. } => "IncompleteCredentials",
        Error::InvalidRequest { .. } => "InvalidRequest",
        Error::UnencodableParams { .. } => "UnencodableParams",
        Error::UnsupportedByServer { .. } => "UnsupportedByServer",
        Error::AuthenticationFailed { .. } => "AuthenticationFailed",
        Error::TwoFactorRequired { .. } => "TwoFactorRequired",
        Error::SsoRequired { .. } => "SsoRequired",
        Error::IdentityRequired { .. } => "IdentityRequired",
        Error::SessionExpired { .. } => "SessionExpired",
        Error::SamlClaimsExpired { .. } => "SamlClaimsExpired",
        Error::Fault { .. } => "Fault",
        Error::MissingSessionId { .. } => "MissingSessionId",
        Error::SiteUnavailable { .. } => "SiteUnavailable",
        Error::HttpStatus { .. } => "HttpStatus",
        Error::Redirected { .. } => "Redirected",
        Error::MalformedResponse { .. } => "MalformedResponse",
        Error::ResponseTooLarge { .. } => "ResponseTooLarge",
        Error::InsecureSite { .. } => "InsecureSite",
        Error::SiteNotFound { .. } => "SiteNotFound",
        Error::ConnectionRefused { .. } => "ConnectionRefused",
        Error::ConnectionDropped { .. } => "ConnectionDropped",
        Error::Timeout { .. } => "Timeout",
        Error::Tls { .. } => "Tls",
        Error::Network { .. } => "Network",
        Error::ProxyAuthenticationRequired { .. } => "ProxyAuthenticationRequired",
        Error::ProxyUnreachable { .. } => "ProxyUnreachable",
        Error::ProxyRefused { .. } => "ProxyRefused",
        Error::Approval(_) => "Approval",
        Error::RenewalFailed { .. } => "RenewalFailed",
    }
}

fn samples() -> Vec<Error> {
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
        Error::InvalidSiteUrl {
            url: "ftp://<redacted>@site".into(),
            reason: "only http",
        },
        Error::InvalidProxy(proxy_error),
        Error::InvalidEnvironmentProxy {
            variable: "HTTPS_PROXY".into(),
            proxy: "http://<redacted>@".into(),
        },
        Error::CaFile {
            path: "/ca.pem".into(),
            origin: "SHOTGUN_API_CACERTS",
            source: io_error(),
        },
        Error::CaFileEmpty {
            path: "/ca.pem".into(),
            origin: "the client options",
        },
        Error::InvalidRetryInterval {
            value: "soon".into(),
        },
        Error::ClientSetup(boxed()),
        Error::SystemTrustStore(rustls::Error::General("no store".into())),
        Error::IncompleteCredentials {
            what: "the password is empty",
        },
        Error::InvalidRequest {
            reason: "method is empty".into(),
        },
        Error::UnencodableParams {
            method: "read".into(),
            source: json_error(),
        },
        Error::UnsupportedByServer {
            feature: "sudo_as_login",
            required: ServerVersion::new(5, 3, 12),
            actual: version,
        },
        Error::AuthenticationFailed {
            site: site(),
            message: "Can't authenticate".into(),
        },
        Error::TwoFactorRequired {
            site: site(),
            message: "2FA".into(),
        },
        Error::SsoRequired {
            site: site(),
            message: "SSO".into(),
        },
        Error::IdentityRequired {
            site: site(),
            message: "Identity".into(),
        },
        Error::SessionExpired {
            site: site(),
            message: "expired".into(),
        },
        Error::SamlClaimsExpired {
            site: site(),
            location: "/saml/saml_login_request".into(),
        },
        Error::Fault {
            site: site(),
            code: Some(103),
            message: "bad".into(),
        },
        Error::MissingSessionId { site: site() },
        Error::SiteUnavailable {
            site: site(),
            status: 503,
            message: "maintenance".into(),
        },
        Error::HttpStatus {
            site: site(),
            status: 404,
            message: "Not Found".into(),
        },
        Error::Redirected {
            site: site(),
            status: 301,
            location: "https://x".into(),
        },
        Error::MalformedResponse {
            site: site(),
            detail: "the answer to `read` is not JSON".into(),
            source: Some(Box::new(json_error())),
        },
        Error::ResponseTooLarge {
            site: site(),
            limit: 16,
            declared: Some(32),
        },
        Error::InsecureSite {
            site: "http://site.example.com".into(),
            what: "a password",
        },
        Error::SiteNotFound {
            site: site(),
            host: "site.example.com".into(),
            source: boxed(),
        },
        Error::ConnectionRefused {
            site: site(),
            source: boxed(),
        },
        Error::ConnectionDropped {
            site: site(),
            attempts: 3,
            source: boxed(),
        },
        Error::Timeout {
            site: site(),
            timeout: Duration::from_mins(1),
        },
        Error::Tls {
            site: site(),
            problem: "the certificate has expired".into(),
            source: boxed(),
        },
        Error::Network {
            site: site(),
            source: boxed(),
        },
        Error::ProxyAuthenticationRequired {
            proxy: "proxy:3128".into(),
            credentials_given: true,
        },
        Error::ProxyUnreachable {
            proxy: "proxy:3128".into(),
            source: boxed(),
        },
        Error::ProxyRefused {
            proxy: "proxy:3128".into(),
            site: site(),
        },
        Error::RenewalFailed {
            site: site(),
            source: boxed(),
        },
    ];
    errors.extend(approvals.into_iter().map(Error::Approval));
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
            Error::Approval(inner) => inner.source(),
            Error::InvalidProxy(inner) => inner.source(),
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
    assert_eq!(seen.len(), 37, "every variant has a sample: {seen:?}");
}
