//! Declaring a site and starting it.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::EmulatorError;
use crate::handle::SiteEmulator;
use crate::listener::{bind, tls_acceptor, url_host};
use crate::server;
use crate::state::{Counters, HumanRecord, ScriptRecord, Settings, Shared, State};
use crate::totp;
use tk_auth_core::SiteAuthMethod;

use crate::users::{HumanAccount, ScriptAccount, TotpSecret};

/// Requests larger than this are answered with `413 Payload Too Large`.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Declares a site: its users, settings and address. Made by [`SiteEmulator::builder`].
#[derive(Clone)]
#[must_use]
pub struct SiteEmulatorBuilder {
    humans: Vec<HumanAccount>,
    scripts: Vec<ScriptAccount>,
    pub(crate) settings: Settings,
    listen: SocketAddr,
    tls: Option<(Vec<u8>, Vec<u8>)>,
    public_host: Option<String>,
    flow: crate::aps::FlowConfig,
}

impl std::fmt::Debug for SiteEmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The TLS private key stays out of debug output.
        f.debug_struct("SiteEmulatorBuilder")
            .field("humans", &self.humans)
            .field("scripts", &self.scripts)
            .field("settings", &self.settings)
            .field("listen", &self.listen)
            .field("tls", &self.tls.is_some())
            .field("public_host", &self.public_host)
            .field("flow", &self.flow)
            .finish()
    }
}

impl Default for SiteEmulatorBuilder {
    fn default() -> Self {
        Self {
            humans: Vec::new(),
            scripts: Vec::new(),
            settings: Settings {
                auth_method: SiteAuthMethod::Default,
                unified_login_flow: false,
                app_session_launcher: true,
                version: [8, 50, 0],
                session_lifetime: Duration::from_hours(24),
                saml_claims_lifetime: Duration::from_hours(1),
                request_lifetime: Duration::from_mins(5),
                max_entities_per_page: 500,
                max_body_bytes: MAX_BODY_BYTES,
                approval_page_base: None,
                rest_token_lifetime: Duration::from_mins(10),
                sso: crate::sso::SsoConfig::default(),
            },
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            public_host: None,
            flow: crate::aps::FlowConfig::default(),
        }
    }
}

impl SiteEmulatorBuilder {
    /// Adds a person with a login.
    pub fn human_user(mut self, user: HumanAccount) -> Self {
        self.humans.push(user);
        self
    }

    /// Adds a script with an API key.
    pub fn script_user(mut self, user: ScriptAccount) -> Self {
        self.scripts.push(user);
        self
    }

    /// How the site authenticates people (default: [`SiteAuthMethod::Default`]). An unknown
    /// method ([`SiteAuthMethod::Other`]) is reported as such and checks passwords like
    /// `default`.
    pub fn auth_method(mut self, method: SiteAuthMethod) -> Self {
        self.settings.auth_method = method;
        self
    }

    /// `unified_login_flow_enabled` in `info` (default: off).
    pub fn unified_login_flow(mut self, enabled: bool) -> Self {
        self.settings.unified_login_flow = enabled;
        self
    }

    /// `authentication_app_session_launcher_enabled` in `info`, and whether the browser
    /// approval endpoints answer (default: on). Off, creating a request answers 403.
    pub fn app_session_launcher(mut self, enabled: bool) -> Self {
        self.settings.app_session_launcher = enabled;
        self
    }

    /// The server version `info` reports (default: 8.50.0).
    pub fn server_version(mut self, version: [u32; 3]) -> Self {
        self.settings.version = version;
        self
    }

    /// How long a session may go unused before it expires (default: 24 hours). Every
    /// authenticated call restarts the clock.
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.session_lifetime = lifetime;
        self
    }

    /// On a `saml2` site, how long after a browser login the SSO claims stay valid
    /// (default: 1 hour). Past it, calls with a still-valid session answer 302.
    pub fn saml_claims_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.saml_claims_lifetime = lifetime;
        self
    }

    /// How long a browser-approval request stays open (default: 5 minutes).
    pub fn app_session_request_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.request_lifetime = lifetime;
        self
    }

    /// Makes browser-approval requests name their page under `base` (e.g.
    /// `https://elsewhere.example.net`) instead of under the site's own URL — a misbehaving
    /// or hijacked site, for testing that clients refuse to open such a page. The page
    /// itself is still served by this site only.
    pub fn approval_page_base(mut self, base: impl Into<String>) -> Self {
        self.settings.approval_page_base = Some(base.into());
        self
    }

    /// How long a REST access token lives, the `expires_in` its grant answers (default:
    /// 10 minutes, as a site's).
    pub fn rest_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.rest_token_lifetime = lifetime;
        self
    }

    /// `api_max_entities_per_page` in `info` (default: 500).
    pub fn max_entities_per_page(mut self, n: u64) -> Self {
        self.settings.max_entities_per_page = n.max(1);
        self
    }

    /// The address to listen on (default: `127.0.0.1:0`, a free loopback port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The address the site will listen on: the default, [`listen`](Self::listen)'s, or a
    /// configuration file's `listen` key, whichever came last.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// The host name put in the site URL instead of the listening IP, e.g. `localhost`
    /// when a TLS certificate names only that.
    pub fn public_host(mut self, host: impl Into<String>) -> Self {
        self.public_host = Some(host.into());
        self
    }

    /// Serves HTTPS with this PEM certificate chain (leaf first) and PEM private key.
    pub fn tls(
        mut self,
        cert_chain_pem: impl Into<Vec<u8>>,
        private_key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls = Some((cert_chain_pem.into(), private_key_pem.into()));
        self
    }

    /// Binds the address and starts serving on a thread of its own (with its own async
    /// runtime, so it works from synchronous and asynchronous tests alike). The returned
    /// handle stops the server when dropped.
    pub fn start(self) -> Result<SiteEmulator, EmulatorError> {
        let state = self.initial_state()?;
        let tls = self
            .tls
            .as_ref()
            .map(|(c, k)| tls_acceptor(c, k))
            .transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (ready_tx, ready_rx) = mpsc::channel();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let listen = self.listen;
        let settings = self.settings;
        let public_host = self.public_host;
        let thread = std::thread::Builder::new()
            .name(format!("site-emulator-{listen}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(EmulatorError::Runtime(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match bind(listen) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let addr = listener.local_addr().unwrap_or(listen);
                    let host = public_host.unwrap_or_else(|| url_host(addr.ip()));
                    let url = format!("{scheme}://{host}:{}", addr.port());
                    let shared = Arc::new(Shared::new(settings, url, state));
                    if ready_tx.send(Ok((Arc::clone(&shared), addr))).is_err() {
                        return;
                    }
                    server::serve(listener, shared, tls, shutdown_rx).await;
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(EmulatorError::Runtime)?;
        match ready_rx.recv() {
            Ok(Ok((shared, addr))) => {
                tracing::info!(url = %shared.url, "site emulator started");
                Ok(SiteEmulator::new(shared, addr, shutdown_tx, thread))
            }
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(EmulatorError::Runtime(std::io::Error::other(
                    "the server thread stopped before it was ready",
                )))
            }
        }
    }

    /// Registers a Flow (APS) application: authorization requests with this `client_id` and
    /// a loopback redirect URI are accepted. Repeatable; no client is registered unless
    /// named, Python Toolkit's `8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV` included.
    pub fn flow_application(mut self, client_id: impl Into<String>) -> Self {
        self.flow.clients.push(client_id.into());
        self
    }

    /// Makes Flow authorization requests approve themselves as `login` (an active human
    /// user): the authorization endpoint redirects with a code at once, for unattended
    /// clients. `None` (the default) shows the approval page and waits.
    pub fn flow_auto_approve(mut self, login: Option<&str>) -> Self {
        self.flow.auto_approve = login.map(str::to_owned);
        self
    }

    /// How long Flow access tokens live (default: 3599 seconds, as APS hands them out).
    /// A few minutes or less makes clients meet expiring tokens.
    pub fn flow_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.flow.token_lifetime = lifetime;
        self
    }

    /// Checks the users and turns them into the running site's records.
    fn initial_state(&self) -> Result<State, EmulatorError> {
        let mut logins = HashSet::new();
        let explicit: HashSet<u64> = self.humans.iter().filter_map(|u| u.id).collect();
        let mut ids = IdAllocator::new(explicit);
        let mut humans = Vec::with_capacity(self.humans.len());
        for user in &self.humans {
            if !logins.insert(user.login.clone()) {
                return Err(EmulatorError::Duplicate {
                    what: "login",
                    value: user.login.clone(),
                });
            }
            let totp_secret = match &user.totp_secret {
                None => None,
                Some(TotpSecret::Bytes(b)) if !b.is_empty() => Some(b.clone()),
                Some(TotpSecret::Base32(text)) => {
                    Some(totp::decode_base32(text).ok_or_else(|| {
                        EmulatorError::InvalidTotpSecret {
                            login: user.login.clone(),
                        }
                    })?)
                }
                Some(TotpSecret::Bytes(_)) => {
                    return Err(EmulatorError::InvalidTotpSecret {
                        login: user.login.clone(),
                    });
                }
            };
            humans.push(HumanRecord {
                login: user.login.clone(),
                password: user.password.clone(),
                id: ids.take(user.id, "HumanUser id")?,
                active: user.active,
                totp_secret,
                backup_codes: user.backup_codes.clone(),
                firstname: user.firstname.clone().unwrap_or_else(|| user.login.clone()),
                lastname: user.lastname.clone().unwrap_or_default(),
                email: user
                    .email
                    .clone()
                    .unwrap_or_else(|| format!("{}@example.com", user.login)),
            });
        }
        let mut names = HashSet::new();
        let explicit: HashSet<u64> = self.scripts.iter().filter_map(|u| u.id).collect();
        let mut ids = IdAllocator::new(explicit);
        let mut scripts = Vec::with_capacity(self.scripts.len());
        for script in &self.scripts {
            if !names.insert(script.name.clone()) {
                return Err(EmulatorError::Duplicate {
                    what: "script name",
                    value: script.name.clone(),
                });
            }
            scripts.push(ScriptRecord {
                name: script.name.clone(),
                key: script.key.clone(),
                id: ids.take(script.id, "ApiUser id")?,
            });
        }
        if let Some(login) = &self.flow.auto_approve {
            match humans.iter().find(|u| &u.login == login) {
                None => {
                    return Err(EmulatorError::UnknownUser {
                        login: login.clone(),
                    });
                }
                Some(u) if !u.active => {
                    return Err(EmulatorError::InactiveUser {
                        login: login.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(State {
            humans,
            scripts,
            sessions: std::collections::HashMap::new(),
            requests: std::collections::HashMap::new(),
            faults: std::collections::VecDeque::new(),
            counters: Counters::default(),
            rest: crate::rest::RestTokens::new(self.settings.rest_token_lifetime),
            flow: crate::aps::FlowState::new(&self.flow),
            sso: crate::sso::SsoState::new(&self.settings.sso),
        })
    }
}

/// Hands out entity ids: explicit ones once each, the rest counting up from 1 around them.
struct IdAllocator {
    explicit: HashSet<u64>,
    used: HashSet<u64>,
    next: u64,
}

impl IdAllocator {
    fn new(explicit: HashSet<u64>) -> Self {
        Self {
            explicit,
            used: HashSet::new(),
            next: 1,
        }
    }

    fn take(&mut self, wanted: Option<u64>, what: &'static str) -> Result<u64, EmulatorError> {
        let id = if let Some(id) = wanted {
            id
        } else {
            while self.explicit.contains(&self.next) || self.used.contains(&self.next) {
                self.next += 1;
            }
            self.next
        };
        if !self.used.insert(id) {
            return Err(EmulatorError::Duplicate {
                what,
                value: id.to_string(),
            });
        }
        Ok(id)
    }
}
