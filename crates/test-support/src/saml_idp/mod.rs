//! A SAML identity provider nobody in this project wrote: pysaml2 (from the Python Package
//! Index, signing with the `xmlsec1` program), run as a child process by
//! `python/saml_idp.py`, so that SSO code is judged by more than an identity provider of our
//! own.
//!
//! The identity provider is configured from the service provider's (the site's) metadata,
//! takes authentication requests by the HTTP-Redirect binding at [`PySamlIdp::sso_url`], and
//! answers with pysaml2's own HTTP-POST binding page carrying a signed Response (`NameID` in
//! email format) when the request carries its session cookie, or a login page otherwise.
//!
//! pysaml2 keeps the real time: it accepts authentication requests issued within a day of
//! it, and its assertions are valid 15 minutes unless
//! [`assertion_lifetime`](PySamlIdpBuilder::assertion_lifetime) says otherwise, which a
//! test that advances the site's clock needs.
//!
//! A site that must be given the identity provider's URL before it starts is started in
//! between: the identity provider first (it knows its own URL), then the site with
//! [`PySamlIdp::sso_url`], then the identity provider is told the site's metadata URL.
//!
//! ```no_run
//! use tk_auth_test_support::PySamlIdp;
//!
//! let Some(idp) = PySamlIdp::builder()
//!     .resolve("site.sso.test", "127.0.0.1")
//!     .host("idp.sso.test")
//!     .start_or_skip()
//! else {
//!     return;
//! };
//! // … start the site with `idp.sso_url()` as its identity provider, at site.sso.test:8000 …
//! idp.set_sp_metadata("http://site.sso.test:8000/saml/metadata");
//! let cookie = idp.new_session("artist@studio.test");
//! // … a jar with `idp.cookie_name()=cookie` host-only on idp.sso.test, then SSO …
//! assert_eq!(idp.stats().responses, 1);
//! ```

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::Deserialize;

use crate::loopback_http;

mod builder;

pub use builder::{IdpUnavailable, PySamlIdpBuilder};

/// How long the identity provider may take to start (import pysaml2, make its key, fetch
/// the service provider's metadata) before the test fails.
const START_TIMEOUT: Duration = Duration::from_mins(1);

/// The identity provider's script.
pub fn saml_idp_script() -> PathBuf {
    crate::workspace_root().join("crates/test-support/python/saml_idp.py")
}

/// The script that checks [`saml_idp_script`] with pysaml2 as the service provider.
pub fn saml_idp_check_script() -> PathBuf {
    crate::workspace_root().join("crates/test-support/python/saml_idp_check.py")
}

/// What the identity provider has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct IdpStats {
    /// Authentication requests received, valid or not (each SSO URL request, and each
    /// sign-in, which carries its request again).
    pub authn_requests: u64,
    /// Signed Responses issued (POST binding pages).
    pub responses: u64,
    /// Login pages shown (a request without a valid session).
    pub login_pages: u64,
    /// Sign-ins on the login page.
    pub logins: u64,
}

/// What the script prints when it is ready.
#[derive(Deserialize)]
struct Ready {
    url: String,
    sso_url: String,
    metadata_url: String,
    entity_id: String,
    cookie_name: String,
}

/// A running pysaml2 identity provider, killed on drop (and gone on its own when the test
/// process dies: it exits when its stdin closes).
pub struct PySamlIdp {
    child: Child,
    stdin: Option<ChildStdin>,
    ready: Ready,
    port: u16,
    logs: Arc<Mutex<String>>,
}

impl fmt::Debug for PySamlIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PySamlIdp")
            .field("url", &self.ready.url)
            .finish_non_exhaustive()
    }
}

impl PySamlIdp {
    /// Starts an identity provider for the service provider whose metadata is at
    /// `sp_metadata_url`, advertising `idp_host` (a name for 127.0.0.1) in its URLs.
    ///
    /// # Errors
    /// [`IdpUnavailable`] when pysaml2 or `xmlsec1` is missing (see
    /// [`PySamlIdpBuilder::start`]).
    pub fn start(sp_metadata_url: &str, idp_host: &str) -> Result<Self, IdpUnavailable> {
        Self::builder()
            .sp_metadata(sp_metadata_url)
            .host(idp_host)
            .start()
    }

    /// A builder, for the service provider given directly or host names to resolve.
    pub fn builder() -> PySamlIdpBuilder {
        PySamlIdpBuilder::default()
    }

    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", saml_idp_script().display()));
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&logs);
        let log_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]);
                sink.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push_str(&text);
            }
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let stdin = child.stdin.take();
        let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        let ready: Option<Ready> = serde_json::from_str(&line).ok();
        let Some(ready) = ready else {
            let _ = child.kill();
            let _ = child.wait();
            // The process is gone: its log reader reaches the end.
            let _ = log_reader.join();
            panic!(
                "the pysaml2 identity provider did not start (or not within \
                 {START_TIMEOUT:?}); its log:\n{}",
                logs.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            );
        };
        let port = ready
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in the identity provider's URL {}", ready.url));
        Self {
            child,
            stdin,
            ready,
            port,
            logs,
        }
    }

    /// The identity provider's base URL, `http://<host>:<port>`.
    pub fn url(&self) -> &str {
        &self.ready.url
    }

    /// Its single sign-on URL (HTTP-Redirect binding), to configure the site with.
    pub fn sso_url(&self) -> &str {
        &self.ready.sso_url
    }

    /// The URL of its metadata (its entity id, endpoints and signing certificate).
    pub fn metadata_url(&self) -> &str {
        &self.ready.metadata_url
    }

    /// Its entity id (the Responses' Issuer).
    pub fn entity_id(&self) -> &str {
        &self.ready.entity_id
    }

    /// The name of its session cookie (host-only on [`url`](Self::url)'s host, `Path=/`,
    /// `HttpOnly`).
    pub fn cookie_name(&self) -> &str {
        &self.ready.cookie_name
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves the service provider whose metadata is at `url` from now on (fetched now, from
    /// the identity provider's process, with the builder's [`resolve`](PySamlIdpBuilder::resolve)
    /// pins). For a site that must know [`sso_url`](Self::sso_url) before it starts: start
    /// the identity provider, then the site, then call this.
    pub fn set_sp_metadata(&self, url: &str) {
        let body = serde_json::json!({ "metadata_url": url }).to_string();
        self.control("/_control/sp", &body);
    }

    /// Serves the service provider with this entity id and assertion consumer URL (HTTP-POST
    /// binding) from now on.
    pub fn set_sp(&self, entity_id: &str, acs_url: &str) {
        let body = serde_json::json!({ "entity_id": entity_id, "acs_url": acs_url }).to_string();
        self.control("/_control/sp", &body);
    }

    /// Starts a session for `login` (as a person's sign-in would) and returns the value of
    /// its session cookie, for a test to seed a cookie jar with.
    pub fn new_session(&self, login: &str) -> String {
        #[derive(Deserialize)]
        struct Session {
            cookie: String,
        }
        let body = serde_json::json!({ "login": login }).to_string();
        let answer = self.control("/_control/session", &body);
        let session: Session = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("the identity provider's session answer: {e}"));
        session.cookie
    }

    /// A new session for `login` as a line of a stored cookie jar (Qt's raw cookie form, as
    /// the Python Toolkit keeps a browser's cookies): host-only on the identity provider's
    /// host, `path=/`, `HttpOnly`.
    pub fn session_cookie_line(&self, login: &str) -> String {
        let host = self
            .ready
            .url
            .trim_start_matches("http://")
            .rsplit_once(':')
            .map_or("", |(host, _)| host);
        format!(
            "{}={}; HttpOnly; domain={host}; path=/",
            self.ready.cookie_name,
            self.new_session(login)
        )
    }

    /// Ends every session: the next request is shown the login page (a person is needed).
    pub fn expire_sessions(&self) {
        self.control("/_control/expire", "{}");
    }

    /// What it has done so far.
    pub fn stats(&self) -> IdpStats {
        let answer = loopback_http::get(self.port, "/_control/stats")
            .unwrap_or_else(|e| panic!("{e}\nthe identity provider's log:\n{}", self.logs()));
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("the identity provider's stats: {e}: {answer}"))
    }

    /// POSTs `body` to a control route; panics with the identity provider's log on failure.
    fn control(&self, path: &str, body: &str) -> String {
        loopback_http::post(self.port, path, body)
            .unwrap_or_else(|e| panic!("{e}\nthe identity provider's log:\n{}", self.logs()))
    }

    /// What it has logged so far (requests by method and path; never cookie values or SAML
    /// messages).
    pub fn logs(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for PySamlIdp {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
