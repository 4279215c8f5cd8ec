//! Types, errors and serialization of Flow Production Tracking Toolkit users — no I/O, no
//! network.
//!
//! This is the part of `sgtk.authentication` that every other piece builds on, made to
//! interoperate with Python Toolkit processes byte for byte:
//!
//! - the user model ([`User`]: a [`SessionUser`] or a [`ScriptUser`]) and its Python class
//!   ([`UserClass`]), told from the web-login cookies by the [cookie helpers](cookies);
//! - Flow (Autodesk Platform Services) logins: their [`FlowSettings`], and when an access
//!   token expires ([`jwt_expiry`], [`expires_within`]);
//! - serialized users ([`serialize_user`], [`deserialize_user`]): the JSON and pickle payloads
//!   that launchers, DCCs and render-farm jobs pass around, read without executing anything;
//! - sites ([`Site`]: the URL as given and normalised, Python's [`sanitize_url`], and the
//!   session-cache folder it maps to) and proxies ([`sanitize_http_proxy`], [`HttpProxy`]);
//! - [`Secret`], whose `Debug` and `Display` never show the value, and the one [`Error`] type,
//!   which mirrors the Python exception hierarchy;
//! - the environment variables every tk-auth crate reads, declared once in
//!   [`env`](mod@env) and read through an [`Env`].
//!
//! ```
//! use tk_auth_core::{Format, User, UserClass, deserialize_user, serialize_user};
//!
//! // What a Python launcher put in an environment variable for a farm job:
//! let payload = r#"{"type": "SessionUser", "data": {"http_proxy": null,
//!     "host": "https://mysite.shotgunstudio.com", "login": "jdoe", "session_token": "3f9a"}}"#;
//! let user = deserialize_user(payload)?;
//! assert_eq!(user.repr(), "<SessionUser jdoe @ https://mysite.shotgunstudio.com>");
//! assert_eq!(user.class()?, UserClass::ShotgunUser);
//!
//! // Handing it on, as Python's serialize_user(user) would.
//! let pickled = serialize_user(&user, Format::Pickle);
//! assert_eq!(deserialize_user(&pickled)?, user);
//! # Ok::<(), tk_auth_core::Error>(())
//! ```

#![deny(missing_docs)]

mod cookie_jar;
pub mod cookies;
pub mod env;
mod error;
mod flow_settings;
mod jwt_expiry;
mod limits;
mod payload;
mod pickle_read;
mod pickle_write;
mod proxy;
mod py_json;
mod py_key;
mod py_value;
mod redaction;
mod secret;
mod site;
mod site_auth_method;
mod site_url;
mod urlparse;
mod user;

pub use env::Env;
pub use error::{Error, PayloadError};
pub use flow_settings::{
    AM_READY_PROJECT_FIELD, DEFAULT_FLOW_APPLICATION_ID, DEFAULT_FLOW_BASE_URL,
    DEFAULT_FLOW_CALLBACK_URL, FLOW_SCOPES, FlowSettings,
};
pub use jwt_expiry::{expires_within, jwt_expiry};
pub use payload::{
    Format, Payload, SessionPayload, UserPayload, deserialize_payload, deserialize_user,
    serialize_user,
};
pub use pickle_read::PickleError;
pub use proxy::{DEFAULT_PROXY_PORT, HttpProxy, SanitizedProxy, sanitize_http_proxy};
pub use py_json::write_python_json_str;
pub use py_value::parse_python_int;
pub use redaction::{redact_proxy_password, redact_url_credentials};
pub use secret::{REDACTED, Secret};
pub use site::Site;
pub use site_auth_method::SiteAuthMethod;
pub use site_url::sanitize_url;
pub use user::{ScriptUser, SessionUser, User, UserClass};
