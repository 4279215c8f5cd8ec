//! The one error type of the crate.

use std::path::PathBuf;

/// What went wrong starting or driving a site emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server thread or its runtime could not start.
    #[error("cannot start the emulator's server thread")]
    Runtime(#[source] std::io::Error),
    /// A configuration file could not be read.
    #[error("cannot read the emulator configuration {path}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A configuration file does not parse or holds a bad value.
    #[error("invalid emulator configuration {path}: {reason}")]
    ConfigInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its location when the parser gives one.
        reason: String,
    },
    /// Two users share a login (or two scripts a name), or two entities an id.
    #[error("duplicate {what} {value:?} in the site's users")]
    Duplicate {
        /// `login`, `script name` or `id`.
        what: &'static str,
        /// The repeated value.
        value: String,
    },
    /// A user's two-factor secret is not valid base32 (or is empty).
    #[error("the two-factor secret of user {login:?} is not valid base32")]
    InvalidTotpSecret {
        /// The user.
        login: String,
    },
    /// The TLS certificate chain or key could not be used.
    #[error("invalid TLS set-up: {what}")]
    Tls {
        /// What could not be used, e.g. `the private key`.
        what: &'static str,
        /// Why, when a parser or rustls said.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// No human user has this login.
    #[error("no user with login {login:?} on this site")]
    UnknownUser {
        /// The login asked for.
        login: String,
    },
    /// The user exists but has no two-factor secret.
    #[error("user {login:?} has no two-factor secret")]
    NoTotpSecret {
        /// The user.
        login: String,
    },
    /// The user's account is disabled.
    #[error("user {login:?} is inactive")]
    InactiveUser {
        /// The user.
        login: String,
    },
    /// No browser-approval request has this id, or it is no longer pending.
    #[error("no pending app session request with id {id:?}")]
    UnknownRequest {
        /// The request id.
        id: String,
    },
    /// No Flow authorization request has this id, or it is no longer pending.
    #[error("no pending Flow authorization with id {id:?}")]
    UnknownAuthorization {
        /// The authorization id.
        id: String,
    },
}
