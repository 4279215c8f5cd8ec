//! Tests that cannot run here say so: a failure under CI, a visible skip elsewhere; and
//! tests of what no setup installs (tk-core) say so everywhere, CI included.

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

/// The value of the environment variable `name`, which names something no test setup can
/// install (tk-core, `TK_CORE_PATH`: it is in no package registry). When it is not set (or
/// empty), reports the calling test skipped with `SKIPPED: <test>: <name> not set` and
/// returns `None`; the caller then returns.
///
/// Unlike [`skip_or_fail`] this never fails under CI, which cannot provide it either.
///
/// ```no_run
/// let Some(core) = tk_auth_test_support::var_or_skip("TK_CORE_PATH") else {
///     return;
/// };
/// # let _ = core;
/// ```
pub fn var_or_skip(name: &str) -> Option<String> {
    var_or_skip_in(&Env::process(), name, &mut std::io::stderr())
}

fn var_or_skip_in(env: &Env, name: &str, report: &mut impl Write) -> Option<String> {
    let value = env.var(name).filter(|v| !v.is_empty());
    if value.is_none() {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("<unnamed test>");
        // Straight to stderr, as `skip_or_fail` writes: past the harness's capture.
        let _ = writeln!(report, "SKIPPED: {test}: {name} not set");
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_variable_is_a_skip_that_names_the_test_even_under_ci() {
        let mut report = Vec::new();
        let env = Env::from_pairs([("CI", "true")]);
        assert_eq!(var_or_skip_in(&env, "TK_CORE_PATH", &mut report), None);
        let report = String::from_utf8(report).unwrap();
        assert!(
            report.starts_with("SKIPPED: ") && report.ends_with(": TK_CORE_PATH not set\n"),
            "{report}"
        );
        let test = std::thread::current().name().map(str::to_owned).unwrap();
        assert!(report.contains(&test), "{report}");
    }

    #[test]
    fn a_set_variable_is_returned_without_a_word() {
        let mut report = Vec::new();
        let env = Env::from_pairs([("CI", "true"), ("TK_CORE_PATH", "/opt/tk-core")]);
        assert_eq!(
            var_or_skip_in(&env, "TK_CORE_PATH", &mut report).as_deref(),
            Some("/opt/tk-core")
        );
        assert!(report.is_empty());
    }

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
