//! Behaviour tests of tk-auth-defaults (one binary, several modules).

mod cache_root;
mod core_configuration;
mod defaults_manager;
mod failed_saves;
mod hostile_files;
#[cfg(feature = "keyring")]
mod keyring;
mod odd_values;
mod python_compat_flow_tokens;
mod python_compat_session_cache;
mod python_compat_toolkit_ini;
mod python_compat_yaml_layout;
mod stress;
mod support;
#[cfg(not(feature = "keyring"))]
mod without_keyring;
