//! The TLS configuration: aws-lc-rs as the only crypto library, offering hybrid post-quantum
//! key exchange (X25519MLKEM768) first, and either the CA file the user chose
//! (`SHOTGUN_API_CACERTS` or the options) or the system's trust store.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use rustls_platform_verifier::BuilderVerifierExt;

use crate::env::SHOTGUN_API_CACERTS;
use crate::{Env, HttpError};

/// Where the trusted certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    /// The operating system's store (and its revocation and policy checks).
    System,
    /// Only the certificates in this PEM file; `origin` says who chose it.
    CaFile { path: PathBuf, origin: &'static str },
}

impl Trust {
    /// The explicit option first, then `SHOTGUN_API_CACERTS`, then the system.
    pub(crate) fn choose(explicit: Option<&Path>, env: &Env) -> Self {
        if let Some(path) = explicit {
            return Self::CaFile {
                path: path.to_owned(),
                origin: "the client options",
            };
        }
        match env
            .var(SHOTGUN_API_CACERTS)
            .filter(|v| !v.trim().is_empty())
        {
            Some(path) => Self::CaFile {
                path: PathBuf::from(path.trim()),
                origin: SHOTGUN_API_CACERTS,
            },
            None => Self::System,
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds the rustls configuration for `trust`.
pub(crate) fn client_config(trust: &Trust) -> Result<ClientConfig, HttpError> {
    match trust {
        Trust::System => system_config(),
        Trust::CaFile { path, origin } => {
            let roots = read_roots(path, origin)?;
            Ok(finish(
                builder()?
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            ))
        }
    }
}

/// A configuration that trusts nothing, for `http://` sites where TLS is never used.
pub(crate) fn unused_config() -> Result<ClientConfig, HttpError> {
    Ok(finish(
        builder()?
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    ))
}

fn builder() -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, HttpError> {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpError::ClientSetup(Box::new(e)))
}

fn finish(mut config: ClientConfig) -> ClientConfig {
    // The sites speak HTTP/1.1 to API clients; keep-alive covers connection reuse.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// The system store is read once per process: reading it costs milliseconds.
fn system_config() -> Result<ClientConfig, HttpError> {
    static SYSTEM: OnceLock<Result<ClientConfig, rustls::Error>> = OnceLock::new();
    let cached = SYSTEM.get_or_init(|| {
        ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_platform_verifier()
            .map(|b| finish(b.with_no_client_auth()))
    });
    cached.clone().map_err(HttpError::SystemTrustStore)
}

fn read_roots(path: &Path, origin: &'static str) -> Result<RootCertStore, HttpError> {
    let pem = std::fs::read(path).map_err(|source| HttpError::CaFile {
        path: path.to_owned(),
        origin,
        source,
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let Ok(cert) = cert else {
            continue;
        };
        // A bundle may hold certificates this verifier cannot use; skip them as curl does.
        if let Err(e) = roots.add(cert) {
            tracing::debug!(file = %path.display(), error = %e, "skipping a certificate of the CA file");
        }
    }
    if roots.is_empty() {
        return Err(HttpError::CaFileEmpty {
            path: path.to_owned(),
            origin,
        });
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explicit_ca_file_wins_over_the_environment() {
        let env = Env::from_pairs([(SHOTGUN_API_CACERTS, "/env/ca.pem")]);
        assert_eq!(
            Trust::choose(Some(Path::new("/opt/ca.pem")), &env),
            Trust::CaFile {
                path: "/opt/ca.pem".into(),
                origin: "the client options"
            }
        );
        assert_eq!(
            Trust::choose(None, &env),
            Trust::CaFile {
                path: "/env/ca.pem".into(),
                origin: SHOTGUN_API_CACERTS
            }
        );
        let empty = Env::from_pairs([(SHOTGUN_API_CACERTS, " ")]);
        assert_eq!(Trust::choose(None, &empty), Trust::System);
    }

    #[test]
    fn unreadable_or_empty_ca_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = client_config(&Trust::CaFile {
            path: missing.clone(),
            origin: SHOTGUN_API_CACERTS,
        })
        .unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
        assert!(err.to_string().contains(SHOTGUN_API_CACERTS), "{err}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = client_config(&Trust::CaFile {
            path: empty,
            origin: "the client options",
        })
        .unwrap_err();
        assert!(matches!(err, HttpError::CaFileEmpty { .. }), "{err}");
    }

    #[test]
    fn a_config_for_plain_http_needs_no_certificates() {
        assert_eq!(
            unused_config().unwrap().alpn_protocols,
            [b"http/1.1".to_vec()]
        );
    }
}
