//! The assertion consumer accepts a Response that answers a request the site issued, for
//! the site, in time, about a user; anything else is refused with a 403 saying what.

use std::time::Duration;

use base64::Engine as _;
use tk_auth_site_emulator::SiteEmulator;

use crate::sso::saml_site;
use crate::sso_browser::Browser;

type Mutation = Box<dyn Fn(&str) -> String>;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A genuine Response from the emulator's identity provider, not yet posted: the XML and
/// the `RelayState`.
async fn genuine(site: &SiteEmulator, browser: &mut Browser) -> (String, String) {
    let pages = browser
        .run(&format!("{}/auth/renew?product=t", site.url()), 3)
        .await;
    let (_, fields) = pages.last().unwrap().form().unwrap();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).unwrap().1.clone();
    let xml = String::from_utf8(B64.decode(field("SAMLResponse")).unwrap()).unwrap();
    (xml, field("RelayState"))
}

async fn post(site: &SiteEmulator, browser: &mut Browser, response: &str) -> (u16, String) {
    let fields = [
        ("SAMLResponse".to_owned(), response.to_owned()),
        ("RelayState".to_owned(), "x".to_owned()),
    ];
    let page = browser
        .post(&format!("{}/saml/saml_acs", site.url()), &fields)
        .await;
    (page.status, page.body)
}

fn attribute(xml: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let start = xml.find(&key).unwrap() + key.len();
    xml[start..start + xml[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn wrong_responses_are_refused_with_the_reason() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let entity = format!("{}/saml/metadata", site.url());
    let acs = format!("{}/saml/saml_acs", site.url());
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "unknown request",
            Box::new(|x: &str| {
                x.replace(
                    &format!("InResponseTo=\"{}\"", attribute(x, "InResponseTo")),
                    "InResponseTo=\"_nope\"",
                )
            }),
            "did not issue",
        ),
        (
            "wrong audience",
            Box::new(move |x: &str| {
                x.replace(
                    &format!("<saml:Audience>{entity}"),
                    "<saml:Audience>https://other.example.net/sp",
                )
            }),
            "Audience",
        ),
        (
            "failed status",
            Box::new(|x: &str| x.replace("status:Success", "status:Requester")),
            "status urn:oasis:names:tc:SAML:2.0:status:Requester",
        ),
        (
            "wrong destination",
            Box::new(move |x: &str| {
                x.replace(
                    &format!("Destination=\"{acs}\""),
                    "Destination=\"https://evil.example.net/acs\"",
                )
            }),
            "Destination",
        ),
        (
            "unknown person",
            Box::new(|x: &str| x.replace(">alice</saml:NameID>", ">mallory</saml:NameID>")),
            "no active user",
        ),
        ("not XML", Box::new(|_: &str| "<oops".to_owned()), "not XML"),
    ];
    for (what, mutate, reason) in &cases {
        let (xml, _) = genuine(&site, &mut browser).await;
        let (status, body) = post(&site, &mut browser, &B64.encode(mutate(&xml))).await;
        assert_eq!(status, 403, "{what}: {body}");
        assert!(body.contains(reason), "{what}: {body}");
    }
    let (status, body) = post(&site, &mut browser, "%%% not base64").await;
    assert!(status == 403 && body.contains("base64"), "{body}");
    let page = browser
        .post(&format!("{}/saml/saml_acs", site.url()), &[])
        .await;
    assert!(page.status == 403 && page.body.contains("no SAMLResponse"));

    // A genuine one is accepted once; its replay is refused.
    let (xml, _) = genuine(&site, &mut browser).await;
    assert_eq!(post(&site, &mut browser, &B64.encode(&xml)).await.0, 302);
    let (status, body) = post(&site, &mut browser, &B64.encode(&xml)).await;
    assert!(status == 403 && body.contains("already answered"), "{body}");
    let stats = site.sso_stats();
    assert_eq!(
        (stats.assertions_consumed, stats.assertions_refused),
        (1, 9)
    );
}

#[tokio::test]
async fn a_late_response_is_refused_by_the_site_clock() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    browser.load_jar(&site.web_login_cookies("alice").unwrap());
    let (xml, _) = genuine(&site, &mut browser).await;
    site.advance_clock(Duration::from_mins(10));
    let (status, body) = post(&site, &mut browser, &B64.encode(&xml)).await;
    assert!(status == 403 && body.contains("NotOnOrAfter"), "{body}");
}

#[tokio::test]
async fn a_response_shaped_as_a_saml_library_writes_it_is_accepted() {
    let site = saml_site();
    let mut browser = Browser::for_site(&site);
    let (ours, _) = {
        browser.load_jar(&site.web_login_cookies("alice").unwrap());
        genuine(&site, &mut browser).await
    };
    let request_id = attribute(&ours, "InResponseTo");
    let acs = format!("{}/saml/saml_acs", site.url());
    let entity = format!("{}/saml/metadata", site.url());
    // Other prefixes, a (not checked) signature, fractional seconds, an e-mail NameID in
    // another case, wrapped base64: as pysaml2 writes it.
    let xml = format!(
        r#"<?xml version='1.0' encoding='UTF-8'?>
<ns0:Response xmlns:ns0="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:ns1="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ns2="http://www.w3.org/2000/09/xmldsig#" Destination="{acs}" ID="id-a1b2" InResponseTo="{request_id}" IssueInstant="2026-01-01T00:00:00.000Z" Version="2.0"><ns1:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">https://idp.example.net/idp.xml</ns1:Issuer><ns0:Status><ns0:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></ns0:Status><ns1:Assertion ID="id-c3d4" IssueInstant="2026-01-01T00:00:00Z" Version="2.0"><ns1:Issuer>https://idp.example.net/idp.xml</ns1:Issuer><ns2:Signature Id="Signature1"><ns2:SignedInfo/><ns2:SignatureValue>AAAA</ns2:SignatureValue></ns2:Signature><ns1:Subject><ns1:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">ALICE@example.com</ns1:NameID><ns1:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><ns1:SubjectConfirmationData InResponseTo="{request_id}" NotOnOrAfter="2999-01-01T00:00:00.250Z" Recipient="{acs}"/></ns1:SubjectConfirmation></ns1:Subject><ns1:Conditions NotBefore="2026-01-01T00:00:00Z" NotOnOrAfter="2999-01-01T00:00:00Z"><ns1:AudienceRestriction><ns1:Audience>{entity}</ns1:Audience></ns1:AudienceRestriction></ns1:Conditions></ns1:Assertion></ns0:Response>"#
    );
    let encoded = B64.encode(xml);
    let wrapped: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let (status, body) = post(&site, &mut browser, &wrapped.join("\n")).await;
    assert_eq!(status, 302, "{body}");
    assert_eq!(site.sso_stats().assertions_consumed, 1);
}
