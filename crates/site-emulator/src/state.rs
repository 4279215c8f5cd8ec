//! What the site remembers: its users, sessions, browser-approval requests, queued faults
//! and call counters.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde_json::Value;
use tk_auth_core::SiteAuthMethod;

use crate::error::EmulatorError;
use crate::fault::Fault;
use crate::launcher::LauncherRequest;
use crate::totp;

/// The site's fixed settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) auth_method: SiteAuthMethod,
    pub(crate) unified_login_flow: bool,
    pub(crate) app_session_launcher: bool,
    pub(crate) version: [u32; 3],
    pub(crate) session_lifetime: Duration,
    pub(crate) saml_claims_lifetime: Duration,
    pub(crate) request_lifetime: Duration,
    pub(crate) max_entities_per_page: u64,
    pub(crate) max_body_bytes: usize,
    /// Where approval pages are said to be, instead of the site itself (a misbehaving or
    /// hijacked site, for clients' tests).
    pub(crate) approval_page_base: Option<String>,
    /// How long a REST access token lives, until a control changes it.
    pub(crate) rest_token_lifetime: Duration,
    /// Single sign-on: the identity provider and the switches at start.
    pub(crate) sso: crate::sso::SsoConfig,
}

/// A human user as the running site holds it (secret decoded, backup codes consumable).
pub(crate) struct HumanRecord {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) id: u64,
    pub(crate) active: bool,
    pub(crate) totp_secret: Option<Vec<u8>>,
    pub(crate) backup_codes: Vec<String>,
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) email: String,
}

/// A script user as the running site holds it.
pub(crate) struct ScriptRecord {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) id: u64,
}

/// Who a session or a call belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    Human(String),
    Script(String),
}

impl Principal {
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Human(n) | Self::Script(n) => n,
        }
    }
}

pub(crate) struct Session {
    pub(crate) owner: Principal,
    pub(crate) last_used: Instant,
    pub(crate) expired: bool,
    /// When the SSO claims behind the session lapse (SAML sites only).
    pub(crate) claims_expire_at: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) by_method: HashMap<String, usize>,
    pub(crate) by_user: HashMap<String, usize>,
    pub(crate) last_body: HashMap<String, Value>,
    /// TCP connections accepted.
    pub(crate) connections: usize,
    /// TLS handshakes completed, by the key exchange group they agreed (`X25519MLKEM768`).
    pub(crate) key_exchanges: HashMap<String, usize>,
    /// TLS handshakes that did not resume an earlier session: one per client that connects.
    pub(crate) full_handshakes: usize,
}

/// Everything that changes while the site runs.
pub(crate) struct State {
    pub(crate) humans: Vec<HumanRecord>,
    pub(crate) scripts: Vec<ScriptRecord>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) requests: HashMap<String, LauncherRequest>,
    pub(crate) faults: VecDeque<(Fault, usize)>,
    pub(crate) counters: Counters,
    pub(crate) rest: crate::rest::RestTokens,
    /// The Flow authorization server's clients, authorizations, codes and tokens.
    pub(crate) flow: crate::aps::FlowState,
    /// Single sign-on: identity-provider sessions, requests in flight, switches, counters.
    pub(crate) sso: crate::sso::SsoState,
}

/// The settings and state one site's connections share.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) url: String,
    state: Mutex<State>,
    rng: SystemRandom,
    /// How far the site's clock has been moved ahead of the real one, in milliseconds.
    clock_offset_ms: AtomicU64,
}

impl Shared {
    pub(crate) fn new(settings: Settings, url: String, state: State) -> Self {
        Self {
            settings,
            url,
            state: Mutex::new(state),
            rng: SystemRandom::new(),
            clock_offset_ms: AtomicU64::new(0),
        }
    }

    /// The site's time: the real monotonic clock plus whatever tests moved it ahead by.
    /// Session, SSO-claims and approval-request lifetimes are measured against it.
    pub(crate) fn now(&self) -> Instant {
        later(Instant::now(), self.clock_offset())
    }

    pub(crate) fn clock_offset(&self) -> Duration {
        Duration::from_millis(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the site's clock ahead; returns the total offset.
    pub(crate) fn advance_clock(&self, by: Duration) -> Duration {
        let cap = u64::try_from(FOREVER.as_millis()).unwrap_or(u64::MAX);
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let step = |ms: u64| ms.saturating_add(by).min(cap);
        let previous = self
            .clock_offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |ms| Some(step(ms)))
            .unwrap_or_else(|ms| ms);
        Duration::from_millis(step(previous))
    }

    /// The state; a panic in another holder cannot leave it half-written in a way that
    /// matters to a test site, so poisoning is ignored.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh random token: 32 lowercase hex digits, the shape of a site's session ids.
    pub(crate) fn random_hex(&self) -> String {
        let mut bytes = [0u8; 16];
        if self.rng.fill(&mut bytes).is_err() {
            // The system generator does not fail on supported platforms; fall back to
            // time-derived bytes rather than crash a test site.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            bytes = nanos.to_le_bytes();
        }
        bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
            use std::fmt::Write;
            let _ = write!(hex, "{b:02x}");
            hex
        })
    }

    /// Starts a session for `owner` and returns its token.
    pub(crate) fn new_session(&self, state: &mut State, owner: Principal) -> String {
        let token = self.random_hex();
        let now = self.now();
        let claims_expire_at = (self.settings.auth_method == SiteAuthMethod::Saml2
            && matches!(owner, Principal::Human(_)))
        .then(|| later(now, self.settings.saml_claims_lifetime));
        state.sessions.insert(
            token.clone(),
            Session {
                owner,
                last_used: now,
                expired: false,
                claims_expire_at,
            },
        );
        token
    }

    pub(crate) fn create_session(&self, login: &str) -> Result<String, EmulatorError> {
        let mut state = self.state();
        let login = state.active_human(login)?.login.clone();
        Ok(self.new_session(&mut state, Principal::Human(login)))
    }

    pub(crate) fn expire_session(&self, token: &str) -> bool {
        self.state()
            .sessions
            .get_mut(token)
            .map(|s| s.expired = true)
            .is_some()
    }

    pub(crate) fn expire_all_sessions(&self) -> usize {
        let mut state = self.state();
        state.sessions.values_mut().for_each(|s| s.expired = true);
        state.sessions.len()
    }

    /// Sets when the SSO claims of every session that has them lapse: `after` from now.
    pub(crate) fn set_saml_claims_expiry(&self, after: Duration) -> usize {
        let now = later(self.now(), after);
        let mut state = self.state();
        let mut n = 0;
        for session in state.sessions.values_mut() {
            if let Some(at) = session.claims_expire_at.as_mut() {
                *at = now;
                n += 1;
            }
        }
        n
    }

    pub(crate) fn totp_code(&self, login: &str) -> Result<String, EmulatorError> {
        let state = self.state();
        let user = state.known_human(login)?;
        let secret = user
            .totp_secret
            .as_deref()
            .ok_or_else(|| EmulatorError::NoTotpSecret {
                login: login.to_owned(),
            })?;
        Ok(totp::code_at(secret, totp::now_unix(), totp::DIGITS))
    }

    pub(crate) fn queue_fault(&self, fault: Fault, count: usize) {
        if count > 0 {
            self.state().faults.push_back((fault, count));
        }
    }

    pub(crate) fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// The fault the next site call must suffer, if any.
    pub(crate) fn take_fault(&self) -> Option<Fault> {
        let mut state = self.state();
        let (fault, remaining) = state.faults.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            state.faults.pop_front();
        }
        Some(fault)
    }

    /// Counts one received RPC call, for its method and the user its credentials name.
    pub(crate) fn record_call(&self, method: &str, user: Option<&str>, body: Value) {
        let mut state = self.state();
        *state
            .counters
            .by_method
            .entry(method.to_owned())
            .or_default() += 1;
        if let Some(user) = user {
            *state.counters.by_user.entry(user.to_owned()).or_default() += 1;
        }
        state.counters.last_body.insert(method.to_owned(), body);
    }

    /// Counts one accepted connection.
    pub(crate) fn record_connection(&self) {
        self.state().counters.connections += 1;
    }

    /// Counts one completed TLS handshake under the key exchange group it agreed, and as a
    /// full one unless it resumed an earlier session.
    pub(crate) fn record_handshake(&self, group: String, resumed: bool) {
        let counters = &mut self.state().counters;
        *counters.key_exchanges.entry(group).or_default() += 1;
        if !resumed {
            counters.full_handshakes += 1;
        }
    }

    /// Expires every REST access token; returns how many there were.
    pub(crate) fn expire_rest_tokens(&self) -> usize {
        self.state().rest.expire_all()
    }

    /// Sets how long REST access tokens granted from now on live.
    pub(crate) fn set_rest_token_lifetime(&self, lifetime: Duration) {
        self.state().rest.lifetime = lifetime.min(FOREVER);
    }

    pub(crate) fn reset_counters(&self) {
        let mut state = self.state();
        state.counters = Counters::default();
        state.sso.stats = crate::sso::SsoStats::default();
        state.sso.cookies_received.clear();
    }
}

/// Durations past this are "never" to the site; capping them keeps instant arithmetic
/// from overflowing whatever a test or a control request asks for.
const FOREVER: Duration = Duration::from_hours(100 * 365 * 24);

/// `at + by`, with `by` capped at [`FOREVER`].
fn later(at: Instant, by: Duration) -> Instant {
    let by = by.min(FOREVER);
    at.checked_add(by).unwrap_or(at)
}

impl State {
    pub(crate) fn human(&self, login: &str) -> Option<&HumanRecord> {
        self.humans.iter().find(|u| u.login == login)
    }

    /// The human user with this login, or the error naming it.
    pub(crate) fn known_human(&self, login: &str) -> Result<&HumanRecord, EmulatorError> {
        self.human(login).ok_or_else(|| EmulatorError::UnknownUser {
            login: login.to_owned(),
        })
    }

    /// The human user with this login if the account is enabled, or the error saying why not.
    pub(crate) fn active_human(&self, login: &str) -> Result<&HumanRecord, EmulatorError> {
        let user = self.known_human(login)?;
        if user.active {
            Ok(user)
        } else {
            Err(EmulatorError::InactiveUser {
                login: login.to_owned(),
            })
        }
    }

    pub(crate) fn human_mut(&mut self, login: &str) -> Option<&mut HumanRecord> {
        self.humans.iter_mut().find(|u| u.login == login)
    }

    pub(crate) fn script(&self, name: &str) -> Option<&ScriptRecord> {
        self.scripts.iter().find(|s| s.name == name)
    }
}
