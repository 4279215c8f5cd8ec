//! Talking to a Flow Production Tracking site: the JSON-RPC calls authentication needs,
//! session tokens (with two-factor codes), browser approval, proxies, TLS and retries.
//!
//! Use it directly for headless work (a script user on a render farm, a service), or through
//! the authenticator façade, which adds session files, prompts and renewal. It knows nothing
//! of files or prompts: renewal is a hook, [`SessionRenewer`].
//!
//! - [`SiteClient`] — one per site: [`info`](SiteClient::info) (typed [`SiteInfo`], cached
//!   30 s), [`generate_session_token`](SiteClient::generate_session_token),
//!   [`find_one`](SiteClient::find_one), the generic [`call`](SiteClient::call), and
//!   [`request_browser_approval`](SiteClient::request_browser_approval), and
//!   [`rest_access_token`](SiteClient::rest_access_token) for the REST API's Bearer tokens
//!   ([`RestGrant`] in, [`RestAccessToken`] out).
//! - [`ClientOptions`] — proxy (`[user:pass@]host[:port]`, else `HTTPS_PROXY`/`HTTP_PROXY`
//!   with `NO_PROXY`), CA file (else `SHOTGUN_API_CACERTS`, else the system store),
//!   timeouts, retries, user agent, `sudo_as_login`, `session_uuid`, `product`, and
//!   [`resolve`](ClientOptions::resolve) (names pinned to addresses, like curl's `--resolve`).
//! - [`SiteClient::renew_web_session`] — renews an SSO (SAML or Autodesk Identity) web
//!   session from its stored cookie jar without a browser: redirects and self-posting forms
//!   followed as a browser would, until the site's landing page hands out a new
//!   [`WebSession`]; bounded by [`WebRenewalOptions`], and stopping with
//!   [`WebRenewalError::NeedsPerson`] (a [`PersonPage`]) when a person must log in.
//! - [`HttpError`] — one variant per failure a person can act on; browser-approval outcomes are
//!   grouped in [`ApprovalError`], web-session renewal outcomes in [`WebRenewalError`].
//!
//! Safe by default: passwords, script keys and browser approvals never go to a plain
//! `http://` site other than this computer (unless `SGTK_AUTH_ALLOW_NO_HTTPS` is set),
//! answers are read within a size limit, and a browser-approval page is opened only on the
//! site's own host. See `docs/network.md` and `docs/security.md`.
//!
//! Nothing here blocks a thread: every call is `async` and waits on tokio timers, so async
//! callers use it directly, from any number of tasks (no `spawn_blocking` needed).
//!
//! The wire format is `shotgun_api3`'s: the same request bodies, authentication
//! parameters and error codes, so a site cannot tell the two clients apart by what they send.
//!
//! ```
//! use tk_auth_http::{Auth, ClientOptions, Env, SiteClient};
//!
//! // Building a client checks the address and settings; nothing is sent yet.
//! let options = ClientOptions::new()
//!     .environment(Env::from_pairs([("HTTPS_PROXY", "proxy.local:3128")]))
//!     .product("rv");
//! let site = SiteClient::new("https://mystudio.shotgunstudio.com", options)?;
//! assert_eq!(site.proxy(), Some("proxy.local:3128"));
//!
//! let farm = Auth::script("farm_script", "key-123");
//! assert!(!format!("{farm:?}").contains("key-123"));
//! # Ok::<(), tk_auth_http::HttpError>(())
//! ```

#![deny(missing_docs)]

mod approval;
mod approval_answers;
mod approval_error;
mod approval_options;
mod auth;
mod cancel;
mod client;
/// The environment variables tk-auth reads (re-exported from `tk-auth-core`).
pub use tk_auth_core::env;
mod error;
#[cfg(test)]
mod error_tests;
mod flow;
mod flow_error;
mod options;
mod plain_http;
mod product;
mod proxy;
mod read;
mod renewal;
mod rest_token;
mod rpc;
mod site_info;
mod site_url;
mod tls;
mod transport;
mod web_session;

pub use approval::ApprovedSession;
pub use approval_error::ApprovalError;
pub use approval_options::ApprovalOptions;
pub use auth::Auth;
pub use cancel::CancelHandle;
pub use client::SiteClient;
pub use error::{BoxError, HttpError};
pub use flow::{FlowCallback, FlowLoginRequest, FlowTokenAnswer, FlowTokenClient};
pub use flow_error::FlowError;
pub use options::{
    ClientOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    ProxySetting, RetryPolicy,
};
pub use product::{PRODUCT_DEFAULT, PRODUCT_DESKTOP, machine_id, product_name};
pub use proxy::environment_proxy;
pub use renewal::{RenewalReason, RenewalRequest, SessionRenewer};
pub use rest_token::{REST_TOKEN_PATH, RestAccessToken, RestGrant};
pub use site_info::{SITE_INFO_CACHE_TTL, ServerVersion, SiteInfo};
pub use site_url::SiteUrl;
pub use tk_auth_core::env::Env;
pub use tk_auth_core::{HttpProxy, Secret, SiteAuthMethod};
/// A parsed web address: the approval page is handed to the opener as one.
pub use url::Url;
pub use web_session::{PersonPage, WebRenewalError, WebRenewalOptions, WebSession};

/// The site's info for `url`, after checking the address (as the Python `SiteInfo.reload`
/// does, invalid addresses are refused before anything is sent); cached 30 s per site and
/// proxy.
pub async fn site_info(url: &str, options: ClientOptions) -> Result<SiteInfo, HttpError> {
    SiteClient::new(url, options)?.info().await
}
