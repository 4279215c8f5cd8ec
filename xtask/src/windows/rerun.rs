//! Tests that failed only because Wine could not start a process.
//!
//! Under load, Wine's `CreateProcess` now and then fails with `ERROR_INTERNAL_ERROR` (os
//! error 1359) although nothing is wrong with the program it starts: a test that spawns the
//! `tk-auth` command then fails before the command ran. Such a test — and only such a test:
//! its whole failure text must hold that error — is run once more, alone. It counts as
//! passed only when that run passes, and the rerun is reported.

/// What Rust's standard library says when Wine could not start a process.
const WINE_SPAWN_FAILURE: &str = "(os error 1359)";

/// The failed tests of libtest's `stdout` whose failure text shows Wine's spawn failure.
pub(super) fn spawn_failures(stdout: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<(&str, bool)> = None;
    for line in stdout.lines() {
        let section = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        if section.is_some() || line == "failures:" {
            if let Some((test, true)) = current.take() {
                found.push(test.to_owned());
            }
            current = section.map(|test| (test, false));
        } else if let Some((_, seen)) = current.as_mut() {
            *seen |= line.contains(WINE_SPAWN_FAILURE);
        }
    }
    if let Some((test, true)) = current {
        found.push(test.to_owned());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_show_wines_spawn_error_are_rerun() {
        let stdout = "\
test a ... FAILED
test b ... FAILED

failures:

---- payload::a stdout ----

thread 'payload::a' panicked at x.rs:56:14:
Failed to spawn Command { cmd: \"tk-auth.exe\" }: Internal error. (os error 1359)

---- payload::b stdout ----

thread 'payload::b' panicked at x.rs:9:1:
assertion `left == right` failed

failures:
    payload::a
    payload::b
";
        assert_eq!(spawn_failures(stdout), ["payload::a"]);
        assert!(spawn_failures("test a ... ok\n").is_empty());
    }
}
