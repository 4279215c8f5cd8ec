//! Payloads made to exhaust time or memory are refused in bounded work
//! (`tests/fixtures/hostile-pickles`, and inputs built here).

use std::sync::mpsc;
use std::time::Duration;

use tk_auth_core::{Error, PayloadError, deserialize_user};

use crate::fixtures;

fn hostile(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile-pickles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Decodes on another thread so that a reader that never finishes fails the test instead of
/// hanging it. The limit is generous: the point is "finishes", not "is fast".
fn decode_within_a_minute(payload: Vec<u8>) -> Result<tk_auth_core::User, Error> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(deserialize_user(&payload));
    });
    receive
        .recv_timeout(Duration::from_mins(1))
        .expect("decoding finished")
}

fn refusal(result: Result<tk_auth_core::User, Error>) -> String {
    let e = result.expect_err("the payload is refused");
    assert!(
        matches!(e, Error::InvalidPayload(PayloadError::Pickle(_))),
        "{e:?}"
    );
    fixtures::chain(&e)
}

#[test]
fn a_tuple_key_with_two_to_the_64_paths_is_refused_in_bounded_time() {
    let payload = hostile("tuple_dag_key.pickle0");
    assert!(payload.len() < 1000);
    let text = refusal(decode_within_a_minute(payload.clone()));
    assert!(
        text.contains("values once its shared references are copied"),
        "{text}"
    );
    // As text too, the way an environment variable holds it.
    let text = String::from_utf8(payload).unwrap();
    let text = refusal(decode_within_a_minute(text.into_bytes()));
    assert!(text.contains("values"), "{text}");
}

#[test]
fn memo_references_are_charged_for_every_copy_of_a_string() {
    // 140 KB naming one 60 KB string 20,000 times: 1.2 GB once copied.
    let payload = hostile("memo_string_blowup.pickle0");
    let text = refusal(decode_within_a_minute(payload));
    assert!(
        text.contains("bytes of text once its shared references are copied"),
        "{text}"
    );
}

#[test]
fn a_payload_over_one_mebibyte_is_refused_before_it_is_read() {
    let user = r#"{"type": "SessionUser", "data": {"host": "https://h", "login": "l", "session_token": "t"}}"#;
    // Trailing whitespace is valid JSON: padded to exactly 1 MiB it is read.
    let mut padded = user.to_owned();
    padded.push_str(&" ".repeat((1 << 20) - user.len()));
    assert!(deserialize_user(padded.as_str()).is_ok());
    padded.push(' ');
    let e = deserialize_user(padded.as_str()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidPayload(PayloadError::TooLarge {
                size: 1_048_577,
                limit: 1_048_576
            })
        ),
        "{e:?}"
    );
    assert_eq!(
        fixtures::chain(&e),
        "invalid user payload: the payload is 1048577 bytes long; payloads of more than 1048576 bytes are refused"
    );
    // A pickle too.
    let pickle = vec![b'N'; (1 << 20) + 1];
    let e = deserialize_user(&pickle).unwrap_err();
    assert!(
        matches!(e, Error::InvalidPayload(PayloadError::TooLarge { .. })),
        "{e:?}"
    );
}

#[test]
fn integer_literals_with_two_signs_are_refused_as_python_refuses_them() {
    for literal in ["I--5", "I-+5", "L--5L", "I0x-5", "I1_000_", "I\u{665}"] {
        let payload = format!("(dp0\nVtype\np1\n{literal}\ns.");
        let e = deserialize_user(payload.as_str()).unwrap_err();
        assert!(
            fixtures::chain(&e).contains("invalid literal for int()"),
            "{literal}: {}",
            fixtures::chain(&e)
        );
    }
}

#[test]
fn a_dict_with_many_keys_is_read_whole_with_the_last_value_for_a_repeated_key() {
    let mut payload = b"(dp0\nVtype\nVSessionUser\nsVdata\n(d".to_vec();
    for i in 0..20_000 {
        payload.extend(format!("Vk{i}\nI{i}\ns").as_bytes());
    }
    payload.extend(b"Vhost\nVhttps://h\nsVlogin\nVl\nsVsession_token\nVold\ns");
    payload.extend(b"Vsession_token\nVnew\nss.");
    let user = deserialize_user(&payload).unwrap();
    let tk_auth_core::User::Session(user) = user else {
        panic!("a session user")
    };
    assert_eq!(user.session_token().expose(), "new");
}

#[test]
fn sixty_thousand_nan_keys_are_read_in_bounded_work_and_refused_for_their_size() {
    // Each NaN its own object and its own key, as in Python (Decision 15); 60,001 keys
    // copied twice are past the value budget. The key comparisons per key are counted by
    // the reader's own tests (`pickle_read::key_tests`).
    for name in ["nan_keys.pickle0", "nan_tuple_keys.pickle0"] {
        let text = refusal(decode_within_a_minute(hostile(name)));
        assert!(
            text.contains("values once its shared references are copied"),
            "{name}: {text}"
        );
    }
}

#[test]
fn frozenset_and_large_integer_keys_are_read_and_the_user_kept() {
    // One frozenset in 720 orders (one key), integers past 2^53 (1,001 keys): the unknown
    // `extra` entry is read and the user kept.
    for name in ["frozenset_orders.pickle", "large_int_keys.pickle0"] {
        let user = decode_within_a_minute(hostile(name))
            .unwrap_or_else(|e| panic!("{name}: {}", fixtures::chain(&e)));
        assert_eq!(user.login(), Some("jdoe"), "{name}");
    }
}
