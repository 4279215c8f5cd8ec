//! Secrets never reach `Debug`, `Display`, error texts or logs.

use base64::Engine as _;
use tk_auth_core::cookies::{
    get_csrf_key, get_saml_claims_expiration, get_session_expiration, get_user_name,
};
use tk_auth_core::{
    Error, HttpProxy, ScriptUser, Secret, SessionUser, User, deserialize_user,
    redact_proxy_password, sanitize_http_proxy,
};

const TOKEN: &str = "canary-token-5e1f";
const KEY: &str = "canary-key-77ab";
const PROXY_PASSWORD: &str = "canary-proxy-pw-0c3d";
const COOKIE: &str = "canary-cookie-9d2e";

fn assert_clean(text: &str) {
    for canary in [TOKEN, KEY, PROXY_PASSWORD, COOKIE] {
        assert!(!text.contains(canary), "{canary} leaked into: {text}");
    }
}

fn metadata() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!(
        "_session_id={COOKIE}; domain=a.com\r\nshotgun_current_session_expiration=12"
    ))
}

#[test]
fn users_never_show_their_secrets() {
    let proxy = format!("bob:{PROXY_PASSWORD}@proxy:3128");
    let session: User = SessionUser::new("https://h", "jdoe", TOKEN)
        .unwrap()
        .with_http_proxy(Some(proxy.clone()))
        .with_session_metadata(Some(Secret::new(metadata())))
        .into();
    let script: User = ScriptUser::new("https://h", "robot", KEY)
        .unwrap()
        .with_http_proxy(Some(proxy))
        .into();
    for user in [&session, &script] {
        assert_clean(&format!("{user:?}"));
        assert_clean(&format!("{user:#?}"));
        assert_clean(&user.to_string());
        assert_clean(&user.repr());
    }
    // The metadata itself is secret too: its base64 must not appear either.
    assert!(!format!("{session:?}").contains(&metadata()));
}

#[test]
fn errors_never_show_secrets() {
    let metadata = metadata();
    let payloads = [
        format!(
            r#"{{"type": "HumanUser", "data": {{"host": "h", "login": "l", "session_token": "{TOKEN}"}}}}"#
        ),
        format!(
            r#"{{"type": "SessionUser", "data": {{"login": "l", "session_token": "{TOKEN}", "session_metadata": "{metadata}"}}}}"#
        ),
        format!(r#"{{"type": "ScriptUser", "data": {{"host": "h", "api_key": "{KEY}"}}}}"#),
        format!(r#"{{"type": "SessionUser", "data": {{"host": "h", "session_token": "{TOKEN}"#),
        format!(r#"{{"type": "SessionUser", "data": "{TOKEN}"}}"#),
        format!("(dp0\nVtype\np1\nVSessionUser\np2\nsVdata\np3\nV{TOKEN}\np4\ns."),
        format!("(dp0\nVsession_token\np1\nV{TOKEN}\np2\ncos\nsystem\n"),
        format!("(dp0\nV{TOKEN}\\u12\n"),
        format!("S'{TOKEN}\\x4'\n."),
        format!("(dp0\nV{KEY}\np1\n"),
    ];
    let mut errors: Vec<Error> = payloads
        .iter()
        .map(|p| deserialize_user(p.as_str()).unwrap_err())
        .collect();
    let two_sites = base64::engine::general_purpose::STANDARD.encode(format!(
        "csrf_token_u1={COOKIE}; domain=a.com\r\ncsrf_token_u2={COOKIE}; domain=b.com\r\nshotgun_sso_session_userid_u1={COOKIE}"
    ));
    errors.push(get_csrf_key(Some(&two_sites)).unwrap_err());
    errors.push(get_user_name(Some(&two_sites)).unwrap_err());
    for bad in [
        format!("bob:{PROXY_PASSWORD}@proxy:port"),
        format!("bob:{PROXY_PASSWORD}@"),
        format!("http://bob:{PROXY_PASSWORD}@[::1"),
        format!("9x://bob:{PROXY_PASSWORD}@proxy"),
    ] {
        errors.push(HttpProxy::parse(&bad).unwrap_err());
    }
    assert_eq!(errors.len(), 16);
    for e in &errors {
        assert_clean(&crate::fixtures::chain(e));
        assert_clean(&format!("{e:?}"));
    }
}

#[test]
fn logs_never_show_cookies() {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let jars = [
        // Not base64 (bad padding), not UTF-8 once decoded, not ASCII.
        format!("{COOKIE}x"),
        base64::engine::general_purpose::STANDARD.encode(b"_session_id=\xff\xfe"),
        format!("\u{e9}{COOKIE}"),
        // Names Python's parser refuses, and an expiration that is not an integer.
        b64(&format!("_session_id={TOKEN}; {COOKIE}/x=1")),
        b64(&format!("_session_id={TOKEN}; ${COOKIE}=1")),
        b64(&format!(
            "csrf_token_u1={TOKEN}\r\nshotgun_current_session_expiration={COOKIE}\r\nshotgun_current_user_sso_claims_expiration={COOKIE}"
        )),
    ];
    let logs = tk_auth_test_support::logs_of(|| {
        for jar in &jars {
            let e = Some(jar.as_str());
            let _ = (get_csrf_key(e), get_user_name(e));
            let _ = (get_saml_claims_expiration(e), get_session_expiration(e));
            let user = SessionUser::new("https://h", "jdoe", TOKEN)
                .unwrap()
                .with_session_metadata(Some(Secret::new(jar.clone())));
            let _ = User::from(user).class();
        }
    });
    assert!(logs.contains("Unable to decode the cookies"), "{logs}");
    assert!(logs.contains("not an integer"), "{logs}");
    assert_clean(&logs);
}

/// Passwords holding every character that ends or splits credentials in a URL, as typed
/// and percent-encoded.
const URL_PASSWORDS: &[&str] = &[
    "canary://x",
    "x@canary://y",
    "canary:// x",
    "ca/nary",
    "ca?nary",
    "ca#nary",
    "ca%nary",
    "ca%3A%2F%2Fnary",
    "ca@nary",
    "ca:nary",
    "ca;nary",
    "ca nary",
    "cä nary ☃",
    "1/canary?#%@:x",
];

#[test]
fn passwords_holding_any_character_never_show_in_proxies_users_or_errors() {
    for password in URL_PASSWORDS {
        let hidden = |context: &str, text: &str| {
            assert!(
                !text.contains("nary"),
                "{context}: a password leaked: {text}"
            );
        };
        for proxy in [
            format!("bob:{password}@proxy:3128"),
            format!("http://bob:{password}@proxy:3128"),
            format!("bob:{password}@proxy:notaport"),
            format!("socks5://bob:{password}@"),
        ] {
            match HttpProxy::parse(&proxy) {
                Ok(parsed) => hidden(&proxy, &format!("{parsed} {parsed:?}")),
                Err(e) => hidden(&proxy, &format!("{e} {e:?}")),
            }
            hidden(&proxy, &format!("{:?}", sanitize_http_proxy(&proxy)));
            hidden(&proxy, &redact_proxy_password(&proxy));
            let host = format!("https://bob:{password}@site");
            let user: User = SessionUser::new(host, "jdoe", TOKEN)
                .unwrap()
                .with_http_proxy(Some(proxy.clone()))
                .into();
            hidden(&proxy, &format!("{user:?} {user:#?}"));
        }
    }
}
