//! End-to-end behaviour tests across the tk-auth crates: the façade, the site emulator,
//! real session files and real processes.

mod cross_process;
mod flow_processes;
mod flow_tokens;
mod non_interactive;
mod python_interop;
mod rest_tokens;
mod sso_engine;
mod sso_engine_hosts;
mod sso_engine_switches;
mod sso_pysaml2;
mod sso_renewal;
