//! Behaviour tests of the site emulator over real loopback sockets.

mod conformance;
mod control;
mod faults;
mod flow;
mod flow_control;
mod flow_judge;
mod flow_token;
mod launcher;
mod rest;
mod rpc;
mod saml;
mod secrets;
mod sso;
mod sso_acs;
mod sso_browser;
mod sso_judge;
mod sso_setup;
mod sso_switches;
mod tls;

use std::sync::Arc;

use serde_json::Value;

/// An HTTP client trusting the given PEM roots (none for plain-HTTP tests).
pub(crate) fn client_trusting(root_pems: &[&str]) -> reqwest::Client {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for pem in root_pems {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .no_proxy()
        // The Python client does not follow a 302 answer to a POST; neither do these tests.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn client() -> reqwest::Client {
    client_trusting(&[])
}

/// Sends a request; returns the status and the answer as JSON (or as a JSON string holding
/// the text, when it is not JSON).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Posts a JSON-RPC body to `{url}/api3/json`; returns the status and the JSON answer.
pub(crate) async fn rpc(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    answer(
        client
            .post(format!("{url}/api3/json"))
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string()),
    )
    .await
}

/// Asks for a browser-approval session as an application does: `POST` with the form
/// `appName` and `machineId`.
pub(crate) async fn request_session(
    client: &reqwest::Client,
    url: &str,
    app_name: &str,
    machine_id: &str,
) -> (u16, Value) {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("appName", app_name)
        .append_pair("machineId", machine_id)
        .finish();
    answer(
        client
            .post(format!("{url}/internal_api/app_session_request"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await
}

/// Polls a browser-approval request as an application does: `PUT` without a body.
pub(crate) async fn poll_session(client: &reqwest::Client, url: &str, id: &str) -> (u16, Value) {
    answer(client.put(format!("{url}/internal_api/app_session_request/{id}"))).await
}
