//! Re-running the current test binary as a child process, for what a test cannot do in its
//! own process: set process-wide state such as environment variables, or be many writers.
//!
//! The parent starts one of its binary's `#[ignore]`d tests with [`command`]; that test
//! calls [`enter`] first, which fails loudly when the test is run any other way (by hand,
//! or by `cargo test -- --ignored`), instead of passing without doing anything.
//!
//! ```no_run
//! use tk_auth_test_support::child;
//!
//! #[test]
//! fn the_variable_is_read_from_the_process_environment() {
//!     let out = child::command("child_reads_the_variable")
//!         .env("SOME_SETTING", "on")
//!         .output()
//!         .unwrap();
//!     assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
//! }
//!
//! #[test]
//! #[ignore = "run by the_variable_is_read_from_the_process_environment"]
//! fn child_reads_the_variable() {
//!     child::enter("child_reads_the_variable");
//!     // … the check, in a process of its own …
//! }
//! ```

use std::process::Command;

use tk_auth_core::Env;
use tk_auth_core::env::TK_AUTH_TEST_CHILD;

/// A command running the ignored test `name` (its path inside the test binary, e.g.
/// `stress::child_worker`) of the current test binary, alone, marked as started by its
/// parent. Add environment variables and arguments, then run it.
pub fn command(name: &str) -> Command {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--ignored", "--test-threads=1"])
        .env(TK_AUTH_TEST_CHILD, name);
    cmd
}

/// The first call of a child entry point: returns when this process was started by
/// [`command`] for the test `name`, and panics otherwise.
#[track_caller]
pub fn enter(name: &str) {
    let marker = Env::process().var(TK_AUTH_TEST_CHILD);
    assert!(
        marker.as_deref() == Some(name),
        "`{name}` is the child half of another test and does nothing on its own: it runs only \
         when its parent test starts it (the marker variable {TK_AUTH_TEST_CHILD} is {marker:?})"
    );
}

/// A variable the parent set for the child; panics naming it when it is missing.
#[track_caller]
pub fn var(name: &str) -> String {
    Env::process()
        .var(name)
        .unwrap_or_else(|| panic!("the parent test did not set {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_entry_point_run_by_hand_fails_and_says_why() {
        // This process was not started by `command`, so the marker is absent (or names
        // another test).
        let panic = std::panic::catch_unwind(|| enter("some::child_entry")).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("some::child_entry"), "{message}");
        assert!(message.contains(TK_AUTH_TEST_CHILD), "{message}");
    }

    #[test]
    fn a_child_started_by_its_parent_runs() {
        let out = command("child::tests::child_entry_point")
            .env("TK_AUTH_TEST_SUPPORT_GREETING", "hello")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 passed"), "{stdout}");
    }

    #[test]
    #[ignore = "run by a_child_started_by_its_parent_runs"]
    fn child_entry_point() {
        enter("child::tests::child_entry_point");
        assert_eq!(var("TK_AUTH_TEST_SUPPORT_GREETING"), "hello");
    }
}
