//! `tk-auth completions SHELL`: scripts generated from the command's definition.

use crate::support::tk_auth;

#[test]
fn completions_name_every_command_for_bash_zsh_and_fish() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = tk_auth(home.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        for command in [
            "status",
            "logout",
            "payload",
            "export",
            "demo",
            "completions",
        ] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
        assert!(script.contains("--check"), "{shell} lacks status --check");
    }
}

#[test]
fn an_unknown_shell_is_bad_usage_naming_the_shells() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bash") && err.contains("fish"), "{err}");
}
