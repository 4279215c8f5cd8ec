//! The pysaml2 identity provider, judged by pysaml2 as the service provider: it must take
//! HTTP-Redirect authentication requests and answer with Responses whose signatures a SAML
//! library verifies, before SSO code is tested against it.

use std::io::{Read, Write};
use std::net::TcpListener;

use tk_auth_test_support::{PySamlIdp, Python, saml_idp_check_script};

const LOGIN: &str = "artist@studio.test";

/// Serves `metadata` for every request on a loopback port, as a site serves
/// `/saml/metadata`; returns the port.
fn serve_metadata(metadata: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/samlmetadata+xml\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{metadata}",
                metadata.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    port
}

/// Service provider metadata as the site serves it: entity id and one POST-binding ACS.
fn sp_metadata(site: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{site}/saml/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{site}/saml/saml_acs" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

/// Runs the check script as the service provider `site` against `idp`; returns what it saw.
fn check(idp: &PySamlIdp, site: &str, cookie: &str, extra: &[&str]) -> serde_json::Value {
    let out = Python::script(saml_idp_check_script())
        .args([
            "--idp-metadata",
            idp.metadata_url(),
            "--sp-entity-id",
            &format!("{site}/saml/metadata"),
            "--sp-acs",
            &format!("{site}/saml/saml_acs"),
            "--cookie-name",
            idp.cookie_name(),
            "--login",
            LOGIN,
        ])
        .args(extra)
        .env("SAML_IDP_COOKIE", cookie)
        .run();
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn a_seeded_session_gets_a_signed_response_that_pysaml2_verifies() {
    let md_port = serve_metadata(sp_metadata("http://site.saml.test:8000"));
    let Some(idp) = PySamlIdp::builder()
        .sp_metadata(&format!("http://site.saml.test:{md_port}/saml/metadata"))
        .resolve("site.saml.test", "127.0.0.1")
        .host("idp.saml.test")
        .assertion_lifetime(std::time::Duration::from_hours(2))
        .start_or_skip()
    else {
        return;
    };
    assert_eq!(idp.url(), format!("http://idp.saml.test:{}", idp.port()));
    assert_eq!(idp.sso_url(), format!("{}/sso/redirect", idp.url()));

    let line = idp.session_cookie_line(LOGIN);
    let (name_value, attributes) = line.split_once("; ").unwrap();
    assert_eq!(attributes, "HttpOnly; domain=idp.saml.test; path=/");
    let cookie = name_value
        .strip_prefix("pysaml_idp_session=")
        .unwrap()
        .to_owned();
    let seen = check(
        &idp,
        "http://site.saml.test:8000",
        &cookie,
        &["--resolve", "idp.saml.test:127.0.0.1"],
    );
    for prefix in ["login", "session"] {
        for what in [
            "auto_post",
            "form_action_is_acs",
            "relay_state_kept",
            "in_response_to_matches",
            "name_id_email_format",
            "response_signed",
            "assertion_signed",
        ] {
            assert_eq!(
                seen[format!("{prefix}_{what}")],
                true,
                "{prefix}_{what}: {seen}"
            );
        }
        assert_eq!(seen[format!("{prefix}_name_id")], LOGIN, "{seen}");
        assert_eq!(seen[format!("{prefix}_lifetime_minutes")], 120, "{seen}");
    }
    assert_eq!(seen["login_page_password_field"], true, "{seen}");
    assert_eq!(seen["login_sets_session_cookie"], true, "{seen}");
    assert_eq!(seen["forged_refused"], "SignatureError", "{seen}");

    let stats = idp.stats();
    assert_eq!(
        (
            stats.authn_requests,
            stats.responses,
            stats.login_pages,
            stats.logins
        ),
        (3, 2, 1, 1),
        "{stats:?}"
    );
    let logs = idp.logs();
    assert!(logs.contains("GET /sso/redirect 200"), "{logs}");
    assert!(
        !logs.contains(&cookie),
        "a session cookie value reached the log"
    );
    assert!(
        !logs.contains("SAMLRequest") && !logs.contains("SAMLResponse"),
        "{logs}"
    );
}

#[test]
fn expired_sessions_get_the_login_page() {
    let site = "http://127.0.0.1:8000";
    let Some(idp) = PySamlIdp::builder()
        .sp(
            &format!("{site}/saml/metadata"),
            &format!("{site}/saml/saml_acs"),
        )
        .start_or_skip()
    else {
        return;
    };
    assert!(idp.url().starts_with("http://127.0.0.1:"), "{}", idp.url());
    let cookie = idp.new_session(LOGIN);
    idp.expire_sessions();
    let seen = check(&idp, site, &cookie, &["--expect-login-page"]);
    assert_eq!(seen["expired_session_login_page"], true, "{seen}");
    let stats = idp.stats();
    assert_eq!((stats.responses, stats.login_pages), (0, 2), "{stats:?}");
}

#[test]
fn started_before_the_site_it_serves_the_site_named_later() {
    // A site is told the identity provider's URL when it starts, so the identity provider
    // starts first and learns the site's metadata afterwards.
    let Some(idp) = PySamlIdp::builder()
        .resolve("site.saml.test", "127.0.0.1")
        .host("idp.saml.test")
        .start_or_skip()
    else {
        return;
    };
    let site = "http://site.saml.test:8000";
    let resolve = ["--resolve", "idp.saml.test:127.0.0.1"];
    let cookie = idp.new_session(LOGIN);
    let refused = std::panic::catch_unwind(|| check(&idp, site, &cookie, &resolve))
        .expect_err("a request was answered before any service provider was named");
    let message = refused
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("HTTP 400"), "{message}");

    let md_port = serve_metadata(sp_metadata(site));
    idp.set_sp_metadata(&format!("http://site.saml.test:{md_port}/saml/metadata"));
    // An AuthnRequest written as the site writes it, not by pysaml2.
    let seen = check(
        &idp,
        site,
        &cookie,
        &[resolve[0], resolve[1], "--site-shaped-request"],
    );
    assert_eq!(seen["session_name_id"], LOGIN, "{seen}");
    assert_eq!(seen["session_name_id_email_format"], true, "{seen}");
    assert_eq!(seen["session_in_response_to_matches"], true, "{seen}");
    assert_eq!(seen["session_assertion_signed"], true, "{seen}");
    assert_eq!(seen["session_lifetime_minutes"], 15, "{seen}");
    assert_eq!(seen["forged_refused"], "SignatureError", "{seen}");
    assert!(
        !idp.logs().contains(&cookie),
        "a session cookie value reached the log"
    );
}

#[test]
fn a_session_for_an_unknown_service_provider_is_refused() {
    // The identity provider knows only the site it was configured for.
    let Some(idp) = PySamlIdp::builder()
        .sp(
            "http://other.test/saml/metadata",
            "http://other.test/saml/saml_acs",
        )
        .start_or_skip()
    else {
        return;
    };
    let cookie = idp.new_session(LOGIN);
    let panic = std::panic::catch_unwind(|| check(&idp, "http://127.0.0.1:8000", &cookie, &[]))
        .expect_err("a request from an unknown service provider was answered");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("HTTP 400"), "{message}");
    assert_eq!(idp.stats().responses, 0);
}

#[test]
fn metadata_that_cannot_be_fetched_fails_the_start_with_the_log() {
    // Port 9 (discard) on loopback: nothing listens there in a test run.
    let Err(panic) = std::panic::catch_unwind(|| {
        PySamlIdp::builder()
            .sp_metadata("http://127.0.0.1:9/saml/metadata")
            .start_or_skip()
    }) else {
        // Started, or reported skipped (pysaml2 or xmlsec1 missing).
        return;
    };
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("did not start"), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
}
