//! Property tests: payloads round-trip for any user, and no input makes anything panic.

use base64::Engine as _;
use proptest::prelude::*;
use tk_auth_core::Site;
use tk_auth_core::cookies::{
    get_csrf_key, get_csrf_token, get_saml_claims_expiration, get_session_expiration,
    get_session_id, get_user_name, has_sso_info_in_cookies, has_unified_login_flow_info_in_cookies,
};

fn site_folder_name(host: &str) -> String {
    Site::new(host).folder_name()
}

fn legacy_site_folder_name(host: &str) -> String {
    Site::new(host).legacy_folder_name()
}
use tk_auth_core::{
    Format, HttpProxy, ScriptUser, Secret, SessionUser, User, deserialize_user,
    sanitize_http_proxy, sanitize_url, serialize_user,
};

fn text() -> impl Strategy<Value = String> {
    // Any Unicode scalar, weighted towards the characters the formats escape.
    prop_oneof![
        ".{1,24}",
        "[\\\\\"'\n\r\t\0\u{1a}\u{7f}\u{80}-\u{ff}a-z]{1,12}",
        "[\u{100}-\u{10ffff}]{1,6}",
    ]
}

fn user() -> impl Strategy<Value = User> {
    let proxy = proptest::option::of(prop_oneof![text(), Just(String::new())]);
    prop_oneof![
        (
            text(),
            text(),
            text(),
            proxy.clone(),
            proptest::option::of(prop_oneof![text(), Just(String::new())])
        )
            .prop_map(|(host, login, token, proxy, metadata)| {
                SessionUser::new(host, login, token)
                    .unwrap()
                    .with_http_proxy(proxy)
                    .with_session_metadata(metadata.map(Secret::new))
                    .into()
            }),
        (text(), text(), text(), proxy).prop_map(|(host, script, key, proxy)| {
            ScriptUser::new(host, script, key)
                .unwrap()
                .with_http_proxy(proxy)
                .into()
        }),
    ]
}

/// Pieces of pickles, so that random programs get past the first opcode.
fn pickle_program() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"(".to_vec()),
        Just(b"d".to_vec()),
        Just(b"}".to_vec()),
        Just(b"]".to_vec()),
        Just(b"l".to_vec()),
        Just(b"t".to_vec()),
        Just(b"s".to_vec()),
        Just(b"u".to_vec()),
        Just(b"a".to_vec()),
        Just(b"e".to_vec()),
        Just(b"0".to_vec()),
        Just(b"1".to_vec()),
        Just(b"2".to_vec()),
        Just(b"N".to_vec()),
        Just(b".".to_vec()),
        Just(b"\x85".to_vec()),
        Just(b"\x8f".to_vec()),
        Just(b"\x90".to_vec()),
        Just(b"\x91".to_vec()),
        Just(b"\x94".to_vec()),
        Just(b"Vtype\n".to_vec()),
        Just(b"VSessionUser\n".to_vec()),
        Just(b"Vdata\n".to_vec()),
        Just(b"Vhost\n".to_vec()),
        Just(b"Vlogin\n".to_vec()),
        Just(b"Vsession_token\n".to_vec()),
        Just(b"V\\u00e9\\U0001f600\n".to_vec()),
        Just(b"S'a\\x41\\101'\n".to_vec()),
        Just(b"I01\n".to_vec()),
        Just(b"I-12\n".to_vec()),
        Just(b"L99999999999999999999999999999999999999999L\n".to_vec()),
        Just(b"F1.5\n".to_vec()),
        (0u8..8).prop_map(|i| format!("p{i}\n").into_bytes()),
        (0u8..8).prop_map(|i| format!("g{i}\n").into_bytes()),
        (0u8..8).prop_map(|i| vec![b'q', i]),
        (0u8..8).prop_map(|i| vec![b'h', i]),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| {
            let mut v = vec![0x8c, u8::try_from(b.len()).unwrap()];
            v.extend(b);
            v
        }),
        proptest::collection::vec(any::<u8>(), 0..10),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| {
        let mut program = b"\x80\x04".to_vec();
        program.extend(pieces.into_iter().flatten());
        program
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn serialize_then_deserialize_is_the_identity(user in user()) {
        for format in [Format::Json, Format::Pickle] {
            let payload = serialize_user(&user, format);
            prop_assert_eq!(&deserialize_user(&payload).unwrap(), &user);
            // As bytes, a payload is its UTF-8 encoding, except one written with the
            // ISO-8859-1 fallback, whose bytes are the Latin-1 ones Python's pickle wrote.
            let bytes: Vec<u8> = if payload.contains("V_payload_encoding\n") {
                payload.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect()
            } else {
                payload.as_bytes().to_vec()
            };
            prop_assert_eq!(&deserialize_user(&bytes).unwrap(), &user);
        }
    }

    #[test]
    fn deserialize_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = deserialize_user(&bytes);
        let _ = deserialize_user(String::from_utf8_lossy(&bytes).as_ref());
    }

    #[test]
    fn deserialize_never_panics_on_pickle_programs(program in pickle_program()) {
        let _ = deserialize_user(&program);
        let mut protocol0 = program[2..].to_vec();
        protocol0.push(b'.');
        let _ = deserialize_user(&protocol0);
    }

    #[test]
    fn cookie_helpers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), raw in ".{0,64}") {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let jar_text = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for input in [encoded.as_str(), jar_text.as_str(), lossy.as_str(), raw.as_str()] {
            let e = Some(input);
            let _ = get_saml_claims_expiration(e);
            let _ = get_session_expiration(e);
            let _ = get_user_name(e);
            let _ = get_session_id(e);
            let _ = get_csrf_token(e);
            let _ = get_csrf_key(e);
            let _ = has_sso_info_in_cookies(e);
            let _ = has_unified_login_flow_info_in_cookies(e);
        }
    }

    #[test]
    fn url_and_proxy_functions_never_panic(s in ".{0,64}") {
        let _ = sanitize_url(&s);
        let _ = site_folder_name(&s);
        let _ = legacy_site_folder_name(&s);
        let p = sanitize_http_proxy(&s);
        let _ = (p.hostname(), p.port(), p.username(), p.password(), p.geturl());
        if let Ok(proxy) = HttpProxy::parse(&s) {
            let _ = (proxy.to_url(), proxy.to_string());
        }
    }
}
