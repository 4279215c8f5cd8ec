//! Sending a request to the site and reading its answer within a size limit, and telling
//! network failures apart: which ones deserve another attempt, and what each one means for
//! the person reading the error.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use rustls::CertificateError;
use url::Url;

use crate::HttpError;

/// How one site is reached: the HTTP client (pool, proxy, TLS), the site's names, and the
/// limits every request has. Shared by the JSON-RPC calls and browser approval.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    /// The site as errors name it (no credentials).
    pub(crate) site_label: String,
    pub(crate) host: String,
    pub(crate) api_url: Url,
    pub(crate) proxy: Option<ProxyLabel>,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: u64,
}

/// An HTTP answer, read whole.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Transport {
    pub(crate) fn route(&self) -> Route<'_> {
        Route {
            site: &self.site_label,
            host: &self.host,
            proxy: self.proxy.as_ref(),
            timeout: self.timeout,
        }
    }

    /// Sends a request and reads the whole answer, refusing one longer than the limit:
    /// first by its announced length, then while reading (an answer may announce none).
    pub(crate) async fn read(&self, request: reqwest::RequestBuilder) -> Result<Answer, Failure> {
        self.read_routed(request, &self.route()).await
    }

    /// [`read`](Self::read) for a request that goes elsewhere than the site (a web-session
    /// renewal's hop): errors name `route`'s host.
    pub(crate) async fn read_routed(
        &self,
        request: reqwest::RequestBuilder,
        route: &Route<'_>,
    ) -> Result<Answer, Failure> {
        let limit = self.max_response_bytes;
        let mut response = request.send().await.map_err(|e| classify(e, route))?;
        let declared = response.content_length();
        let too_large = || {
            Failure::Fatal(HttpError::ResponseTooLarge {
                site: route.site.to_owned(),
                limit,
                declared,
            })
        };
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let status = response.status();
        let headers = response.headers().clone();
        // Sized from the announced length only up to a modest bound: a liar gains nothing.
        let initial = declared.unwrap_or(0).min(limit).min(1 << 20);
        let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(e, route))? {
            let total = u64::try_from(body.len() + chunk.len()).unwrap_or(u64::MAX);
            if total > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// What a failed request (one that got no HTTP answer) amounts to.
pub(crate) enum Failure {
    /// The connection closed under the request (a stale keep-alive connection, a proxy or
    /// load balancer dropping it, a TLS EOF): worth another attempt.
    Dropped(reqwest::Error),
    /// Anything else, already turned into the error to report.
    Fatal(HttpError),
}

/// Where a request went: the site, and the proxy in between if any.
pub(crate) struct Route<'a> {
    pub(crate) site: &'a str,
    pub(crate) host: &'a str,
    pub(crate) proxy: Option<&'a ProxyLabel>,
    pub(crate) timeout: Duration,
}

/// A proxy as errors name it: `host:port`, and whether credentials were configured.
#[derive(Clone, Debug)]
pub(crate) struct ProxyLabel {
    pub(crate) host_port: String,
    pub(crate) has_credentials: bool,
}

/// What hyper-util's connector says when a name does not resolve.
const DNS_ERROR: &str = "dns error";
/// What hyper-util's proxy tunnel says when the proxy answers 407.
const TUNNEL_AUTH_REQUIRED: &str = "proxy authorization required";
/// What hyper-util's proxy tunnel says when the proxy refuses the `CONNECT`.
const TUNNEL_UNSUCCESSFUL: &str = "tunnel error: unsuccessful";

/// The error and its sources, outermost first.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(err);
    std::iter::from_fn(move || {
        let current = next?;
        // `io::Error::source` skips the error it wraps; step into it explicitly.
        next = match current.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

pub(crate) fn classify(err: reqwest::Error, route: &Route<'_>) -> Failure {
    let site = route.site.to_owned();
    if err.is_timeout() {
        return Failure::Fatal(HttpError::Timeout {
            site,
            timeout: route.timeout,
        });
    }
    let mut refused = false;
    let mut dropped = false;
    let mut dns = false;
    let mut tls: Option<String> = None;
    let mut tunnel_auth = false;
    let mut tunnel_refused = false;
    let mut not_http = false;
    for e in chain(&err) {
        if let Some(tls_err) = e.downcast_ref::<rustls::Error>() {
            tls.get_or_insert_with(|| describe_tls(tls_err, route.host));
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            match io_err.kind() {
                io::ErrorKind::ConnectionRefused => refused = true,
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => dropped = true,
                _ => {}
            }
        }
        if let Some(hyper_err) = e.downcast_ref::<hyper::Error>() {
            if hyper_err.is_incomplete_message() || hyper_err.is_canceled() {
                dropped = true;
            }
            // Bytes that are not an HTTP answer, or bytes sent before any request.
            if hyper_err.is_parse()
                || hyper_err.to_string() == "received unexpected message from connection"
            {
                not_http = true;
            }
        }
        // hyper-util's resolver and tunnel errors are private types: only their texts tell
        // them apart. The version is pinned and a test checks these texts.
        let text = e.to_string();
        if text.starts_with(DNS_ERROR) {
            dns = true;
        }
        if text.ends_with(TUNNEL_AUTH_REQUIRED) {
            tunnel_auth = true;
        }
        if text == TUNNEL_UNSUCCESSFUL {
            tunnel_refused = true;
        }
    }
    // The variant names the site; the request's address (whose query may carry a SAML
    // message or an authorization code on a web-session hop) stays out of the source.
    let source = Box::new(err.without_url());
    if let Some(proxy) = route.proxy {
        if tunnel_auth {
            return Failure::Fatal(HttpError::ProxyAuthenticationRequired {
                proxy: proxy.host_port.clone(),
                credentials_given: proxy.has_credentials,
            });
        }
        if tunnel_refused {
            return Failure::Fatal(HttpError::ProxyRefused {
                proxy: proxy.host_port.clone(),
                site,
            });
        }
        // With a proxy, the only thing the client connects to is the proxy.
        if (refused || dns) && source.is_connect() {
            return Failure::Fatal(HttpError::ProxyUnreachable {
                proxy: proxy.host_port.clone(),
                source,
            });
        }
    }
    if let Some(problem) = tls {
        return Failure::Fatal(HttpError::Tls {
            site,
            problem,
            source,
        });
    }
    if dns {
        return Failure::Fatal(HttpError::SiteNotFound {
            site,
            host: route.host.to_owned(),
            source,
        });
    }
    if refused {
        return Failure::Fatal(HttpError::ConnectionRefused { site, source });
    }
    if not_http {
        return Failure::Fatal(HttpError::MalformedResponse {
            site,
            detail: "what answers at this address does not speak HTTP".into(),
            source: Some(source),
        });
    }
    if dropped {
        return Failure::Dropped(*source);
    }
    Failure::Fatal(HttpError::Network { site, source })
}

/// Names a TLS problem in words a person can act on.
fn describe_tls(err: &rustls::Error, host: &str) -> String {
    let cert = |e: &CertificateError| match e {
        CertificateError::UnknownIssuer => format!(
            "the certificate of {host} is not trusted: it was issued by an unknown certificate \
             authority; if the site uses a private CA, point SHOTGUN_API_CACERTS at a PEM file \
             that contains it"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("the certificate of {host} has expired")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("the certificate of {host} is not valid yet (check the computer's clock)")
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("the certificate presented is not valid for the name {host}")
        }
        CertificateError::Revoked => format!("the certificate of {host} has been revoked"),
        CertificateError::BadSignature | CertificateError::BadEncoding => {
            format!("the certificate of {host} is malformed or badly signed")
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!("the certificate of {host} is not meant for a server")
        }
        other => format!("the certificate of {host} was rejected ({other})"),
    };
    match err {
        rustls::Error::InvalidCertificate(e) => cert(e),
        rustls::Error::AlertReceived(_) => format!("{host} ended the TLS handshake"),
        rustls::Error::InvalidMessage(_) => format!(
            "{host} did not answer with TLS; if the site is served over plain HTTP, use an \
             http:// address"
        ),
        rustls::Error::PeerIncompatible(_) | rustls::Error::PeerMisbehaved(_) => {
            format!("{host} does not speak a TLS version or cipher this client accepts")
        }
        _ => format!("the TLS handshake with {host} failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_issuers_are_named_with_the_remedy() {
        let text = describe_tls(
            &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
            "site.local",
        );
        assert!(text.contains("not trusted"), "{text}");
        assert!(text.contains("SHOTGUN_API_CACERTS"), "{text}");
        let text = describe_tls(
            &rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
            "site.local",
        );
        assert!(text.contains("not valid for the name site.local"), "{text}");
    }

    /// A one-shot proxy on loopback that answers every `CONNECT` with `status`.
    async fn refusing_proxy(status: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
            let _ = stream.write_all(answer.as_bytes()).await;
        });
        format!("http://{address}")
    }

    /// A resolver that resolves nothing, so that no name lookup leaves the machine.
    struct NoNames;

    impl reqwest::dns::Resolve for NoNames {
        fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async { Err("no such name (test resolver)".into()) })
        }
    }

    fn texts(err: &reqwest::Error) -> Vec<String> {
        chain(err).map(ToString::to_string).collect()
    }

    #[tokio::test]
    async fn the_hyper_util_texts_the_classifier_matches_are_unchanged() {
        let client = |proxy: Option<String>| {
            let mut builder = reqwest::Client::builder()
                .tls_backend_preconfigured(crate::tls::unused_config().unwrap())
                .dns_resolver(std::sync::Arc::new(NoNames))
                .no_proxy();
            if let Some(proxy) = proxy {
                builder = builder.proxy(reqwest::Proxy::all(proxy).unwrap());
            }
            builder.build().unwrap()
        };

        let proxy = refusing_proxy("407 Proxy Authentication Required").await;
        let err = client(Some(proxy))
            .get("https://site.invalid/")
            .send()
            .await
            .unwrap_err();
        let found = texts(&err);
        assert!(
            found.iter().any(|t| t.ends_with(TUNNEL_AUTH_REQUIRED)),
            "{found:?}"
        );

        let proxy = refusing_proxy("403 Forbidden").await;
        let err = client(Some(proxy))
            .get("https://site.invalid/")
            .send()
            .await
            .unwrap_err();
        let found = texts(&err);
        assert!(found.iter().any(|t| t == TUNNEL_UNSUCCESSFUL), "{found:?}");

        let err = client(None)
            .get("http://site.invalid/")
            .send()
            .await
            .unwrap_err();
        let found = texts(&err);
        assert!(found.iter().any(|t| t.starts_with(DNS_ERROR)), "{found:?}");
    }

    #[test]
    fn the_chain_steps_into_wrapped_io_errors() {
        let inner = rustls::Error::InvalidCertificate(CertificateError::Expired);
        let io_err = io::Error::new(io::ErrorKind::InvalidData, inner);
        let found = chain(&io_err).any(|e| e.downcast_ref::<rustls::Error>().is_some());
        assert!(found);
    }
}
