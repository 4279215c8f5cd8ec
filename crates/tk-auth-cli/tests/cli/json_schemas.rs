//! Every `--json` output matches its schema under `docs/schemas/`, the same files
//! `docs/cli.md` documents the outputs with.

use std::path::Path;

use serde_json::{Value, json};
use tk_auth_test_support::site_with_user;

use crate::support::{export_cases, logged_in_on, python_home, tk_auth};

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas")
        .join(format!("{name}.schema.json"));
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[track_caller]
pub(crate) fn assert_matches(name: &str, output: &std::process::Output) -> Value {
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    let errors: Vec<String> = schema(name)
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {value}: {errors:?}");
    value
}

#[test]
fn the_schemas_reject_a_field_they_do_not_document() {
    let status = json!({"site": null, "login": null, "session_stored": false,
        "cache_file": "/x", "store": "file", "keyring": null, "keyring_unavailable": null,
        "proxy": null, "proxy_source": null, "proxy_variable": null,
        "credentials": null, "check_error": null, "claims_expiration": null,
        "session_expiration": null, "claims": null});
    assert!(schema("status").is_valid(&status));
    let mut extra = status.clone();
    extra["token"] = json!("x");
    assert!(!schema("status").is_valid(&extra));
    let mut missing = status;
    missing.as_object_mut().unwrap().remove("store");
    assert!(!schema("status").is_valid(&missing));
}

#[test]
fn status_json_matches_its_schema_in_every_state() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    let mut seen = Vec::new();
    for args in [&["status", "--json"][..], &["status", "--json", "--check"]] {
        let out = tk_auth(home.path()).args(args).output().unwrap();
        seen.push(assert_matches("status", &out)["credentials"].clone());
    }
    site.expire_all_sessions();
    let out = tk_auth(home.path())
        .args(["status", "--json", "--check"])
        .output()
        .unwrap();
    seen.push(assert_matches("status", &out)["credentials"].clone());
    drop(site);
    let out = tk_auth(home.path())
        .args(["status", "--json", "--check"])
        .output()
        .unwrap();
    seen.push(assert_matches("status", &out)["credentials"].clone());
    let empty = tempfile::tempdir().unwrap();
    let out = tk_auth(empty.path())
        .args(["status", "--json", "--check"])
        .output()
        .unwrap();
    seen.push(assert_matches("status", &out)["credentials"].clone());
    assert_eq!(
        seen,
        [
            Value::Null,
            json!("valid"),
            json!("expired"),
            json!("unreachable"),
            json!("no_session")
        ]
    );
}

#[test]
fn sites_and_users_json_match_their_schemas() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    let out = tk_auth(home.path())
        .args(["sites", "--json"])
        .output()
        .unwrap();
    assert_eq!(assert_matches("sites", &out), json!([site.url()]));
    let out = tk_auth(home.path())
        .args(["users", "--json"])
        .output()
        .unwrap();
    assert_eq!(assert_matches("users", &out)["users"], json!(["jdoe"]));
}

#[test]
fn whoami_json_matches_its_schema() {
    let site = site_with_user("jdoe");
    let (home, _token) = logged_in_on(&site, "jdoe");
    let out = tk_auth(home.path())
        .args(["whoami", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = assert_matches("whoami", &out);
    assert_eq!(v["login"], "jdoe");
    assert_eq!(v["entity"]["type"], "HumanUser");
}

#[test]
fn payload_decode_output_matches_its_schema_for_every_python_user() {
    for case in export_cases() {
        let payload = std::fs::read(case.join("expected.json")).unwrap();
        if payload == b"none" {
            continue;
        }
        let (_home, mut cmd) = python_home(&case);
        let out = cmd
            .args(["payload", "decode"])
            .write_stdin(payload)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_matches("payload-decode", &out);
    }
}
