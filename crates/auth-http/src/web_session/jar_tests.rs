//! The jar's rules, and its round trip through the Python Toolkit's stored form.

use reqwest::header::HeaderValue;
use tk_auth_core::cookies;

use super::*;

const SITE: &str = "site.studio.test";

fn encode(lines: &[&str]) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(lines.join("\r\n")))
}

fn decode(metadata: &Secret) -> Vec<String> {
    cookies::decode_cookies(Some(metadata.expose()))
        .expose()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A time before every expiry the fixtures hold.
fn then() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_600_000_000).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn sent(jar: &WebJar, to: &str) -> String {
    jar.header_for(&url(to))
        .map(|s| s.expose().to_owned())
        .unwrap_or_default()
}

fn set_cookies(lines: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in lines {
        headers.append(SET_COOKIE, HeaderValue::from_str(line).unwrap());
    }
    headers
}

fn stored_jar() -> WebJar {
    WebJar::load(
        &encode(&[
            "_session_id=s1; secure; HttpOnly; domain=site.studio.test; path=/",
            "sso=d1; secure; domain=.studio.test; path=/",
            "idp_session=i1; secure; HttpOnly; domain=idp.example.net; path=/idp",
            "old=gone; secure; expires=Thu, 01-Jan-2015 00:00:00 GMT; domain=site.studio.test; path=/",
            "bare=b1",
        ]),
        SITE,
        then(),
    )
}

#[test]
fn stored_cookies_go_where_their_domain_and_path_say() {
    let jar = stored_jar();
    let site = sent(&jar, "https://site.studio.test/auth/renew");
    for pair in ["_session_id=s1", "sso=d1", "bare=b1"] {
        assert!(site.contains(pair), "{site}");
    }
    assert!(
        !site.contains("idp_session") && !site.contains("old="),
        "{site}"
    );
    // A domain cookie goes to every host of the domain, a host-only one to its host alone.
    assert_eq!(sent(&jar, "https://login.studio.test/"), "sso=d1");
    assert_eq!(sent(&jar, "https://other.test/"), "");
    // Path and secure rules.
    assert_eq!(
        sent(&jar, "https://idp.example.net/idp/saml/sso"),
        "idp_session=i1"
    );
    assert_eq!(sent(&jar, "https://idp.example.net/saml"), "");
    assert_eq!(sent(&jar, "http://idp.example.net/idp/x"), "");
}

#[test]
fn the_jar_is_written_back_in_place_with_new_cookies_after_and_expired_ones_dropped() {
    let mut jar = stored_jar();
    let stored = jar.store_answer(
        &url("https://site.studio.test/auth/landing"),
        &set_cookies(&[
            "_session_id=s2; Path=/; Secure; HttpOnly",
            "fresh=f1; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
            "bare=; Max-Age=0; Path=/",
            "later=l1; Domain=studio.test; Path=/auth",
        ]),
    );
    assert_eq!(stored, ["_session_id", "fresh", "bare", "later"]);
    assert_eq!(
        decode(&jar.to_metadata(then())),
        [
            "_session_id=s2; secure; HttpOnly; domain=site.studio.test; path=/",
            "sso=d1; secure; domain=.studio.test; path=/",
            "idp_session=i1; secure; HttpOnly; domain=idp.example.net; path=/idp",
            "fresh=f1; expires=Fri, 01-Jan-2100 00:00:00 GMT; domain=site.studio.test; path=/",
            "later=l1; domain=.studio.test; path=/auth",
        ]
    );
    // Without a Path, a cookie belongs to the answering address's directory.
    jar.store_answer(
        &url("https://site.studio.test/saml/saml_login_request"),
        &set_cookies(&["pending=p1"]),
    );
    assert!(sent(&jar, "https://site.studio.test/saml/acs").contains("pending=p1"));
    assert!(!sent(&jar, "https://site.studio.test/auth/landing").contains("pending"));
    // At a later time, cookies expired by then are dropped.
    let far = OffsetDateTime::from_unix_timestamp(4_200_000_000).unwrap();
    assert!(
        !decode(&jar.to_metadata(far))
            .iter()
            .any(|l| l.starts_with("fresh="))
    );
}

#[test]
fn cookies_for_other_domains_and_single_labels_are_refused() {
    let mut jar = stored_jar();
    let from = url("https://idp.example.net/idp/saml/sso");
    let stored = jar.store_answer(
        &from,
        &set_cookies(&[
            "tracker=t-canary; Domain=studio.test",
            "wide=w-canary; Domain=net",
            "dotted=d-canary; Domain=.example.net; Path=/",
            "sub=s-canary; Domain=deeper.idp.example.net",
        ]),
    );
    assert_eq!(stored, ["dotted"]);
    assert!(!sent(&jar, "https://site.studio.test/").contains("tracker"));
    assert_eq!(sent(&jar, "https://www.example.net/"), "dotted=d-canary");
    // A single label that is the host itself makes a host-only cookie.
    let mut jar = stored_jar();
    let local = url("http://localhost:8000/");
    assert_eq!(
        jar.store_answer(&local, &set_cookies(&["l=1; Domain=localhost"])),
        ["l"]
    );
    assert_eq!(sent(&jar, "http://localhost:8000/x"), "l=1");
    // An IP address matches only itself.
    let ip = url("http://127.0.0.1:8000/");
    assert!(
        jar.store_answer(&ip, &set_cookies(&["n=1; Domain=0.0.1"]))
            .is_empty()
    );
}

#[test]
fn the_refusal_log_names_the_cookie_and_never_its_value() {
    let mut jar = stored_jar();
    let (_, logs) = tk_auth_test_support::logs_with(|| {
        jar.store_answer(
            &url("https://idp.example.net/"),
            &set_cookies(&["tracker=t-canary; Domain=studio.test", "=novalue-canary"]),
        )
    });
    assert!(logs.contains("tracker"), "{logs}");
    assert!(!logs.contains("canary"), "{logs}");
}

#[test]
fn lines_that_are_not_cookies_are_kept_and_duplicates_read_as_one() {
    let metadata = encode(&[
        "not a cookie at all",
        "a=1; domain=site.studio.test; path=/",
        "a=2; domain=site.studio.test; path=/",
    ]);
    let jar = WebJar::load(&metadata, SITE, then());
    assert_eq!(sent(&jar, "https://site.studio.test/"), "a=2");
    assert_eq!(
        decode(&jar.to_metadata(then())),
        [
            "not a cookie at all",
            "a=2; domain=site.studio.test; path=/"
        ]
    );
    assert!(WebJar::load(&Secret::new("%%%"), SITE, then()).is_empty());
}

/// Every jar of the Python vectors reads back the same through the cookie helpers once
/// loaded and written by this jar; a jar the renewal did not touch is written line for
/// line as it was.
#[test]
fn the_python_vectors_round_trip() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../auth-core/tests/fixtures/python-compat/cookies"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/manifest.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for case in manifest["cases"].as_array().unwrap() {
        let Some(encoded) = case["inputs"]["encoded_cookies"].as_str() else {
            continue;
        };
        let id = case["id"].as_str().unwrap();
        let original = Secret::new(encoded);
        let written =
            WebJar::load(&original, "mysite.shotgunstudio.com", then()).to_metadata(then());
        let answers = |m: &Secret| {
            let e = Some(m.expose());
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                cookies::get_session_id(e).map(|s| s.expose().to_owned()),
                cookies::get_saml_claims_expiration(e),
                cookies::get_session_expiration(e),
                cookies::get_user_name(e),
                cookies::get_csrf_token(e).map(|t| t.map(|s| s.expose().to_owned())),
                cookies::get_csrf_key(e),
            )
        };
        assert_eq!(answers(&written), answers(&original), "{id}");
        let lines = |m: &Secret| {
            cookies::decode_cookies(Some(m.expose()))
                .expose()
                .split(['\r', '\n'])
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&written), lines(&original), "{id}");
        checked += 1;
    }
    assert!(checked >= 15, "{checked} vectors");
}
