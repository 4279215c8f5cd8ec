//! Behaviour tests of the tk-auth façade (one binary, several modules).

mod blocking;
mod claims_renewal;
mod default_credentials;
mod login;
#[cfg(feature = "gui")]
mod login_window;
mod python_compat_authenticator;
mod renewal;
mod renewal_failures;
mod renewal_lock_wait;
mod renewal_scope;
mod support;
mod users;
