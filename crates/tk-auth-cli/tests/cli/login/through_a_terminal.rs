//! The console login end to end, through a real pseudo-terminal.

// Windows has no pseudo-terminal: every test here is ignored there, so its helpers go unused.
#![cfg_attr(windows, allow(unused_imports, dead_code))]

use std::time::{Duration, Instant};

use serde_json::Value;

#[cfg(unix)]
use super::terminal::Screen;
use super::{PASSWORD, run_with_stdin, site, tk_auth};

/// Logs alice in (credentials) without a terminal, so a test can start from a session.
fn logged_in_as_alice(home: &std::path::Path, url: &str) {
    let out = run_with_stdin(
        tk_auth(home).args([
            "login",
            "--site",
            url,
            "--login",
            "alice",
            "--password-stdin",
        ]),
        PASSWORD,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_wrong_password_is_shown_and_the_right_one_then_logs_in_without_ever_echoing_it() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &["login", "--site", site.url(), "--method", "credentials"],
        );
        screen
            .expect("[Flow Production Tracking Authentication]")
            .expect(&format!(
                "Please enter your login credentials for {}",
                site.url()
            ))
            .expect("Login:")
            .answer("alice")
            .expect("Password (empty to abort):")
            .answer("wrong-Canary-3")
            .expect("Login failed")
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect(&format!("Logged in to {} as alice.", site.url()));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert!(!shown.contains("Canary"), "a password was shown:\n{shown}");
        assert_eq!(site.calls("get_session_token"), 2);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_two_factor_code_is_asked_after_the_password() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &[
                "login",
                "--site",
                site.url(),
                "--login",
                "bob",
                "--method",
                "credentials",
            ],
        );
        screen
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect("Two factor authentication code (empty to abort):");
        let code = site.totp_code("bob").unwrap();
        screen
            .answer(&code)
            .expect(&format!("Logged in to {} as bob.", site.url()));
        let (exit, shown) = screen.finish();
        assert_eq!(exit, 0, "{shown}");
        assert!(!shown.contains("Canary"), "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn the_method_is_chosen_by_number_and_a_bad_number_is_named() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &["login", "--site", site.url(), "--login", "alice"],
        );
        screen
            .expect("1. App Session Launcher")
            .expect("2. Legacy credentials")
            .expect("Login method:")
            .answer("7")
            .expect("\"7\" is not one of the choices")
            // The typed 7 is still there: erase it first.
            .answer("\u{7f}2")
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect("Logged in to");
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_browser_approval_on_the_site_logs_in_while_the_wait_is_shown() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &[
                "login",
                "--site",
                site.url(),
                "--method",
                "browser",
                "--no-browser",
            ],
        );
        screen
            .expect("Open this page in a browser and approve this program there:")
            .expect(site.url())
            .expect("Waiting for the approval");
        let started = Instant::now();
        let request = loop {
            if let Some(r) = site.pending_requests().pop() {
                break r;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no approval request reached the site"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        site.approve_request(&request.id, "alice").unwrap();
        screen.expect(&format!("Logged in to {} as alice.", site.url()));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn ctrl_c_during_the_browser_wait_cancels_with_exit_code_130() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &[
                "login",
                "--site",
                site.url(),
                "--method",
                "browser",
                "--no-browser",
            ],
        );
        screen.expect("Waiting for the approval").control('c');
        let (code, shown) = screen.finish();
        assert_eq!(code, 130, "{shown}");
        assert!(
            shown.contains("Authentication was cancelled by the user."),
            "{shown}"
        );
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn ctrl_c_at_the_password_cancels_with_exit_code_130() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &[
                "login",
                "--site",
                site.url(),
                "--login",
                "alice",
                "--method",
                "credentials",
            ],
        );
        screen.expect("Password (empty to abort):").control('c');
        let (code, shown) = screen.finish();
        assert_eq!(code, 130, "{shown}");
        assert!(
            shown.contains("Authentication was cancelled by the user."),
            "{shown}"
        );
        assert_eq!(site.calls("get_session_token"), 0);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn whoami_with_an_expired_session_asks_for_the_password_once_and_answers() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        logged_in_as_alice(home.path(), site.url());
        assert_eq!(site.expire_all_sessions(), 1);
        let mut screen = Screen::start(home.path(), &["whoami", "--json"]);
        screen
            .expect("alice, your current session has expired.")
            // The site offers both ways; the one used last is preselected.
            .expect("Login method:")
            .answer("")
            .expect(&format!(
                "Please enter your password to renew your session for {}",
                site.url()
            ))
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect("\"entity\"");
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert!(!shown.contains("Canary"), "{shown}");
        let json = &shown[shown.find("{\"site\"").expect("the JSON is shown")..];
        let json = json.lines().next().unwrap().trim();
        let person: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(person["login"], "alice");
        assert_eq!(person["entity"]["id"], 42);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn without_a_site_the_recent_ones_are_listed_and_the_current_one_is_the_default() {
    #[cfg(unix)]
    {
        let (first, second) = (site(), site());
        let home = tempfile::tempdir().unwrap();
        logged_in_as_alice(home.path(), first.url());
        logged_in_as_alice(home.path(), second.url());
        let mut screen = Screen::start(
            home.path(),
            &["login", "--force", "--method", "credentials"],
        );
        screen
            .expect("Recent Flow Production Tracking sites:")
            .expect(&format!("  - {}", second.url()))
            .expect(&format!("  - {}", first.url()))
            .expect(&format!("Site URL: ({})", second.url()))
            .answer("")
            .expect("Login: (alice)")
            .answer("")
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect(&format!("Logged in to {} as alice.", second.url()));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert_eq!(second.calls("get_session_token"), 2);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_method_the_site_does_not_offer_is_bad_usage_named_before_any_question() {
    #[cfg(unix)]
    {
        let site = tk_auth_site_emulator::SiteEmulator::builder()
            .human_user(tk_auth_site_emulator::HumanAccount::new("alice", PASSWORD))
            .app_session_launcher(false)
            .start()
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let screen = Screen::start(
            home.path(),
            &[
                "login",
                "--site",
                site.url(),
                "--method",
                "browser",
                "--no-browser",
            ],
        );
        let (code, shown) = screen.finish();
        assert_eq!(code, 2, "{shown}");
        assert!(
            shown.contains("does not offer the login method \"App Session Launcher\" (--method)"),
            "{shown}"
        );
        assert!(!shown.contains("Password"), "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn token_on_a_terminal_warns_that_it_logs_in_as_the_user() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        logged_in_as_alice(home.path(), site.url());
        let mut screen = Screen::start(home.path(), &["token"]);
        screen.expect(&format!(
            "warning: this token logs in as alice on {}; do not share it",
            site.url()
        ));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn the_end_of_input_at_a_question_cancels_with_exit_code_130() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(
            home.path(),
            &["login", "--site", site.url(), "--method", "credentials"],
        );
        screen.expect("Login:").control('d');
        let (code, shown) = screen.finish();
        assert_eq!(code, 130, "{shown}");
        assert!(
            shown.contains("Authentication was cancelled by the user."),
            "{shown}"
        );
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn with_a_terminal_but_standard_input_piped_nothing_is_asked_on_the_terminal() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let screen =
            Screen::start_without_terminal_input(home.path(), &["login", "--site", site.url()]);
        let (code, shown) = screen.finish();
        assert_eq!(code, 4, "{shown}");
        assert!(shown.contains("nobody can answer a prompt here"), "{shown}");
        assert!(!shown.contains("Login:"), "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_question_without_a_default_is_asked_again_until_answered() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(home.path(), &["login", "--method", "credentials"]);
        screen
            .expect("Site URL:")
            .answer("  ")
            .expect("an answer is needed (Esc or Ctrl-C cancels)")
            // The spaces typed are still there: erase them first.
            .answer(&format!("\u{7f}\u{7f}{}", site.url()))
            .expect("Login:")
            .answer("alice")
            .expect("Password (empty to abort):")
            .answer(PASSWORD)
            .expect(&format!("Logged in to {} as alice.", site.url()));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn errors_are_coloured_on_a_terminal_unless_no_color_is_set() {
    #[cfg(unix)]
    {
        let site = site();
        for no_color in [false, true] {
            let home = tempfile::tempdir().unwrap();
            let mut cmd = tk_auth(home.path());
            cmd.args([
                "login",
                "--site",
                site.url(),
                "--login",
                "alice",
                "--method",
                "credentials",
            ]);
            if !no_color {
                cmd.env_remove("NO_COLOR");
            }
            let mut screen = Screen::spawn(cmd);
            screen
                .expect("Password (empty to abort):")
                .answer("wrong-Canary-3")
                .expect("Login failed")
                .expect("Password (empty to abort):")
                .control('c');
            let (code, shown) = screen.finish();
            assert_eq!(code, 130, "{shown}");
            assert_eq!(
                shown.contains("\u{1b}[91mLogin failed"),
                !no_color,
                "NO_COLOR set: {no_color}\n{shown}"
            );
        }
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn a_browser_that_cannot_start_leaves_the_page_to_open_by_hand() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        // A display, but no opener on the PATH: starting the browser fails.
        let empty = tempfile::tempdir().unwrap();
        let mut cmd = tk_auth(home.path());
        cmd.args(["login", "--site", site.url(), "--method", "browser"])
            .env("DISPLAY", ":99")
            .env("PATH", empty.path());
        let mut screen = Screen::spawn(cmd);
        screen
            .expect("Approve this program in your browser; if it did not open, visit:")
            .expect(site.url())
            .expect("s (Ctrl-C to cancel)");
        let started = Instant::now();
        let request = loop {
            if let Some(r) = site.pending_requests().pop() {
                break r;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no approval request reached the site"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        site.approve_request(&request.id, "alice").unwrap();
        screen.expect(&format!("Logged in to {} as alice.", site.url()));
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
    }
}
