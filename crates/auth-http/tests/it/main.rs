//! Behaviour tests of the site client against the site emulator over loopback.

mod approval;
mod errors;
mod flow_callback;
mod flow_token;
mod limits;
mod logging;
mod plain_http;
mod proxy;
mod redaction;
mod renewal;
mod rest_tokens;
mod retries;
mod rpc_calls;
mod site_info;
mod support;
mod tls;
mod web_server;
mod web_session;
mod web_session_bounds;
mod web_world;
mod wire;
