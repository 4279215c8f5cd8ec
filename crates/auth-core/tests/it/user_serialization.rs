//! The `user_serialization` vectors: building users, `serialize_user` byte for byte in both
//! formats, and `deserialize_user` on Python's payloads and on hand-made ones.

use serde_json::{Value, json};
use tk_auth_core::{
    Error, Format, ScriptUser, Secret, SessionUser, User, UserPayload, deserialize_payload,
    deserialize_user, serialize_user,
};

use crate::fixtures;

/// The user as the vectors describe one (`returns` of a deserialize, `user` of a build).
pub(crate) fn describe(user: &User) -> Value {
    let to_dict: Value = serde_json::from_str(&serialize_user(user, Format::Json)).unwrap();
    let mut described = json!({
        "class": user.class().unwrap().as_str(),
        "impl_class": user.impl_type(),
        "host": user.host(),
        "login": user.login(),
        "http_proxy": user.http_proxy(),
        "to_dict": to_dict["data"],
        "str": user.to_string(),
        "repr": user.repr(),
    });
    match user {
        User::Session(u) => {
            described["session_token"] = json!(u.session_token().expose());
            described["session_metadata"] = json!(u.session_metadata().map(Secret::expose));
        }
        User::Script(u) => {
            described["api_script"] = json!(u.api_script());
            described["api_key"] = json!(u.api_key().expose());
        }
    }
    described
}

fn build(inputs: &Value) -> Result<User, Error> {
    let args = &inputs["args"];
    let text = |key: &str| args[key].as_str().unwrap_or_default().to_owned();
    let proxy = args["http_proxy"].as_str().map(str::to_owned);
    match inputs["constructor"].as_str().unwrap() {
        "create_session_user" => {
            Ok(
                SessionUser::new(text("host"), text("login"), text("session_token"))?
                    .with_http_proxy(proxy)
                    .with_session_metadata(args["session_metadata"].as_str().map(Secret::from))
                    .into(),
            )
        }
        "create_script_user" => {
            Ok(
                ScriptUser::new(text("host"), text("api_script"), text("api_key"))?
                    .with_http_proxy(proxy)
                    .into(),
            )
        }
        other => panic!("unknown constructor {other}"),
    }
}

/// Checks a Python exception against ours: same family, and the same message where Python's
/// message does not embed a Python `repr()` of the payload (which would show the secrets).
fn assert_raises_like(id: &str, expected: &Value, actual: &Error) {
    let python_type = expected["type"].as_str().unwrap();
    let message = expected["message"].as_str().unwrap();
    let text = actual.to_string();
    match python_type {
        "IncompleteCredentials" => {
            assert!(
                matches!(actual, Error::IncompleteCredentials(_)),
                "{id}: {actual:?}"
            );
            assert_eq!(text, message, "{id}");
            assert!(actual.is_shotgun_authentication_error());
        }
        "Exception" => {
            assert!(
                matches!(actual, Error::InvalidUserType(_)),
                "{id}: {actual:?}"
            );
            assert!(text.starts_with("Could not deserialize PTR user. Invalid user type: "));
        }
        "UnpicklingError" => {
            assert!(
                matches!(actual, Error::InvalidPayload(_)),
                "{id}: {actual:?}"
            );
            let text = fixtures::chain(actual);
            assert!(text.contains(message), "{id}: {text} lacks {message}");
        }
        "KeyError" | "JSONDecodeError" | "IndexError" => {
            assert!(
                matches!(actual, Error::InvalidPayload(_)),
                "{id}: {actual:?}"
            );
        }
        other => panic!("{id}: unexpected Python exception {other}"),
    }
}

fn check_deserialize(id: &str, payload: &str, expected: &Value) {
    match deserialize_user(payload) {
        Ok(user) => assert_eq!(describe(&user), expected["returns"], "{id}"),
        Err(e) => panic!("{id}: {e}"),
    }
}

#[test]
fn every_user_serialization_vector_matches_python() {
    let cases = fixtures::cases("user_serialization");
    assert_eq!(cases.len(), 34);
    let (mut roundtrips, mut accepted, mut rejected) = (0, 0, 0);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let expected = &case["expected"];
        match case["kind"].as_str().unwrap() {
            "roundtrip" => {
                let user = match build(&case["inputs"]) {
                    Ok(user) => user,
                    Err(e) => {
                        assert_raises_like(id, &expected["build"]["raises"], &e);
                        roundtrips += 1;
                        continue;
                    }
                };
                assert_eq!(describe(&user), expected["build"]["user"], "{id}");
                for (format, key) in [(Format::Pickle, "pickle"), (Format::Json, "json")] {
                    let want = fixtures::read(&format!(
                        "user_serialization/{}",
                        expected[key]["payload_file"]["file"].as_str().unwrap()
                    ));
                    let payload = serialize_user(&user, format);
                    assert_eq!(payload.as_bytes(), want.as_slice(), "{id} {key}");
                    check_deserialize(id, &payload, &expected[key]["deserialize"]);
                    assert_eq!(deserialize_user(&payload).unwrap(), user, "{id} {key}");
                    // Python's payload, handed over as bytes, reads as the same user and
                    // is written again byte for byte.
                    let reread = deserialize_user(&want).unwrap();
                    assert_eq!(reread, user, "{id} {key} bytes");
                    assert_eq!(
                        expected[key]["deserialize"]["reserialized_identical"], true,
                        "{id} {key}"
                    );
                    assert_eq!(
                        serialize_user(&reread, format).as_bytes(),
                        want.as_slice(),
                        "{id} {key} reserialized"
                    );
                }
                roundtrips += 1;
            }
            "deserialize" => {
                let payload = case["inputs"]["payload"].as_str().unwrap();
                assert_eq!(case["inputs"]["payload_type"], "str");
                if id == "accept_json_missing_token_found_in_cache" {
                    check_token_left_to_the_cache(payload, &expected["returns"]);
                    accepted += 1;
                } else if expected.get("returns").is_some() {
                    check_deserialize(id, payload, expected);
                    accepted += 1;
                } else {
                    let e = deserialize_user(payload).unwrap_err();
                    assert_raises_like(id, &expected["raises"], &e);
                    rejected += 1;
                }
            }
            other => panic!("{id}: unknown kind {other}"),
        }
    }
    assert_eq!((roundtrips, accepted, rejected), (14, 5, 15));
}

/// Python fills a missing token from the session cache while deserializing; here reading
/// never touches files, so the payload comes back without a token and the caller (the
/// façade, which owns the cache) completes it.
fn check_token_left_to_the_cache(payload: &str, expected: &Value) {
    let e = deserialize_user(payload).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Incomplete credentials: missing session_token"
    );
    let UserPayload::Session(mut description) = deserialize_payload(payload).unwrap() else {
        panic!("a session user payload");
    };
    assert_eq!(description.session_token, None);
    assert_eq!(description.login, expected["login"].as_str().unwrap());
    let cached = expected["session_token"].as_str().unwrap();
    description.session_token = Some(Secret::from(cached));
    let user = description.into_user().unwrap();
    assert_eq!(&describe(&User::from(user)), expected);
}

#[test]
fn json_given_as_bytes_is_accepted() {
    let payload = br#"{"type": "ScriptUser", "data": {"host": "https://h", "api_script": "s", "api_key": "k", "http_proxy": null}}"#;
    let user = deserialize_user(payload).unwrap();
    assert_eq!(user.repr(), "<ScriptUser s @ https://h>");
}
