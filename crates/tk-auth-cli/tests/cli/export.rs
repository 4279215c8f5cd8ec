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
