//! Where the site listens: the socket, the TLS acceptor, and the host its URL names.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::EmulatorError;

/// The host part of the site URL for a listening IP. A wildcard address (`0.0.0.0`, `::`)
/// listens on every interface but is no address to connect to: the URL names loopback.
pub(crate) fn url_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.to_string(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[{}]", Ipv6Addr::LOCALHOST),
        IpAddr::V6(ip) => format!("[{ip}]"),
    }
}

/// A listening socket with a backlog deep enough for a thousand simultaneous connects.
pub(crate) fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, EmulatorError> {
    let err = |source| EmulatorError::Bind {
        addr: addr.to_string(),
        source,
    };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(err)?;
    socket.set_reuseaddr(true).map_err(err)?;
    socket.bind(addr).map_err(err)?;
    socket.listen(2048).map_err(err)
}

pub(crate) fn tls_acceptor(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<tokio_rustls::TlsAcceptor, EmulatorError> {
    fn tls_err<E: std::error::Error + Send + Sync + 'static>(
        what: &'static str,
    ) -> impl FnOnce(E) -> EmulatorError {
        move |e| EmulatorError::Tls {
            what,
            source: Some(Box::new(e)),
        }
    }
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(tls_err("the certificate chain"))?;
    if certs.is_empty() {
        return Err(EmulatorError::Tls {
            what: "the certificate PEM holds no certificate",
            source: None,
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(tls_err("the private key"))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err("the protocol versions"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(tls_err("the certificate and key"))?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The key exchange group a finished handshake agreed, as rustls names it.
pub(crate) fn key_exchange_group<IO>(stream: &tokio_rustls::server::TlsStream<IO>) -> String {
    stream
        .get_ref()
        .1
        .negotiated_key_exchange_group()
        .map_or_else(|| "none".to_owned(), |group| format!("{:?}", group.name()))
}

/// Whether a finished handshake resumed a session the client had from an earlier
/// connection (a client keeps its tickets; a second client has none).
pub(crate) fn resumed<IO>(stream: &tokio_rustls::server::TlsStream<IO>) -> bool {
    stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listen_addresses_give_a_loopback_url() {
        let host = |ip: &str| url_host(ip.parse().unwrap());
        assert_eq!(host("0.0.0.0"), "127.0.0.1");
        assert_eq!(host("::"), "[::1]");
        assert_eq!(host("127.0.0.2"), "127.0.0.2");
        assert_eq!(host("::1"), "[::1]");
    }
}
