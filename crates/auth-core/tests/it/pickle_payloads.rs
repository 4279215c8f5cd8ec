//! Pickle payloads beyond the shared vectors: the ISO-8859-1 fallback, protocols 2–5,
//! Python 2 strings, and hostile pickles (`tests/fixtures/python-pickle`).

use base64::Engine as _;
use serde_json::Value;
use tk_auth_core::{Error, Format, Secret, SessionUser, User, deserialize_user, serialize_user};

use crate::fixtures;

fn cases(kind: &str) -> Vec<Value> {
    let all = fixtures::json_at("python-pickle/cases.json");
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect()
}

fn blob(case: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(case["payload_b64"].as_str().unwrap())
        .unwrap()
}

#[test]
fn pickle_payloads_match_python_including_the_latin1_fallback() {
    let cases = cases("serialize");
    assert_eq!(cases.len(), 4);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let u = &case["user"];
        let user = User::from(
            SessionUser::new(
                u["host"].as_str().unwrap(),
                u["login"].as_str().unwrap(),
                u["session_token"].as_str().unwrap(),
            )
            .unwrap(),
        );
        let payload = serialize_user(&user, Format::Pickle);
        assert_eq!(payload, case["payload"].as_str().unwrap(), "{id}");
        assert_eq!(deserialize_user(&payload).unwrap(), user, "{id}");
    }
}

#[test]
fn other_protocols_and_python2_strings_are_read() {
    let cases = cases("deserialize");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let user = deserialize_user(&blob(&case)).unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = &case["user"];
        assert_eq!(user.impl_type(), want["type"], "{id}");
        assert_eq!(user.host(), want["host"], "{id}");
        assert_eq!(user.http_proxy(), want["http_proxy"].as_str(), "{id}");
        match user {
            User::Session(u) => {
                assert_eq!(u.login(), want["login"], "{id}");
                assert_eq!(u.session_token().expose(), want["session_token"], "{id}");
            }
            User::Script(u) => {
                assert_eq!(u.api_script(), want["api_script"], "{id}");
                assert_eq!(u.api_key().expose(), want["api_key"], "{id}");
            }
        }
    }
}

#[test]
fn hostile_pickles_are_refused_and_nothing_runs() {
    let marker = std::path::Path::new("/tmp/tk-auth-hostile-pickle-ran");
    let _ = std::fs::remove_file(marker);
    let cases = cases("hostile");
    assert_eq!(cases.len(), 10);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let bytes = blob(&case);
        let e = deserialize_user(&bytes).unwrap_err();
        assert!(matches!(e, Error::InvalidPayload(_)), "{id}: {e:?}");
        assert!(
            fixtures::chain(&e).contains("would build or call an object"),
            "{id}: {e}"
        );
        // As text (how an environment variable holds it) it is refused too.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let e = deserialize_user(&text).unwrap_err();
        assert!(matches!(e, Error::InvalidPayload(_)), "{id}: {e:?}");
    }
    assert!(!marker.exists(), "a hostile pickle ran");
}

#[test]
fn latin1_payloads_handed_over_as_bytes_read_the_same() {
    // The bytes Python's pickle wrote before the str round trip (Latin-1 encoded).
    let user = User::from(SessionUser::new("h", "caf\u{e9}", Secret::from("t\u{f8}k")).unwrap());
    let payload = serialize_user(&user, Format::Pickle);
    let wire: Vec<u8> = payload
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert_eq!(deserialize_user(&wire).unwrap(), user);
}
