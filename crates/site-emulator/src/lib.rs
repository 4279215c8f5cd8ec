//! A local Flow Production Tracking site, for tests, demos and offline development.
//!
//! The emulator is a real HTTP server on a loopback port that speaks what Toolkit
//! authentication uses of a site, wire-compatible with the Python client `shotgun_api3`:
//!
//! - `POST /api3/json` (JSON-RPC): `info`; `get_session_token`; `read` on `HumanUser` and
//!   `ApiUser`; authentication by login and password (with a TOTP or backup code when
//!   two-factor authentication is on), by script name and key, or by session token (sessions
//!   expire after a period of inactivity); errors as `{"exception": true, "message",
//!   "error_code"}` with codes 102 (bad credentials, inactive user, expired session), 106
//!   (two-factor code needed), 108 (password login on a `saml2` site) and 110 (password login
//!   on an `oxygen` site); on a `saml2` site whose SSO claims lapsed, `302` to
//!   `/saml/saml_login_request`.
//! - The App Session Launcher: `POST /internal_api/app_session_request`,
//!   `PUT /internal_api/app_session_request/{id}`, and the approval page at
//!   `/app_session_request/{id}` (Approve or Deny as a named user).
//! - REST access tokens: `POST /api/v1/auth/access_token` (grants `password`, with
//!   `auth_token` for a two-factor code; `client_credentials`; `session_token`;
//!   `refresh_token`, single use) answering `{"token_type": "Bearer", "access_token",
//!   "expires_in", "refresh_token"}`, and `GET /api/v1/entity/{human_users|api_users}/{id}`
//!   with `Authorization: Bearer …`; errors as `{"errors": [{"id", "status", "code",
//!   "title", "source", "detail", "meta"}]}` (400 bad request, 401 refused).
//! - An APS-like OAuth 2 authorization server for Flow access tokens:
//!   `GET /authentication/v2/authorize` (authorization code with PKCE S256, registered
//!   clients, loopback redirect URIs only; an approval page, or approval at once),
//!   `POST /authentication/v2/token` (grants `authorization_code` and rotating
//!   `refresh_token`; HS256 JWT access tokens) and `POST /authentication/v2/introspect`.
//! - Single sign-on as a browser meets it: `GET /auth/renew`, the SAML service provider
//!   (`GET /saml/saml_login_request`, `GET /saml/metadata`, `POST /saml/saml_acs`), the
//!   Unified Login Flow callback `GET /auth/sso_callback`, and `GET /auth/landing` setting
//!   the cookies Python Toolkit reads; and a minimal identity provider under `/idp/`
//!   (`GET /idp/saml/sso`, `GET /idp/authorize`, `POST /idp/login`) reached by another host
//!   name, with switches for expired identity-provider sessions, a one-time-code page, a slow
//!   identity provider, a redirect loop and a cookie for the wrong domain. Signatures are
//!   neither made nor checked.
//! - A control API under `/_emulator/` — the same controls as [`SiteEmulator`]'s methods.
//! - Faults: the next calls can answer an HTTP status, drop the connection, stall, or send
//!   a body that is not JSON ([`Fault`]).
//!
//! Bodies over 10 MB get `413`; malformed requests get an error response, never a crash.
//!
//! # API summary
//!
//! ```text
//! SiteEmulator::builder() -> SiteEmulatorBuilder
//!   .human_user(HumanAccount::new(login, password)
//!        [.with_id(n)] [.inactive()] [.with_totp_secret(base32 &str | bytes)]
//!        [.with_backup_codes([..])] [.with_name(first, last)] [.with_email(e)])
//!   .script_user(ScriptAccount::new(name, key) [.with_id(n)])
//!   .auth_method(SiteAuthMethod::Default | Ldap | Saml2 | Oxygen)
//!   .unified_login_flow(bool) .app_session_launcher(bool)
//!   .server_version([8, 50, 0]) .session_lifetime(Duration) .saml_claims_lifetime(Duration)
//!   .rest_token_lifetime(Duration)
//!   .app_session_request_lifetime(Duration) .max_entities_per_page(n)
//!   .listen(SocketAddr) .public_host("localhost") .tls(cert_chain_pem, key_pem)
//!   .approval_page_base("https://elsewhere.example.net")
//!   .flow_application(client_id)  (repeatable)   .flow_auto_approve(Some("alice") | None)
//!   .flow_token_lifetime(Duration)                (default 3599 s)
//!   .site_host(name) .idp_host(name) .saml_identity_provider(sso_url)
//!   .idp_require_mfa(bool) .idp_delay(Duration) .sso_redirect_loop(bool)
//!   .idp_foreign_cookie(bool)
//!   .config_file(path)? .start()? -> SiteEmulator       (drop = shut down and join)
//!
//! SiteEmulator:
//!   url() -> &str                       local_addr() -> SocketAddr
//!   create_session(login)? -> String    expire_session(token) -> bool
//!   expire_all_sessions() -> usize      expire_saml_claims() -> usize
//!   set_saml_claims_expiry(Duration) -> usize
//!   advance_clock(Duration) -> Duration  (idle sessions expire; claims, requests lapse)
//!   pending_requests() -> Vec<PendingRequest>
//!   approve_request(id, login)?         deny_request(id)?
//!   queue_fault(Fault::Status(502) | DropConnection | Stall(Duration) | MalformedBody
//!               | OversizedBody { bytes, announced }, n)
//!   clear_faults()
//!   calls(method) -> usize              calls_by_user(user) -> usize     reset_calls()
//!   last_request_body(method) -> Option<serde_json::Value>
//!   totp_code(login)? -> String
//!   expire_rest_tokens() -> usize       set_rest_token_lifetime(Duration)
//!   pending_authorizations() -> Vec<PendingAuthorization>  (id, client_id, redirect_uri,
//!                                                           scope, created)
//!   approve_authorization(id, login)? -> String  (the redirect: {redirect_uri}?code=…&state=…)
//!   deny_authorization(id)? -> String            ({redirect_uri}?error=access_denied&…)
//!   set_flow_auto_approve(Some(login) | None)?   set_flow_token_lifetime(Duration)
//!   revoke_flow_refresh_tokens() -> usize
//!   queue_flow_fault(Fault, n)  clear_flow_faults()   (the token endpoint's own queue)
//!   calls("flow:authorize" | "flow:authorization_code" | "flow:refresh_token" | "flow:refused")
//!   idp_url() -> String                 web_login_cookies(login)? -> String  (Qt raw jar, base64)
//!   expire_idp_sessions() -> usize      idp_require_mfa(bool)   idp_delay(Duration)
//!   sso_redirect_loop(bool)             idp_foreign_cookie(bool)
//!   sso_stats() -> SsoStats             sso_cookie_names_received() -> Vec<String>
//! ```
//!
//! # Example
//!
//! ```
//! use tk_auth_site_emulator::{Fault, HumanAccount, SiteEmulator};
//!
//! let site = SiteEmulator::builder()
//!     .human_user(HumanAccount::new("alice", "pw-Alice-1"))
//!     .flow_application("my-flow-app")
//!     .start()?;
//! assert!(site.url().starts_with("http://127.0.0.1:"));
//!
//! let token = site.create_session("alice")?;
//! assert!(site.expire_session(&token));
//! site.queue_fault(Fault::Status(502), 2);
//! assert_eq!(site.calls("info"), 0);
//!
//! // Flow logins: GET {url}/authentication/v2/authorize?client_id=my-flow-app&… waits for
//! // a decision, taken on the page or here.
//! assert!(site.pending_authorizations().is_empty());
//! site.set_flow_auto_approve(Some("alice"))?; // from now on, approved at once
//! site.set_flow_token_lifetime(std::time::Duration::from_secs(60)); // expiring tokens
//! assert_eq!(site.calls("flow:authorize"), 0);
//! # Ok::<(), tk_auth_site_emulator::EmulatorError>(())
//! ```

#![deny(missing_docs)]

mod aps;
pub mod browser;
mod builder;
mod config;
mod control;
mod error;
mod fault;
mod handle;
mod jwt;
mod launcher;
mod listener;
mod read;
mod rest;
mod rpc;
mod server;
mod sso;
mod state;
mod totp;
mod users;
mod wire;

pub use aps::PendingAuthorization;
pub use builder::{MAX_BODY_BYTES, SiteEmulatorBuilder};
pub use error::EmulatorError;
pub use fault::Fault;
pub use handle::SiteEmulator;
pub use launcher::PendingRequest;
pub use sso::SsoStats;
pub use tk_auth_core::SiteAuthMethod;
pub use users::{HumanAccount, ScriptAccount, TotpSecret};
