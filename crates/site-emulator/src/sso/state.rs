//! What single sign-on remembers: its settings, the switches tests flip, the identity
//! provider's sessions, the requests and codes in flight, and the counters.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// How the identity provider misbehaves (or asks more), switched by tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Switches {
    /// Every single sign-on asks for a one-time code, with a session or not; the code page
    /// answers the site once the person enters one.
    pub(crate) require_mfa: bool,
    /// Every identity-provider answer waits this long first.
    pub(crate) delay: Duration,
    /// `/auth/renew` and `/saml/saml_login_request` redirect to each other.
    pub(crate) redirect_loop: bool,
    /// Identity-provider answers also set a cookie for the site's domain.
    pub(crate) foreign_cookie: bool,
}

/// The single sign-on settings a builder or configuration file declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct SsoConfig {
    /// The identity provider's host name (default: one different from the site's).
    pub(crate) idp_host: Option<String>,
    /// An external identity provider's SSO URL (HTTP-Redirect binding) instead of the
    /// emulator's own.
    pub(crate) identity_provider: Option<String>,
    /// The switches at start.
    pub(crate) switches: Switches,
}

/// How many single sign-on exchanges the site and its identity provider saw
/// ([`SiteEmulator::sso_stats`](crate::SiteEmulator::sso_stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoStats {
    /// `GET /auth/renew` requests.
    pub renew_requests: usize,
    /// SAML `AuthnRequests` the site issued (`/saml/saml_login_request` redirects).
    pub saml_requests: usize,
    /// SAML Responses the assertion consumer accepted (each made a new site session).
    pub assertions_consumed: usize,
    /// SAML Responses the assertion consumer refused.
    pub assertions_refused: usize,
    /// Unified Login Flow callbacks that made a new site session.
    pub callbacks_consumed: usize,
    /// Sign-ins by a person at the identity provider's login page.
    pub idp_person_logins: usize,
    /// Auto-posting SAML Response pages the identity provider served.
    pub idp_auto_posts: usize,
    /// Authorization codes the identity provider handed out (Unified Login Flow).
    pub idp_codes: usize,
}

/// An identity-provider session.
pub(crate) struct IdpSession {
    pub(crate) login: String,
}

/// The running single sign-on state, inside the site's state.
#[derive(Default)]
pub(crate) struct SsoState {
    pub(crate) switches: Switches,
    pub(crate) idp_sessions: HashMap<String, IdpSession>,
    /// The IDs of `AuthnRequests` issued and not yet answered (single use).
    pub(crate) authn_requests: HashSet<String>,
    /// Unified Login Flow `state` values issued and not yet used.
    pub(crate) oauth_states: HashSet<String>,
    /// Authorization codes not yet used, and whose they are.
    pub(crate) codes: HashMap<String, String>,
    pub(crate) stats: SsoStats,
    /// The names of the cookies the site (not the identity provider) received.
    pub(crate) cookies_received: BTreeSet<String>,
}

impl SsoState {
    pub(crate) fn new(config: &SsoConfig) -> Self {
        Self {
            switches: config.switches,
            ..Self::default()
        }
    }
}
