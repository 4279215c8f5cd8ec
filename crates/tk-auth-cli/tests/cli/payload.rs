//! `tk-auth payload decode|encode` on the Python-generated payloads.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// The Python-generated payload vectors (see `tests/fixtures/python-compat/NOTE.md`).
fn vectors() -> PathBuf {
    tk_auth_test_support::fixture(
        env!("CARGO_MANIFEST_DIR"),
        "python-compat/user_serialization",
    )
}

fn tk_auth() -> Command {
    Command::cargo_bin("tk-auth").expect("the tk-auth binary is built")
}

/// Every payload file Python wrote, with its case id and format.
fn payload_files() -> Vec<(String, &'static str, PathBuf)> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(vectors().join("manifest.json")).unwrap()).unwrap();
    let mut files = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        for format in ["json", "pickle"] {
            if let Some(file) = case["expected"][format]["payload_file"]["file"].as_str() {
                let id = case["id"].as_str().unwrap().to_owned();
                files.push((id, format, vectors().join(file)));
            }
        }
    }
    files
}

fn decode(path: &PathBuf, show_secrets: bool) -> Value {
    let mut cmd = tk_auth();
    cmd.args(["payload", "decode"]).arg(path);
    if show_secrets {
        cmd.arg("--show-secrets");
    }
    let output = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).expect("decode prints one JSON object")
}

#[test]
fn encode_of_decode_reproduces_every_python_payload_byte_for_byte() {
    let files = payload_files();
    assert_eq!(files.len(), 28, "14 round-trip cases in two formats");
    for (id, format, path) in files {
        let described = decode(&path, true);
        let payload = tk_auth()
            .args(["payload", "encode", "--format", format])
            .write_stdin(serde_json::to_vec(&described).unwrap())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_eq!(payload, std::fs::read(&path).unwrap(), "{id} {format}");
    }
}

#[test]
fn decode_describes_the_user_and_its_cookies() {
    let described = decode(&vectors().join("payloads/session_saml_sso.json"), true);
    assert_eq!(described["type"], "SessionUser");
    assert_eq!(described["class"], "ShotgunSamlUser");
    assert_eq!(described["login"], "jane.doe@example.com");
    assert_eq!(described["str"], "jane.doe@example.com");
    assert_eq!(
        described["repr"],
        "<SessionUser jane.doe@example.com @ https://mysite.shotgunstudio.com>"
    );
    assert_eq!(described["claims_expiration"], 1_767_139_500);
    assert_eq!(described["session_expiration"], 1_767_225_600);
    assert_eq!(described["api_key"], Value::Null);
    let keys: Vec<&str> = described
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "class",
            "host",
            "http_proxy",
            "login",
            "session_token",
            "session_metadata",
            "api_script",
            "api_key",
            "str",
            "repr",
            "claims_expiration",
            "session_expiration"
        ]
    );

    let script = decode(
        &vectors().join("payloads/script_http_proxy.pickle0.txt"),
        false,
    );
    assert_eq!(script["type"], "ScriptUser");
    assert_eq!(script["class"], "ShotgunUser");
    assert_eq!(script["login"], Value::Null);
    assert_eq!(script["api_script"], "Toolkit");
    assert_eq!(script["http_proxy"], "proxy.example.com:3128");
}

#[test]
fn secrets_are_redacted_unless_asked_for() {
    for (id, _, path) in payload_files() {
        let redacted = decode(&path, false);
        let text = redacted.to_string();
        let full = decode(&path, true);
        for field in ["session_token", "api_key", "session_metadata"] {
            if let Some(secret) = full[field].as_str().filter(|s| !s.is_empty()) {
                assert!(!text.contains(secret), "{id}: {field} leaked");
                assert_eq!(redacted[field], "<redacted>", "{id}");
            }
        }
    }
    let proxied = decode(
        &vectors().join("payloads/session_http_proxy_credentials.json"),
        false,
    );
    assert_eq!(proxied["http_proxy"], "proxyuser:<redacted>@10.0.0.5:8080");
}

#[test]
fn passwords_a_host_or_proxy_carries_are_redacted_unless_asked_for() {
    for password in [
        "canary://x",
        "x@canary://y",
        "ca/nary?#;",
        "ca nary é",
        "ca%2F%3Anary",
        "ca:nary@",
    ] {
        let host = format!("https://bob:{password}@site.example.com");
        let proxy = format!("bob:{password}@proxy.example.com:3128");
        for (kind, secret_field) in [("SessionUser", "session_token"), ("ScriptUser", "api_key")] {
            let payload = serde_json::json!({"type": kind, "data": {
                "host": host, "http_proxy": proxy, "login": "jdoe", "session_token": "t",
                "api_script": "robot", "api_key": "k"}});
            let decode = |show_secrets: bool| {
                let mut cmd = tk_auth();
                cmd.args(["payload", "decode", "-"]);
                if show_secrets {
                    cmd.arg("--show-secrets");
                }
                let output = cmd
                    .write_stdin(payload.to_string())
                    .assert()
                    .success()
                    .get_output()
                    .stdout
                    .clone();
                String::from_utf8(output).unwrap()
            };
            let text = decode(false);
            assert!(!text.contains("nary"), "{kind} {password}: {text}");
            let described: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(described["host"], "https://<redacted>@site.example.com");
            assert!(
                described["repr"]
                    .as_str()
                    .unwrap()
                    .ends_with(" @ https://<redacted>@site.example.com>"),
                "{text}"
            );
            assert_eq!(
                described["http_proxy"],
                "bob:<redacted>@proxy.example.com:3128"
            );
            assert_eq!(described[secret_field], "<redacted>");
            // The redacted description cannot be encoded back; the full one can.
            tk_auth()
                .args(["payload", "encode"])
                .write_stdin(text)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("--show-secrets"));
            let full: Value = serde_json::from_str(&decode(true)).unwrap();
            assert_eq!(full["host"], host.as_str());
            assert_eq!(full["http_proxy"], proxy.as_str());
            assert!(
                full["repr"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(" @ {host}>"))
            );
        }
    }
}

#[test]
fn a_bad_payload_is_one_line_on_stderr_and_exit_2() {
    for bad in [
        &b""[..],
        b"{\"type\": \"SessionUser\", \"data\": ",
        b"cos\nsystem\n(S'touch /tmp/tk-auth-pwned'\ntR.",
        b"{\"type\": \"HumanUser\", \"data\": {\"host\": \"h\", \"session_token\": \"canary-tok\"}}",
        b"{\"type\": \"SessionUser\", \"data\": {\"host\": \"h\", \"login\": \"jdoe\"}}",
    ] {
        let assert = tk_auth()
            .args(["payload", "decode", "-"])
            .write_stdin(bad)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty());
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("tk-auth: error: decoding the payload: "), "{stderr}");
        assert!(!stderr.contains("canary-tok"), "{stderr}");
    }
    assert!(!std::path::Path::new("/tmp/tk-auth-pwned").exists());
}

#[test]
fn encode_refuses_redacted_or_incomplete_descriptions() {
    let redacted = decode(&vectors().join("payloads/session_basic.json"), false);
    tk_auth()
        .args(["payload", "encode"])
        .write_stdin(serde_json::to_vec(&redacted).unwrap())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--show-secrets"));
    tk_auth()
        .args(["payload", "encode"])
        .write_stdin(r#"{"type": "SessionUser", "host": "https://h", "session_token": "t"}"#)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "Incomplete credentials: missing login.",
        ));
    tk_auth()
        .args(["payload", "encode", "/nonexistent/user.json"])
        .assert()
        .code(2);
}

#[test]
fn help_says_in_one_sentence_what_each_payload_command_does() {
    for (args, sentence) in [
        (
            &["payload", "--help"][..],
            "Export, encode or decode the serialized users",
        ),
        (
            &["payload", "export", "--help"],
            "Print the default user's payload",
        ),
        (
            &["payload", "decode", "--help"],
            "Print what a serialized user",
        ),
        (
            &["payload", "encode", "--help"],
            "Print the payload Python would write",
        ),
    ] {
        let output = tk_auth()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(output).unwrap();
        let mut lines = help.lines();
        let about = lines.next().unwrap_or_default();
        assert!(about.starts_with(sentence), "{args:?}: {help}");
        // One sentence: no full stop inside it, and a blank line after it.
        assert!(
            !about.trim_end_matches('.').contains(". "),
            "{args:?}: {about}"
        );
        assert_eq!(lines.next(), Some(""), "{args:?}: {help}");
    }
    tk_auth()
        .args(["payload", "--help"])
        .assert()
        .stdout(predicate::str::contains("decode").and(predicate::str::contains("encode")));
    tk_auth()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("payload"));
}
