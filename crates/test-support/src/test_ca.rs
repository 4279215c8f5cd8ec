//! A certificate authority made for one test, for HTTPS sites the client must trust (or not).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tk_auth_site_emulator::{SiteEmulator, SiteEmulatorBuilder};

/// A certificate authority made for one test, and the leaf certificates it signs.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The folder holding [`ca_file`](Self::ca_file); removed when the CA is dropped.
    pub dir: tempfile::TempDir,
    /// The CA certificate as a PEM file.
    pub ca_file: PathBuf,
}

impl TestCa {
    /// A new CA with a name of its own.
    pub fn new() -> Self {
        // Distinct names, so that one test CA is never taken for the issuer of another's.
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let name = format!("tk-auth test CA {}", SERIAL.fetch_add(1, Ordering::Relaxed));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, issuer.pem()).unwrap();
        Self {
            issuer,
            dir,
            ca_file,
        }
    }

    /// A server certificate for `names`: (chain PEM, key PEM).
    pub fn leaf(&self, names: &[&str]) -> (String, String) {
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// Starts `site` over HTTPS with a certificate this CA signed for `localhost` and
    /// `127.0.0.1`.
    pub fn https_site(&self, site: SiteEmulatorBuilder) -> SiteEmulator {
        let (chain, key) = self.leaf(&["localhost", "127.0.0.1"]);
        site.tls(chain, key)
            .start()
            .expect("the HTTPS emulator starts")
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}
