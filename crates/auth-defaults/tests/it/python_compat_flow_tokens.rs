//! Replays every `flow_tokens` case produced by the Python Toolkit: the Flow token file
//! (`adsk_flow_tokens.json`: same return values, same files written, same bytes and modes),
//! the JWT expiry rule and the Flow settings. Then tk-core's own `file_store` reads what
//! tk-auth wrote (with `TK_CORE_PATH`).
//!
//! Where tk-auth deliberately differs (Decision 19 in `docs/decisions.md`), the difference
//! is listed in `deviation` for the one step of the one case it affects.

use std::path::Path;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::{Value, json};
use tk_auth_core::{Env, FlowSettings, Secret, expires_within};
use tk_auth_defaults::FlowTokenFile;

#[cfg(unix)]
use crate::support::mode;
use crate::support::{chmod, create_dir_with_mode, manifest, snapshot, written};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What tk-auth returns instead of Python at one step, and why.
fn deviation(case: &str, step: usize) -> Option<Value> {
    match (case, step) {
        // Decision 19: an entry that is not an object holds no token; Python raises
        // AttributeError from `get_access_token`.
        ("service_value_not_object", 0) => Some(Value::Null),
        _ => None,
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn secret(v: &Value) -> Option<Secret> {
    v.as_str().map(Secret::new)
}

/// A JWT (signature not valid) with `claims` as its payload.
fn jwt(claims: &Value) -> String {
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2lnbmF0dXJl",
        url.encode(r#"{"alg": "RS256", "typ": "JWT"}"#),
        url.encode(claims.to_string())
    )
}

/// The token argument of a `check_token_expiry` step (see the vector format).
fn token_arg(v: &Value) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    if let Some(offset) = v.get("$jwt_exp_offset").and_then(Value::as_i64) {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "seconds since 1970 fit an i64"
        )]
        return jwt(&json!({"exp": now as i64 + offset}));
    }
    if let Some(offset) = v.get("$jwt_exp_offset_float").and_then(Value::as_f64) {
        return jwt(&json!({"exp": now + offset}));
    }
    if let Some(claims) = v.get("$jwt") {
        return jwt(claims);
    }
    s(v).to_owned()
}

fn call(name: &str, args: &Value, storage: &Path) -> Value {
    let file = || {
        assert_eq!(s(&args["storage_dir"]), "{STORAGE}");
        FlowTokenFile::in_folder(storage)
    };
    let (app, profile) = (s(&args["application_id"]), s(&args["profile"]));
    match name {
        "get_access_token" => json!(
            file()
                .tokens(app, profile)
                .access_token
                .as_ref()
                .map(Secret::expose)
        ),
        "get_refresh_token" => json!(
            file()
                .tokens(app, profile)
                .refresh_token
                .as_ref()
                .map(Secret::expose)
        ),
        "persist_tokens" => {
            let tokens = &args["tokens"];
            file()
                .persist(
                    app,
                    profile,
                    secret(&tokens["access_token"]).as_ref(),
                    secret(&tokens["refresh_token"]).as_ref(),
                )
                .unwrap();
            Value::Null
        }
        "delete_tokens" => {
            file().delete(app, profile).unwrap();
            Value::Null
        }
        "check_token_expiry" => {
            let buffer = args["buffer_seconds"].as_u64().unwrap_or(300);
            json!(expires_within(
                &token_arg(&args["token"]),
                Duration::from_secs(buffer),
                SystemTime::now()
            ))
        }
        "resolve_flow_auth_settings" => {
            let vars = args["$env"].as_object().cloned().unwrap_or_default();
            let env = Env::from_pairs(vars.iter().map(|(k, v)| (k.clone(), s(v).to_owned())));
            let settings = FlowSettings::resolve(&env);
            json!({
                "auth_application_id": settings.application_id,
                "auth_base_url": settings.base_url,
                "auth_callback_url": settings.callback_url,
            })
        }
        other => panic!("unknown call {other}"),
    }
}

/// The storage folder is exactly `tree`: the same paths, kinds, modes and bytes.
fn check_tree(what: &str, tree: &Value, storage: &Path) {
    let expected: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["path"]))
        .collect();
    let actual: Vec<String> = snapshot(storage).into_keys().collect();
    assert_eq!(actual, expected, "{what}: paths in the folder");
    for entry in tree.as_array().unwrap() {
        let path = storage.join(s(&entry["path"]));
        #[cfg(unix)]
        assert_eq!(
            format!("{:04o}", mode(&path)),
            s(&entry["mode"]),
            "{what}: mode of {}",
            s(&entry["path"])
        );
        if entry["type"] == "file" {
            let theirs = B64.decode(s(&entry["content_b64"])).unwrap();
            let ours = std::fs::read(&path).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{what}: bytes of {}",
                s(&entry["path"])
            );
        }
    }
}

fn replay(case: &Value) {
    let id = s(&case["id"]);
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    if case["inputs"]["storage_exists"] == true {
        create_dir_with_mode(&storage, 0o700);
        chmod(&storage, 0o700);
    }
    for f in case["inputs"]["setup_files"].as_array().unwrap() {
        let path = storage.join(s(&f["path"]).strip_prefix("{STORAGE}/").unwrap());
        std::fs::write(&path, B64.decode(s(&f["content_b64"])).unwrap()).unwrap();
        chmod(&path, u32::from_str_radix(s(&f["mode"]), 8).unwrap());
    }
    let steps = case["expected"]["steps"].as_array().unwrap();
    assert_eq!(
        steps.len(),
        case["inputs"]["calls"].as_array().unwrap().len()
    );
    for (i, step) in steps.iter().enumerate() {
        let what = format!("{id} step {i} {}", step["call"]);
        let before = snapshot(&storage);
        let got = call(s(&step["call"]), &step["args"], &storage);
        let after = snapshot(&storage);
        let expected = if let Some(ours) = deviation(id, i) {
            assert!(step.get("raises").is_some(), "{what}: deviation listed");
            ours
        } else {
            assert!(step.get("raises").is_none(), "{what}: Python raised");
            step["returns"].clone()
        };
        assert_eq!(got, expected, "{what}: return value");
        assert_eq!(
            json!(written(&before, &after)),
            step["written"],
            "{what}: files written"
        );
        if let Some(tree) = step.get("tree_after") {
            check_tree(&what, tree, &storage);
        }
    }
}

#[test]
fn every_python_flow_tokens_case_replays() {
    let m = manifest("flow_tokens");
    let cases = m["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for case in cases {
        assert_eq!(s(&case["kind"]), "flow_tokens_steps");
        replay(case);
    }
}

/// tk-core's `file_store` reading what tk-auth wrote, and writing over it.
const TK_CORE_READS: &str = r#"
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/python"]
from tank_vendor.adsk_auth import file_store
storage, app = sys.argv[2], sys.argv[3]
seen = {}
for a, p in [(app, "jdoe"), (app, "jos\u00e9"), ("otherApp", "jdoe"), (app, "nobody")]:
    seen[a + "/" + p] = [file_store.get_access_token(storage, a, p), file_store.get_refresh_token(storage, a, p)]
with open(storage + "/adsk_flow_tokens.json") as fh:
    text = fh.read()
# Python's own rewrite of what it read is the very same bytes.
seen["same_bytes"] = json.dumps(json.loads(text)) == text
file_store.persist_tokens(storage, app, "py-user", {"access_token": "py-acc", "refresh_token": "py-ref"})
print(json.dumps(seen))
"#;

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn tk_core_reads_what_tk_auth_wrote_and_tk_auth_reads_its_answer() {
    let Some(core) = tk_auth_test_support::var_or_skip("TK_CORE_PATH") else {
        return;
    };
    let app = tk_auth_core::DEFAULT_FLOW_APPLICATION_ID;
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("cache");
    let file = FlowTokenFile::in_folder(&storage);
    // Entries of another application, written by someone else, come first.
    std::fs::create_dir(&storage).unwrap();
    std::fs::write(
        file.path(),
        r#"{"adsk.flow.otherApp.access_token":{"jdoe":"o-acc"},"adsk.flow.otherApp.refresh_token":{"jdoe":"o-ref"}}"#,
    )
    .unwrap();
    let put = |profile: &str, access: &str, refresh: &str| {
        file.persist(
            app,
            profile,
            Some(&Secret::new(access)),
            Some(&Secret::new(refresh)),
        )
        .unwrap();
    };
    put("jdoe", "acc-1", "ref-1");
    put("jos\u{e9}", "acc-\u{1f600}", "ref-2");
    put("jdoe", "acc-3", "");
    let out = tk_auth_test_support::Python::code(TK_CORE_READS)
        .args([core.as_str(), storage.to_str().unwrap(), app])
        .run()
        .stdout;
    let seen: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        seen,
        json!({
            format!("{app}/jdoe"): ["acc-3", "ref-1"],
            format!("{app}/jos\u{e9}"): ["acc-\u{1f600}", "ref-2"],
            "otherApp/jdoe": ["o-acc", "o-ref"],
            format!("{app}/nobody"): [null, null],
            "same_bytes": true,
        })
    );
    // What Python wrote over it, tk-auth reads, with every earlier entry still there.
    let py = file.tokens(app, "py-user");
    assert_eq!(py.access_token, Some(Secret::new("py-acc")));
    assert_eq!(py.refresh_token, Some(Secret::new("py-ref")));
    assert_eq!(
        file.tokens(app, "jos\u{e9}").access_token,
        Some(Secret::new("acc-\u{1f600}"))
    );
    assert_eq!(
        file.tokens("otherApp", "jdoe").refresh_token,
        Some(Secret::new("o-ref"))
    );
}
