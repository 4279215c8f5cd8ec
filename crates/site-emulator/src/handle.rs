//! The running site: its URL, and the controls tests and demos use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::aps::PendingAuthorization;
use crate::builder::SiteEmulatorBuilder;
use crate::error::EmulatorError;
use crate::fault::Fault;
use crate::launcher::PendingRequest;
use crate::state::Shared;

/// A running site. Dropping it stops the server and waits for its thread.
pub struct SiteEmulator {
    pub(crate) shared: Arc<Shared>,
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
    ///
    /// The Flow authorization server counts under `flow:authorize` (requests to the
    /// authorization endpoint), `flow:authorization_code` and `flow:refresh_token` (token
    /// requests by grant, faulted or refused included) and `flow:refused` (token requests
    /// refused with an OAuth error).
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

    /// The Flow authorization requests waiting for the person's decision, oldest first.
    pub fn pending_authorizations(&self) -> Vec<PendingAuthorization> {
        self.shared.pending_authorizations()
    }

    /// Approves a Flow authorization request as `login` (an active human user), as the
    /// person in the browser would. Returns the redirect the browser is sent to:
    /// `{redirect_uri}?code=…&state=…`.
    pub fn approve_authorization(&self, id: &str, login: &str) -> Result<String, EmulatorError> {
        self.shared.approve_authorization(id, login)
    }

    /// Denies a Flow authorization request. Returns the redirect the browser is sent to:
    /// `{redirect_uri}?error=access_denied&…&state=…`.
    pub fn deny_authorization(&self, id: &str) -> Result<String, EmulatorError> {
        self.shared.deny_authorization(id)
    }

    /// Makes Flow authorization requests approve themselves as `login` from now on (`None`:
    /// show the approval page and wait). Fails for a login that is not an active user.
    pub fn set_flow_auto_approve(&self, login: Option<&str>) -> Result<(), EmulatorError> {
        self.shared.set_flow_auto_approve(login)
    }

    /// How long the Flow access tokens handed out from now on live.
    pub fn set_flow_token_lifetime(&self, lifetime: Duration) {
        self.shared.set_flow_token_lifetime(lifetime);
    }

    /// Revokes every Flow refresh token handed out so far: their next use is refused with
    /// `invalid_grant`, as when a person signs out everywhere. Returns how many were still
    /// usable.
    pub fn revoke_flow_refresh_tokens(&self) -> usize {
        self.shared.revoke_flow_refresh_tokens()
    }

    /// Makes the next `count` requests to the Flow token endpoint suffer `fault` (a queue
    /// of its own: site calls do not consume it, nor token requests [`queue_fault`]'s).
    ///
    /// [`queue_fault`]: Self::queue_fault
    pub fn queue_flow_fault(&self, fault: Fault, count: usize) {
        self.shared.queue_flow_fault(fault, count);
    }

    /// Forgets the token endpoint faults not yet applied.
    pub fn clear_flow_faults(&self) {
        self.shared.clear_flow_faults();
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
