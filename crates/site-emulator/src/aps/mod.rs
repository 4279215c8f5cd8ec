//! An Autodesk Platform Services (APS)-like OAuth 2 authorization server, the one Flow
//! access tokens come from: authorization code with PKCE S256 for registered public clients
//! with a loopback redirect URI (RFC 8252), rotating refresh tokens, and JWT access tokens.
//!
//! `GET /authentication/v2/authorize` records a pending authorization and shows an approval
//! page (or, with auto-approval on, redirects at once); `POST /authentication/v2/token`
//! exchanges codes and refresh tokens; `POST /authentication/v2/introspect` tells whether an
//! access token is this site's and live.

mod authorize;
pub(crate) mod control;
mod token;

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use http::{Method, StatusCode};
use serde_json::Value;

use crate::error::EmulatorError;
use crate::fault::Fault;
use crate::jwt::Signer;
use crate::state::Shared;

/// The authorization endpoint; `…/{id}` is where its page's forms post.
pub(crate) const AUTHORIZE_PATH: &str = "/authentication/v2/authorize";
/// The token endpoint.
pub(crate) const TOKEN_PATH: &str = "/authentication/v2/token";
/// The token introspection endpoint (RFC 7662).
pub(crate) const INTROSPECT_PATH: &str = "/authentication/v2/introspect";

/// Access token lifetime unless set otherwise: what APS hands out.
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3599);
/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_mins(1);
/// How long an authorization waits for the person's decision.
const AUTHORIZATION_LIFETIME: Duration = Duration::from_mins(10);
/// How long an unused refresh token stays valid.
const REFRESH_LIFETIME: Duration = Duration::from_hours(14 * 24);

/// The Flow settings a site starts with (the builder's part).
#[derive(Debug, Clone)]
pub(crate) struct FlowConfig {
    pub(crate) clients: Vec<String>,
    pub(crate) auto_approve: Option<String>,
    pub(crate) token_lifetime: Duration,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            auto_approve: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }
}

/// What the authorization server remembers. Codes and tokens are map keys only: nothing
/// here has a `Debug` that could print them.
pub(crate) struct FlowState {
    clients: HashSet<String>,
    auto_approve: Option<String>,
    token_lifetime: Duration,
    signer: Signer,
    authorizations: HashMap<String, Authorization>,
    codes: HashMap<String, CodeGrant>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    faults: VecDeque<(Fault, usize)>,
}

impl FlowState {
    pub(crate) fn new(config: &FlowConfig) -> Self {
        Self {
            clients: config.clients.iter().cloned().collect(),
            auto_approve: config.auto_approve.clone(),
            token_lifetime: config.token_lifetime,
            signer: Signer::random(),
            authorizations: HashMap::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            faults: VecDeque::new(),
        }
    }
}

/// An authorization request waiting for the person's decision.
struct Authorization {
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    code_challenge: String,
    created: Instant,
    created_at: SystemTime,
}

/// What an authorization code stands for, until exchanged once.
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scope: String,
    login: String,
    issued: Instant,
    /// Set at the first exchange attempt; a second one is refused.
    used: bool,
    /// The family of the refresh tokens the exchange started (it and those that replaced
    /// it), all revoked if the code is replayed.
    family: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RefreshStatus {
    Active,
    /// Exchanged once already: rotation hands out a new one each time.
    Used,
    Revoked,
}

struct RefreshGrant {
    /// Shared by a refresh token and those that replaced it, back to one code exchange.
    family: String,
    client_id: String,
    login: String,
    scope: String,
    issued: Instant,
    status: RefreshStatus,
}

/// An authorization request waiting for the person in the browser to approve or deny it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingAuthorization {
    /// Its id, in the approval page's URL and the control API's.
    pub id: String,
    /// The `client_id` the application sent.
    pub client_id: String,
    /// The `redirect_uri` the application sent: where the decision is sent.
    pub redirect_uri: String,
    /// The `scope` the application sent, space-separated.
    pub scope: String,
    /// When the application asked.
    pub created: SystemTime,
}

/// Which of the authorization server's endpoints a path names.
pub(crate) enum Endpoint {
    Authorize,
    Decide(String),
    Token,
    Introspect,
}

impl Endpoint {
    pub(crate) fn from_path(path: &str) -> Option<Self> {
        match path {
            AUTHORIZE_PATH => Some(Self::Authorize),
            TOKEN_PATH => Some(Self::Token),
            INTROSPECT_PATH => Some(Self::Introspect),
            _ => path
                .strip_prefix(AUTHORIZE_PATH)?
                .strip_prefix('/')
                .filter(|id| !id.is_empty() && !id.contains('/'))
                .map(|id| Self::Decide(id.to_owned())),
        }
    }
}

/// An answer of the authorization server, for the HTTP side to send.
pub(crate) enum Reply {
    Json(StatusCode, Value),
    /// A token endpoint answer: JSON that must not be cached.
    Token(StatusCode, Value),
    Html(StatusCode, String),
    Redirect(String),
    MethodNotAllowed(&'static str),
}

/// Answers a request to one of the endpoints; `site` is the URL the client used.
pub(crate) fn handle(
    shared: &Shared,
    endpoint: Endpoint,
    method: &Method,
    query: &str,
    body: &[u8],
    site: &str,
) -> Reply {
    match (endpoint, method) {
        (Endpoint::Authorize, &Method::GET | &Method::HEAD) => authorize::start(shared, query),
        (Endpoint::Authorize, _) => Reply::MethodNotAllowed("GET"),
        (Endpoint::Decide(id), &Method::GET | &Method::HEAD) => authorize::page(shared, &id),
        (Endpoint::Decide(id), &Method::POST) => authorize::decide(shared, &id, body),
        (Endpoint::Decide(_), _) => Reply::MethodNotAllowed("GET, POST"),
        (Endpoint::Token, &Method::POST) => token::exchange(shared, body, site),
        (Endpoint::Introspect, &Method::POST) => token::introspect(shared, body),
        (Endpoint::Token | Endpoint::Introspect, _) => Reply::MethodNotAllowed("POST"),
    }
}

/// Counts a token request under its grant, before any fault replaces the answer.
pub(crate) fn record_token_request(shared: &Shared, body: &[u8]) {
    match form_value(body, "grant_type").as_deref() {
        Some("authorization_code") => shared.count("flow:authorization_code"),
        Some("refresh_token") => shared.count("flow:refresh_token"),
        _ => {}
    }
}

fn form_value(form: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(form)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `uri` with the parameters appended to its query.
fn with_query(uri: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", query.finish())
}

impl Shared {
    /// Adds one to a `calls` counter.
    pub(crate) fn count(&self, key: &str) {
        *self
            .state()
            .counters
            .by_method
            .entry(key.to_owned())
            .or_default() += 1;
    }

    fn authorization_lapsed(&self, authorization: &Authorization) -> bool {
        self.now().saturating_duration_since(authorization.created) >= AUTHORIZATION_LIFETIME
    }

    pub(crate) fn pending_authorizations(&self) -> Vec<PendingAuthorization> {
        let state = self.state();
        let mut pending: Vec<_> = state
            .flow
            .authorizations
            .iter()
            .filter(|(_, a)| !self.authorization_lapsed(a))
            .map(|(id, a)| {
                let view = PendingAuthorization {
                    id: id.clone(),
                    client_id: a.client_id.clone(),
                    redirect_uri: a.redirect_uri.clone(),
                    scope: a.scope.clone(),
                    created: a.created_at,
                };
                (a.created, view)
            })
            .collect();
        pending.sort_by_key(|(created, _)| *created);
        pending.into_iter().map(|(_, p)| p).collect()
    }

    /// Approves as `login`: hands out a code and returns the redirect carrying it.
    pub(crate) fn approve_authorization(
        &self,
        id: &str,
        login: &str,
    ) -> Result<String, EmulatorError> {
        let mut state = self.state();
        let login = state.active_human(login)?.login.clone();
        let authorization = self.take_authorization(&mut state.flow, id)?;
        let code = format!("{}{}", self.random_hex(), self.random_hex());
        let location = with_query(
            &authorization.redirect_uri,
            &[
                ("code", Some(&code)),
                ("state", authorization.state.as_deref()),
            ],
        );
        state.flow.codes.insert(
            code,
            CodeGrant {
                client_id: authorization.client_id,
                redirect_uri: authorization.redirect_uri,
                code_challenge: authorization.code_challenge,
                scope: authorization.scope,
                login,
                issued: self.now(),
                used: false,
                family: None,
            },
        );
        tracing::debug!(authorization = %id, "flow authorization approved");
        Ok(location)
    }

    /// Denies: returns the redirect carrying `error=access_denied`.
    pub(crate) fn deny_authorization(&self, id: &str) -> Result<String, EmulatorError> {
        let mut state = self.state();
        let authorization = self.take_authorization(&mut state.flow, id)?;
        tracing::debug!(authorization = %id, "flow authorization denied");
        Ok(with_query(
            &authorization.redirect_uri,
            &[
                ("error", Some("access_denied")),
                ("error_description", Some("The user denied the request")),
                ("state", authorization.state.as_deref()),
            ],
        ))
    }

    fn take_authorization(
        &self,
        flow: &mut FlowState,
        id: &str,
    ) -> Result<Authorization, EmulatorError> {
        flow.authorizations
            .remove(id)
            .filter(|a| !self.authorization_lapsed(a))
            .ok_or_else(|| EmulatorError::UnknownAuthorization { id: id.to_owned() })
    }

    /// Makes authorization requests approve themselves as `login` (`None`: ask the person).
    pub(crate) fn set_flow_auto_approve(&self, login: Option<&str>) -> Result<(), EmulatorError> {
        let mut state = self.state();
        let login = match login {
            Some(login) => Some(state.active_human(login)?.login.clone()),
            None => None,
        };
        state.flow.auto_approve = login;
        Ok(())
    }

    pub(crate) fn set_flow_token_lifetime(&self, lifetime: Duration) {
        self.state().flow.token_lifetime = lifetime;
    }

    /// Revokes every refresh token handed out so far; returns how many were still usable.
    pub(crate) fn revoke_flow_refresh_tokens(&self) -> usize {
        let mut state = self.state();
        let mut revoked = 0;
        for grant in state.flow.refresh_tokens.values_mut() {
            if grant.status == RefreshStatus::Active {
                revoked += 1;
            }
            grant.status = RefreshStatus::Revoked;
        }
        revoked
    }

    pub(crate) fn queue_flow_fault(&self, fault: Fault, count: usize) {
        if count > 0 {
            self.state().flow.faults.push_back((fault, count));
        }
    }

    pub(crate) fn clear_flow_faults(&self) {
        self.state().flow.faults.clear();
    }

    /// The fault the next token request must suffer, if any.
    pub(crate) fn take_flow_fault(&self) -> Option<Fault> {
        let mut state = self.state();
        let (fault, remaining) = state.flow.faults.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            state.flow.faults.pop_front();
        }
        Some(fault)
    }
}
