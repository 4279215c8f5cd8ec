//! Flow Production Tracking Toolkit authentication for Rust programs — the port of Python's
//! `sgtk.authentication`, sharing its session files and user payloads.
//!
//! - [`ShotgunAuthenticator`] hands out users: the default one (from the session cache or a
//!   pipeline configuration), one from a login through any [`Prompter`], or one built from a
//!   token, a password or a script key.
//! - [`ShotgunUser`] is a session user (plain, web or SSO, see [`UserClass`]) or a script
//!   user: `host`, `login`, `resolve_entity`, `check_credentials`,
//!   `are_credentials_expired`, `refresh_credentials`, and
//!   [`create_sg_connection`](ShotgunUser::create_sg_connection).
//! - [`Connection`] renews an expired session once, whoever and however many are calling:
//!   a token another process saved is taken from the session cache first, otherwise the
//!   person is asked once for every waiting caller in this process and in the other
//!   processes of the same user (see `docs/renewal.md`). A web-login session with stored
//!   cookies is first renewed without anyone: the cookies are replayed to the site's
//!   identity provider, as a browser would ([`ShotgunUser::renew_session`],
//!   [`ShotgunUser::start_claims_renewal`]; see `docs/sso.md`).
//! - Where nobody can answer a prompt (no terminal or display, or
//!   `TK_AUTH_NONINTERACTIVE=1`) a needed prompt fails at once, naming the site, the login
//!   and the command that logs in again.
//! - [`choose_prompter`] picks the prompter a program asks through: [`PromptMode`] given,
//!   else `TK_AUTH_PROMPT`, else the [`ConsolePrompter`] when standard input is a terminal
//!   and nobody otherwise.
//! - [`serialize_user`] / [`deserialize_user`] read and write Python's payloads;
//!   [`set_authenticated_user`] / [`get_authenticated_user`] hold the process's user.
//! - [`blocking`] has the same API for synchronous programs.
//! - [`Error`] maps every failure to Python's exception classes
//!   ([`Error::python_class`]).
//!
//! ```
//! use tk_auth::{AuthOptions, Defaults, Env, NonInteractivePrompter, SessionCache,
//!     SessionCredentials, ShotgunAuthenticator, UserOptions, UserSettings};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let home = tempfile::tempdir().unwrap();
//! let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
//! let defaults = Defaults::from_env_with(&env)?;
//! let authenticator = ShotgunAuthenticator::with_options(
//!     defaults,
//!     NonInteractivePrompter,
//!     AuthOptions::new().environment(env),
//! );
//! let on_site = UserOptions::new().site("https://mysite.shotgunstudio.com");
//! let user = authenticator
//!     .create_session_user("jdoe", SessionCredentials::token("3f9a"), on_site.clone())
//!     .await?;
//! assert_eq!(user.repr(), "<SessionUser jdoe @ https://mysite.shotgunstudio.com>");
//!
//! // The token was cached: a user with only a login finds it.
//! let again = authenticator
//!     .create_session_user("jdoe", SessionCredentials::Cached, on_site)
//!     .await?;
//! assert_eq!(again.session_token(), user.session_token());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

#![deny(missing_docs)]

mod authenticator;
pub mod blocking;
mod claims_renewal;
mod connection;
mod context;
mod credential;
mod error;
mod flow;
mod login;
mod method;
mod options;
mod process;
mod renewal;
mod rest_token;
mod serialization;
mod user;
mod user_options;

pub use authenticator::{SessionCredentials, ShotgunAuthenticator};
pub use claims_renewal::DEFAULT_CLAIMS_RENEWAL_THRESHOLD;
pub use connection::Connection;
pub use error::{Error, ErrorKind};
pub use flow::{DEFAULT_FLOW_LOGIN_TIMEOUT, FLOW_TOKEN_MIN_VALIDITY, FlowAuth, FlowStatus};
pub use options::{AuthOptions, BrowserOpener};
pub use process::{
    get_authenticated_user, get_shotgun_authenticator_support_web_login, set_authenticated_user,
    set_shotgun_authenticator_support_web_login,
};
pub use renewal::{RenewedBy, SessionRenewal};
pub use rest_token::REST_TOKEN_MARGIN;
pub use serialization::{deserialize_user, serialize_user};
pub use user::{CredentialState, Entity, ShotgunUser};
pub use user_options::{HostFixed, LoginPrompt, UserOptions};

/// The types every crate shares: users, secrets, payloads, cookies (`tk-auth-core`).
pub use tk_auth_core as core;
/// The session files, `toolkit.ini` and the defaults managers (`tk-auth-defaults`).
pub use tk_auth_defaults as defaults;
/// The site client: site addresses, logins, API calls (`tk-auth-http`).
pub use tk_auth_http as http;
/// The prompters and what they are asked (`tk-auth-prompt`).
pub use tk_auth_prompt as prompt;

pub use tk_auth_core::{
    Env, Format, ScriptUser, Secret, SessionUser, Site, User, UserClass, env, sanitize_url,
};
/// The login method remembered per site.
pub use tk_auth_defaults::LoginMethod;
pub use tk_auth_defaults::{
    ConfigDefaultsManager, Credentials, Defaults, DefaultsManager, MakeCurrent, SessionCache,
    SessionData, UserSettings,
};
pub use tk_auth_http::{
    ApprovalOptions, ClientOptions, RestAccessToken, RestGrant, RetryPolicy, SiteClient,
    WebRenewalOptions,
};
pub use tk_auth_prompt::{
    Answer, ConsolePrompter, Interactivity, Interface, MethodChoice, NonInteractivePrompter,
    PromptError, PromptMode, Prompter, ScriptedPrompter, Url, choose_prompter,
};
#[cfg(feature = "gui")]
pub use tk_auth_prompt::{GuiPrompter, WindowHost};
