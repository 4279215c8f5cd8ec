//! Serving HTTPS with a given certificate.

use serde_json::json;
use tk_auth_site_emulator::{EmulatorError, SiteEmulator};

use crate::{client, client_trusting, rpc};

#[tokio::test]
async fn https_with_the_given_certificate_is_trusted_through_its_root_only() {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_pem = certified.cert.pem();
    let key_pem = certified.signing_key.serialize_pem();
    let site = SiteEmulator::builder()
        .tls(cert_pem.clone(), key_pem)
        .start()
        .unwrap();
    assert!(
        site.url().starts_with("https://127.0.0.1:"),
        "{}",
        site.url()
    );

    let (status, answer) = rpc(
        &client_trusting(&[&cert_pem]),
        site.url(),
        &json!({"method_name": "info", "params": []}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(answer["version"].is_array());

    let untrusted = client()
        .post(format!("{}/api3/json", site.url()))
        .body("{}")
        .send()
        .await;
    assert!(untrusted.is_err());
    assert_eq!(site.calls("info"), 1);
}

#[tokio::test]
async fn public_host_names_the_site_for_its_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let site = SiteEmulator::builder()
        .tls(cert_pem.clone(), certified.signing_key.serialize_pem())
        .public_host("localhost")
        .start()
        .unwrap();
    assert!(site.url().starts_with("https://localhost:"));
    let (status, _) = rpc(
        &client_trusting(&[&cert_pem]),
        site.url(),
        &json!({"method_name": "info"}),
    )
    .await;
    assert_eq!(status, 200);
}

#[test]
fn unusable_certificates_are_reported_not_served() {
    let err = SiteEmulator::builder()
        .tls("not a pem", "nor this")
        .start()
        .unwrap_err();
    assert!(matches!(err, EmulatorError::Tls { .. }), "{err}");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let err = SiteEmulator::builder()
        .tls(certified.cert.pem(), "no key here")
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}
