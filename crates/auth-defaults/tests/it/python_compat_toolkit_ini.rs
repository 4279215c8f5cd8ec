//! Replays every `toolkit_ini` case produced by the Python Toolkit: the file chosen, the
//! `[Login]` properties, each call's value or error (type and message), and what the defaults
//! manager derives.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tk_auth_defaults::{Defaults, DefaultsError, DefaultsManager, Env, SessionCache, UserSettings};

use crate::support::{fixtures, manifest};

fn subst(text: &str, home: &Path, user_home: &Path) -> String {
    text.replace("{SHOTGUN_HOME}", home.to_str().unwrap())
        .replace("{HOME}", user_home.to_str().unwrap())
}

/// The Python exception type our error stands for.
fn python_type(e: &DefaultsError) -> &'static str {
    match e {
        DefaultsError::EnvironmentVariableFileLookup { .. } => "EnvironmentVariableFileLookupError",
        DefaultsError::InvalidSetting { .. } => "TankError",
        DefaultsError::IniSyntax { message, .. } if message.starts_with("section '") => {
            "DuplicateSectionError"
        }
        DefaultsError::IniSyntax { message, .. } if message.starts_with("option '") => {
            "DuplicateOptionError"
        }
        DefaultsError::IniSyntax { message, .. }
            if message.contains("before any section header") =>
        {
            "MissingSectionHeaderError"
        }
        other => panic!("unexpected error {other}"),
    }
}

fn outcome<T: serde::Serialize>(r: Result<T, DefaultsError>) -> Value {
    match r {
        Ok(v) => json!({"returns": v}),
        Err(e) => json!({"raises": {"type": python_type(&e), "message": e.to_string()}}),
    }
}

/// Where tk-auth's error message differs from Python's, the one expected instead: Python
/// quotes the offending line, which can hold a proxy password.
fn message_deviation(what: &str) -> Option<&'static str> {
    match what {
        "no_section_header: construct" => Some(
            "While reading from '{SHOTGUN_HOME}/preferences/toolkit.ini' [line  1]: settings come before any section header such as [Login]",
        ),
        _ => None,
    }
}

/// Compares an outcome: values exactly; errors by type and message (Python's message unless
/// a deviation is listed for that very check).
/// `value` with `f` applied to every string in it.
fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => items.iter().map(|v| map_strings(v, f)).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), map_strings(v, f)))
            .collect(),
        other => other.clone(),
    }
}

/// Paths in messages with `/` on every platform: the cases were recorded on Linux.
fn one_separator(value: &Value) -> Value {
    if cfg!(windows) {
        map_strings(value, &|s| s.replace('\\', "/"))
    } else {
        value.clone()
    }
}

fn check_outcome(what: &str, got: &Value, expected: &Value, home: &Path, user_home: &Path) {
    let (got, expected) = (&one_separator(got), &one_separator(expected));
    if let Some(raises) = expected.get("raises") {
        assert_eq!(got["raises"]["type"], raises["type"], "{what}: {got}");
        let message = match message_deviation(what) {
            Some(m) => one_separator(&json!(subst(m, home, user_home))),
            None => raises["message"].clone(),
        };
        assert_eq!(got["raises"]["message"], message, "{what}");
    } else {
        assert_eq!(got["returns"], expected["returns"], "{what}");
    }
}

fn replay(case: &Value) {
    let id = case["id"].as_str().unwrap();
    let topic = fixtures().join("toolkit_ini");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("sghome");
    let user_home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&user_home).unwrap();
    let check = |what: &str, got: &Value, expected: &Value| {
        check_outcome(what, got, expected, &home, &user_home);
    };
    let mut vars: Vec<(String, String)> = vec![
        ("SHOTGUN_HOME".into(), home.to_str().unwrap().into()),
        ("HOME".into(), user_home.to_str().unwrap().into()),
    ];
    for (k, v) in case["inputs"]["env"].as_object().unwrap() {
        vars.push((k.clone(), subst(v.as_str().unwrap(), &home, &user_home)));
    }
    for f in case["inputs"]["files"].as_array().unwrap() {
        let p = PathBuf::from(subst(f["path"].as_str().unwrap(), &home, &user_home));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(topic.join(f["file"].as_str().unwrap()), &p).unwrap();
    }
    // Messages embed the paths: give the expected ones our folders.
    let expected = map_strings(&case["expected"], &|s| subst(s, &home, &user_home));
    let env = Env::from_pairs(vars);
    let settings = match UserSettings::from_env_with(&env) {
        Ok(s) => {
            check(
                &format!("{id}: construct"),
                &json!({"returns": null}),
                &expected["construct"],
            );
            s
        }
        Err(e) => {
            check(
                &format!("{id}: construct"),
                &outcome::<()>(Err(e)),
                &expected["construct"],
            );
            return;
        }
    };
    // As paths: on Windows, `/` (as recorded) and `\\` (as joined there) are one separator.
    assert_eq!(
        settings.path(),
        Path::new(expected["path"].as_str().unwrap()),
        "{id}: path"
    );
    let props = &expected["properties"];
    check(
        &format!("{id}: default_site"),
        &outcome(settings.default_site()),
        &props["default_site"],
    );
    check(
        &format!("{id}: default_login"),
        &outcome(settings.default_login()),
        &props["default_login"],
    );
    check(
        &format!("{id}: shotgun_proxy"),
        &outcome(settings.shotgun_proxy()),
        &props["shotgun_proxy"],
    );
    check(
        &format!("{id}: app_store_proxy"),
        &outcome(settings.app_store_proxy()),
        &props["app_store_proxy"],
    );
    for (i, c) in expected["calls"].as_array().unwrap().iter().enumerate() {
        let section = c["args"][0].as_str().unwrap();
        let name = c["args"][1].as_str().unwrap_or_default();
        let got = match c["method"].as_str().unwrap() {
            "get_setting" => outcome(settings.get_setting(section, name)),
            "get_boolean_setting" => outcome(settings.get_boolean_setting(section, name)),
            "get_integer_setting" => outcome(settings.get_integer_setting(section, name)),
            "get_section_settings" => json!({"returns": settings.get_section_settings(section)}),
            other => panic!("unknown method {other}"),
        };
        check(&format!("{id}: call {i} {}", c["method"]), &got, c);
    }
    if let Some(dm) = expected.get("defaults_manager") {
        let cache = SessionCache::from_env_with(&env).unwrap();
        let defaults = Defaults::new(cache, settings, env);
        check(
            &format!("{id}: get_host"),
            &outcome(defaults.get_host()),
            &dm["get_host"],
        );
        check(
            &format!("{id}: get_login"),
            &outcome(defaults.get_login()),
            &dm["get_login"],
        );
        check(
            &format!("{id}: get_http_proxy"),
            &outcome(defaults.get_http_proxy()),
            &dm["get_http_proxy"],
        );
    }
}

#[test]
fn every_python_toolkit_ini_case_replays() {
    let m = manifest("toolkit_ini");
    let cases = m["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    for case in cases {
        replay(case);
    }
}
