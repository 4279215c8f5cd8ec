//! The single sign-on controls of a running site, and of its builder.

use std::time::Duration;

use super::cookies::{self, Cookie};
use super::{SsoStats, Switches, Urls, idp, site};
use crate::builder::SiteEmulatorBuilder;
use crate::error::EmulatorError;
use crate::handle::SiteEmulator;
use crate::state::{Principal, Shared};

impl Shared {
    /// Changes the switches with `change`; returns them as they now are.
    pub(crate) fn sso_switch(&self, change: impl FnOnce(&mut Switches)) -> Switches {
        let mut state = self.state();
        change(&mut state.sso.switches);
        state.sso.switches
    }

    /// Ends every identity-provider session; returns how many there were.
    pub(crate) fn expire_idp_sessions(&self) -> usize {
        let mut state = self.state();
        let n = state.sso.idp_sessions.len();
        state.sso.idp_sessions.clear();
        n
    }

    /// Signs `login` in at the identity provider and at the site, as a person's browser
    /// does, and returns the browser's jar as Python Toolkit stores it.
    pub(crate) fn web_login_cookies(&self, login: &str) -> Result<String, EmulatorError> {
        let urls = Urls::of(self);
        let mut state = self.state();
        let login = state.active_human(login)?.login.clone();
        let idp_session = idp::start_session(self, &mut state, &login);
        let token = self.new_session(&mut state, Principal::Human(login.clone()));
        let site_cookies = site::session_cookies(self, &urls, &state, &token)
            .ok_or(EmulatorError::UnknownUser { login })?;
        let mut jar: Vec<(Cookie, &str)> = site_cookies
            .into_iter()
            .map(|c| (c, urls.site_host.as_str()))
            .collect();
        jar.push((
            idp::session_cookie(&urls, idp_session),
            urls.idp_host.as_str(),
        ));
        Ok(cookies::encode_jar(&jar))
    }
}

impl SiteEmulator {
    /// The identity provider's base URL: the site's scheme and port under the identity
    /// provider's host name (e.g. `http://localhost:41234`); its routes are under `/idp/`.
    pub fn idp_url(&self) -> String {
        Urls::of(&self.shared).idp
    }

    /// Ends every session of the emulator's identity provider: its next single sign-on shows
    /// the login page (a person is needed). Returns how many sessions there were.
    pub fn expire_idp_sessions(&self) -> usize {
        self.shared.expire_idp_sessions()
    }

    /// Makes the identity provider ask for a one-time code (a page whose input is
    /// `name="otp" autocomplete="one-time-code"`, no password field) on every single
    /// sign-on, even with a session: a person is needed. The page answers the site once a
    /// code is entered (the user's TOTP code, or any six digits for a user without a
    /// secret). `false` stops asking.
    pub fn idp_require_mfa(&self, on: bool) {
        self.shared.sso_switch(|s| s.require_mfa = on);
    }

    /// Makes every identity-provider answer wait `delay` first (`Duration::ZERO`: none).
    pub fn idp_delay(&self, delay: Duration) {
        self.shared.sso_switch(|s| s.delay = delay);
    }

    /// Makes `/auth/renew` and `/saml/saml_login_request` redirect to each other forever.
    pub fn sso_redirect_loop(&self, on: bool) {
        self.shared.sso_switch(|s| s.redirect_loop = on);
    }

    /// Makes identity-provider answers also set `idp_tracker` with `Domain=<site host>`, a
    /// cookie for a domain the identity provider may not set; clients must refuse it.
    pub fn idp_foreign_cookie(&self, on: bool) {
        self.shared.sso_switch(|s| s.foreign_cookie = on);
    }

    /// The single sign-on counters (reset by [`reset_calls`](Self::reset_calls)).
    pub fn sso_stats(&self) -> SsoStats {
        self.shared.state().sso.stats
    }

    /// The names of the cookies requests to the site (not to the identity provider) carried,
    /// sorted (reset by [`reset_calls`](Self::reset_calls)).
    pub fn sso_cookie_names_received(&self) -> Vec<String> {
        self.shared
            .state()
            .sso
            .cookies_received
            .iter()
            .cloned()
            .collect()
    }

    /// Signs `login` in as a person's browser would (an identity-provider session and a new
    /// site session) and returns the browser's cookie jar as Python Toolkit stores it in a
    /// session's metadata: standard base64 of Qt raw cookie lines joined by CRLF, the
    /// site's cookies host-only on the site's host and `idp_session` on the identity
    /// provider's.
    pub fn web_login_cookies(&self, login: &str) -> Result<String, EmulatorError> {
        self.shared.web_login_cookies(login)
    }
}

impl SiteEmulatorBuilder {
    /// The host name of the emulator's identity provider (default: `localhost` when the site
    /// URL's host is `127.0.0.1`, else `127.0.0.1`: always a host other than the site's,
    /// so that its cookies are another host's). Served by the same listener; a client must
    /// resolve the name to it.
    pub fn idp_host(mut self, name: impl Into<String>) -> Self {
        self.settings.sso.idp_host = Some(name.into());
        self
    }

    /// Sends the site's SAML `AuthnRequests` to an external identity provider's single
    /// sign-on URL (HTTP-Redirect binding) instead of the emulator's own. Its answers must
    /// reach the site's assertion consumer, `<site>/saml/saml_acs`; `<site>/saml/metadata`
    /// describes the site to it.
    pub fn saml_identity_provider(mut self, sso_url: impl Into<String>) -> Self {
        self.settings.sso.identity_provider = Some(sso_url.into());
        self
    }

    /// The host name in the site URL: the same as [`public_host`](Self::public_host).
    pub fn site_host(self, name: impl Into<String>) -> Self {
        self.public_host(name)
    }

    /// Starts with the identity provider asking for a one-time code
    /// ([`SiteEmulator::idp_require_mfa`]).
    pub fn idp_require_mfa(mut self, on: bool) -> Self {
        self.settings.sso.switches.require_mfa = on;
        self
    }

    /// Starts with a slow identity provider ([`SiteEmulator::idp_delay`]).
    pub fn idp_delay(mut self, delay: Duration) -> Self {
        self.settings.sso.switches.delay = delay;
        self
    }

    /// Starts with the renewal redirect loop on ([`SiteEmulator::sso_redirect_loop`]).
    pub fn sso_redirect_loop(mut self, on: bool) -> Self {
        self.settings.sso.switches.redirect_loop = on;
        self
    }

    /// Starts with the identity provider setting a cookie for the site's domain
    /// ([`SiteEmulator::idp_foreign_cookie`]).
    pub fn idp_foreign_cookie(mut self, on: bool) -> Self {
        self.settings.sso.switches.foreign_cookie = on;
        self
    }
}
