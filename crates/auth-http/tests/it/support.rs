//! What every test module uses: quiet options, emulators, a test certificate authority.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::{Map, Value, json};
use tk_auth_http::{Auth, ClientOptions, Env, Error, RetryPolicy, SiteClient};
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteEmulator, SiteEmulatorBuilder};

pub(crate) const ALICE_PASSWORD: &str = "pw-Alice-canary-1";
pub(crate) const SCRIPT_KEY: &str = "key-canary-123";

/// No proxy or CA variables, whatever the machine running the tests has set.
pub(crate) fn quiet_env() -> Env {
    Env::empty()
}

/// Options for tests: a quiet environment, short timeouts, quick retries.
pub(crate) fn options() -> ClientOptions {
    ClientOptions::new()
        .environment(quiet_env())
        .timeout(Duration::from_secs(20))
        .retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_status_backoff(Duration::from_millis(5))
                .with_dropped_connection_interval(Duration::from_millis(5)),
        )
}

/// A site with `alice` (a person) and `farm_script` (a script).
pub(crate) fn builder() -> SiteEmulatorBuilder {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", ALICE_PASSWORD).with_id(42))
        .script_user(ScriptAccount::new("farm_script", SCRIPT_KEY).with_id(7))
}

pub(crate) fn start() -> SiteEmulator {
    builder().start().expect("the emulator starts")
}

pub(crate) fn client(site: &SiteEmulator) -> SiteClient {
    SiteClient::new(site.url(), options()).expect("a client for the emulator")
}

/// Looks up the `HumanUser` named `login`, as most tests' one authenticated call.
pub(crate) async fn find_person(
    client: &SiteClient,
    auth: &Auth,
    login: &str,
) -> Result<Option<Map<String, Value>>, Error> {
    client
        .find_one(auth, "HumanUser", &json!([["login", "is", login]]), &[])
        .await
}

/// Looks up any `HumanUser` (empty filters): a call that only has to be authenticated.
pub(crate) async fn find_anyone(
    client: &SiteClient,
    auth: &Auth,
) -> Result<Option<Map<String, Value>>, Error> {
    client.find_one(auth, "HumanUser", &json!([]), &[]).await
}

/// A certificate authority made for one test, and leaf certificates it signs.
pub(crate) struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pub(crate) dir: tempfile::TempDir,
    /// The CA certificate as a PEM file.
    pub(crate) ca_file: PathBuf,
}

impl TestCa {
    pub(crate) fn new() -> Self {
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
    pub(crate) fn leaf(&self, names: &[&str]) -> (String, String) {
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// An HTTPS site whose certificate this CA signed for `localhost` and `127.0.0.1`.
    pub(crate) fn https_site(&self) -> SiteEmulator {
        let (chain, key) = self.leaf(&["localhost", "127.0.0.1"]);
        builder()
            .tls(chain, key)
            .start()
            .expect("the HTTPS emulator starts")
    }
}

/// Asserts that no secret used by the tests shows in `text`.
pub(crate) fn assert_no_secret(text: &str) {
    for secret in ["canary", ALICE_PASSWORD, SCRIPT_KEY] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// The full text of an error: its message, its sources and its `Debug`.
pub(crate) fn full_text(err: &tk_auth_http::Error) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(" / ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
