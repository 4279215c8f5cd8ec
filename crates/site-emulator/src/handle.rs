//! The running site: its URL, and the controls tests and demos use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::builder::SiteEmulatorBuilder;
use crate::error::EmulatorError;
use crate::fault::Fault;
use crate::launcher::PendingRequest;
use crate::state::Shared;

/// A running site. Dropping it stops the server and waits for its thread.
pub struct SiteEmulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SiteEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteEmulator")
            .field("url", &self.shared.url)
            .finish_non_exhaustive()
    }
}

impl SiteEmulator {
    /// Starts declaring a site: no users, `default` authentication, App Session Launcher
    /// on, Unified Login Flow off, version 8.50.0, 24-hour sessions.
    pub fn builder() -> SiteEmulatorBuilder {
        SiteEmulatorBuilder::default()
    }

    pub(crate) fn new(
        shared: Arc<Shared>,
        addr: SocketAddr,
        shutdown: watch::Sender<bool>,
        thread: JoinHandle<()>,
    ) -> Self {
        Self {
            shared,
            addr,
            shutdown,
            thread: Some(thread),
        }
    }

    /// The site URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts a session for `login` directly, as if the person had logged in, and returns
    /// its token.
    pub fn create_session(&self, login: &str) -> Result<String, EmulatorError> {
        self.shared.create_session(login)
    }

    /// Expires one session; returns whether the token was known.
    pub fn expire_session(&self, token: &str) -> bool {
        self.shared.expire_session(token)
    }

    /// Expires every session; returns how many there were.
    pub fn expire_all_sessions(&self) -> usize {
        self.shared.expire_all_sessions()
    }

    /// Lapses the SSO claims of every session of a `saml2` site: calls with those sessions
    /// now answer 302 to `/saml/saml_login_request` until the person logs in again. Returns
    /// how many sessions were affected.
    pub fn expire_saml_claims(&self) -> usize {
        self.shared.set_saml_claims_expiry(Duration::ZERO)
    }

    /// Makes the SSO claims of every session of a `saml2` site lapse `after` from now
    /// (sessions started later get the site's claims lifetime). Returns how many sessions
    /// were affected.
    pub fn set_saml_claims_expiry(&self, after: Duration) -> usize {
        self.shared.set_saml_claims_expiry(after)
    }

    /// Moves the site's clock ahead by `by`, as if that much time had passed with nobody
    /// calling: sessions unused for longer than the session lifetime expire, SSO claims and
    /// browser-approval requests lapse. Returns how far ahead of the real clock the site now
    /// is. Two-factor codes keep following the real time, as authenticator apps do.
    pub fn advance_clock(&self, by: Duration) -> Duration {
        self.shared.advance_clock(by)
    }

    /// The browser-approval requests waiting for a decision, oldest first.
    pub fn pending_requests(&self) -> Vec<PendingRequest> {
        self.shared.pending_requests()
    }

    /// Approves a browser-approval request as `login`, as the person in the browser would.
    pub fn approve_request(&self, id: &str, login: &str) -> Result<(), EmulatorError> {
        self.shared.approve_request(id, login)
    }

    /// Denies a browser-approval request: the application's next poll gets 404.
    pub fn deny_request(&self, id: &str) -> Result<(), EmulatorError> {
        self.shared.deny_request(id)
    }

    /// Makes the next `count` site calls suffer `fault`. Faults queue in order.
    pub fn queue_fault(&self, fault: Fault, count: usize) {
        self.shared.queue_fault(fault, count);
    }

    /// Forgets the faults not yet applied.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// How many JSON-RPC calls of `method` the site received (faulted or not, accepted or
    /// refused). REST requests count under `rest:password`, `rest:client_credentials`,
    /// `rest:session_token`, `rest:refresh_token` (token grants; `rest:invalid_grant` for a
    /// missing or unknown one) and `rest:entity` (entity reads).
    pub fn calls(&self, method: &str) -> usize {
        self.shared
            .state()
            .counters
            .by_method
            .get(method)
            .copied()
            .unwrap_or(0)
    }

    /// How many JSON-RPC calls named `user` in their credentials: as `user_login`, as
    /// `script_name`, or through a session token of theirs.
    pub fn calls_by_user(&self, user: &str) -> usize {
        self.shared
            .state()
            .counters
            .by_user
            .get(user)
            .copied()
            .unwrap_or(0)
    }

    /// How many TCP connections the site accepted (a client that reuses its connections
    /// opens few).
    pub fn connections(&self) -> usize {
        self.shared.state().counters.connections
    }

    /// How many TLS handshakes agreed the key exchange group `group`, as rustls names it
    /// (`X25519MLKEM768`, the hybrid post-quantum one; `X25519`).
    pub fn key_exchanges(&self, group: &str) -> usize {
        self.shared
            .state()
            .counters
            .key_exchanges
            .get(group)
            .copied()
            .unwrap_or(0)
    }

    /// How many TLS handshakes were full ones rather than resumptions of a session the
    /// client kept from an earlier connection. A client's later connections resume, so this
    /// counts the clients that connected, whatever their connection pools did.
    pub fn full_tls_handshakes(&self) -> usize {
        self.shared.state().counters.full_handshakes
    }

    /// Sets every call counter, and the counts of connections and handshakes, back to zero.
    pub fn reset_calls(&self) {
        self.shared.reset_counters();
    }

    /// The last JSON-RPC body received for `method`, as sent (credentials included).
    pub fn last_request_body(&self, method: &str) -> Option<Value> {
        self.shared.state().counters.last_body.get(method).cloned()
    }

    /// Expires every REST access token handed out so far: reads with them answer 401 until
    /// the client gets a new one (refresh tokens stay good). Returns how many there were.
    pub fn expire_rest_tokens(&self) -> usize {
        self.shared.expire_rest_tokens()
    }

    /// Sets how long REST access tokens granted from now on live (their `expires_in`).
    pub fn set_rest_token_lifetime(&self, lifetime: Duration) {
        self.shared.set_rest_token_lifetime(lifetime);
    }

    /// The current six-digit TOTP code of a user with two-factor authentication.
    pub fn totp_code(&self, login: &str) -> Result<String, EmulatorError> {
        self.shared.totp_code(login)
    }
}

impl Drop for SiteEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the site emulator thread panicked");
        }
    }
}
