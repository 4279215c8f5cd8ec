//! Behaviour tests of tk-auth-core, replaying the Python-generated vectors.

mod canaries;
mod cookies;
mod fixtures;
mod hostile_payloads;
mod pickle_payloads;
mod properties;
mod site_layout;
mod url_proxy;
mod user_serialization;
