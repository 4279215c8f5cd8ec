//! `tk-auth payload export`: the default user's payload, byte for byte what Python's
//! `serialize_user(ShotgunAuthenticator().get_default_user())` gives on the same files.

use crate::support::{export_cases, python_home, tree};

#[test]
fn export_gives_pythons_bytes_for_every_python_written_home() {
    let mut compared = 0;
    for case in export_cases() {
        for (format, file) in [
            ("json", "expected.json"),
            ("pickle", "expected.pickle0.txt"),
        ] {
            let expected = std::fs::read(case.join(file)).unwrap();
            let (home, mut cmd) = python_home(&case);
            let before = tree(home.path());
            let out = cmd
                .args(["payload", "export", "--format", format])
                .output()
                .unwrap();
            if expected == b"none" {
                assert_eq!(out.status.code(), Some(4), "{case:?}: {out:?}");
                assert!(out.stdout.is_empty());
                assert!(
                    String::from_utf8_lossy(&out.stderr).contains("tk-auth login"),
                    "{out:?}"
                );
            } else {
                assert!(out.status.success(), "{case:?}: {out:?}");
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&expected),
                    "{case:?} {format}"
                );
                compared += 1;
            }
            assert_eq!(tree(home.path()), before, "{case:?}: nothing is written");
        }
    }
    assert!(compared >= 14, "{compared}");
}

#[test]
fn export_is_json_unless_pickle_is_asked_for() {
    let case = export_cases()
        .into_iter()
        .find(|c| c.ends_with("cached_session"))
        .unwrap();
    let (_home, mut cmd) = python_home(&case);
    let out = cmd.args(["payload", "export"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        out.stdout,
        std::fs::read(case.join("expected.json")).unwrap()
    );
}

#[test]
fn an_unknown_export_format_is_bad_usage() {
    let home = tempfile::tempdir().unwrap();
    crate::support::tk_auth(home.path())
        .args(["payload", "export", "--format", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn export_gives_what_the_facade_gives_for_the_default_user() {
    use tk_auth::blocking::ShotgunAuthenticator;
    use tk_auth::{AuthOptions, Defaults, Env, Format, NonInteractivePrompter};

    for case in export_cases() {
        let (home, _) = python_home(&case);
        let mut pairs = vec![
            ("SHOTGUN_HOME".to_owned(), home.path().display().to_string()),
            ("HOME".to_owned(), home.path().display().to_string()),
        ];
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&std::fs::read(case.join("env.json")).unwrap()).unwrap();
        for (name, value) in extra {
            pairs.push((name, value.as_str().unwrap().to_owned()));
        }
        let env = Env::from_pairs(pairs.clone());
        let authenticator = ShotgunAuthenticator::with_options(
            Defaults::from_env_with(&env).unwrap(),
            NonInteractivePrompter,
            AuthOptions::new().environment(env),
        );
        let facade = authenticator.get_default_user().unwrap();
        for format in [Format::Json, Format::Pickle] {
            let name = if format == Format::Json {
                "json"
            } else {
                "pickle"
            };
            let out = crate::support::tk_auth(home.path())
                .envs(pairs.iter().cloned())
                .args(["payload", "export", "--format", name])
                .output()
                .unwrap();
            match &facade {
                None => assert_eq!(out.status.code(), Some(4), "{case:?}"),
                Some(user) => assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    tk_auth::serialize_user(user, format),
                    "{case:?}"
                ),
            }
        }
    }
}
