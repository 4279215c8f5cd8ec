//! Tests that cannot run here say so: a failure under CI, a visible skip elsewhere.

use std::io::Write;

use tk_auth_core::Env;

/// Reports that the calling test cannot run here, and why; the caller then returns.
///
/// Under CI (`CI` set, see `tk_auth_core::env::CI`) this panics with the reason, because CI
/// installs everything the tests need and a skip there would hide a missing setup step.
/// Elsewhere it writes `SKIPPED: <test>: <reason>` straight to stderr, past the test
/// harness's output capture, so the skip shows in every `cargo test` run.
///
/// ```no_run
/// if which_daemon().is_none() {
///     return tk_auth_test_support::skip_or_fail("gnome-keyring-daemon is not installed");
/// }
/// # fn which_daemon() -> Option<()> { None }
/// ```
#[track_caller]
pub fn skip_or_fail(reason: &str) {
    skip_or_fail_in(&Env::process(), reason);
}

#[track_caller]
fn skip_or_fail_in(env: &Env, reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("<unnamed test>");
    assert!(
        !env.is_ci(),
        "{test} cannot run: {reason} (CI must provide what every test needs)"
    );
    // Not `eprintln!`: the harness captures that and shows it only for failing tests.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_ci_a_skip_is_a_failure_that_names_the_test_and_reason() {
        let panic = std::panic::catch_unwind(|| {
            skip_or_fail_in(&Env::from_pairs([("CI", "true")]), "no daemon here");
        })
        .unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("no daemon here"), "{message}");
        assert!(
            message.contains("under_ci_a_skip_is_a_failure"),
            "{message}"
        );
    }

    #[test]
    fn elsewhere_a_skip_returns() {
        skip_or_fail_in(&Env::from_pairs([("CI", "false")]), "no daemon here");
        skip_or_fail_in(&Env::empty(), "no daemon here");
    }
}
