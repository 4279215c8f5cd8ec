//! `tk-auth demo`: the whole life of a session on a local site, with no terminal.

use crate::support::tk_auth;

#[test]
fn demo_non_interactive_runs_every_step_without_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .args(["demo", "--non-interactive"])
        .write_stdin("")
        // A prompt that waited for an answer would hang here: give up instead.
        .timeout(std::time::Duration::from_mins(1))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}\n{stdout}");
    for step in 1..=7 {
        assert!(stdout.contains(&format!("[{step}/7]")), "{stdout}");
    }
    assert!(
        stdout.contains("Flow: logged in in the browser (1 login)"),
        "{stdout}"
    );
    assert!(stdout.contains("Refresh token: stored"), "{stdout}");
    assert!(
        stdout.contains("REST API: a Bearer token for demo"),
        "{stdout}"
    );
    assert!(stdout.contains("credentials:    valid"), "{stdout}");
    assert!(stdout.contains("after 1 renewal(s)"), "{stdout}");
    assert!(
        stdout.contains(
            "Questions the script answered: site, login, password, session_expired, password"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("\"type\": \"SessionUser\""), "{stdout}");
    assert!(
        stdout.contains("\"session_token\": \"<redacted>\""),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "no colours without a terminal");
    // The person's own SHOTGUN_HOME is never touched.
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

#[test]
fn demo_keeps_its_files_in_the_folder_it_is_given() {
    let home = tempfile::tempdir().unwrap();
    let kept = home.path().join("demo-home");
    let out = tk_auth(home.path())
        .args(["demo", "--non-interactive", "--home"])
        .arg(&kept)
        .write_stdin("")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // What the demo stored is what `tk-auth` then reads there.
    let status = tk_auth(&kept).args(["status", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["login"], "demo");
    assert_eq!(v["session_stored"], true);
}

#[test]
fn demo_without_a_terminal_says_to_use_non_interactive() {
    let home = tempfile::tempdir().unwrap();
    let out = tk_auth(home.path())
        .arg("demo")
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--non-interactive"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn demo_on_a_terminal_logs_in_through_the_console_and_asks_once_to_renew() {
    #[cfg(unix)]
    {
        use crate::login::terminal::Screen;

        let home = tempfile::tempdir().unwrap();
        let mut screen = Screen::start(home.path(), &["demo"]);
        screen
            .expect("password: tk-auth-demo")
            .expect("[Flow Production Tracking Authentication]")
            .expect("Site URL:")
            .answer("")
            .expect("Login:")
            .answer("")
            .expect("Password (empty to abort):")
            .answer("tk-auth-demo")
            .expect("credentials:    valid")
            .expect("demo, your current session has expired.")
            .expect("Password (empty to abort):")
            .answer("tk-auth-demo")
            .expect("after 1 renewal(s)")
            .expect("[7/7]")
            .expect("Flow: logged in")
            .expect("Done:");
        let (code, shown) = screen.finish();
        assert_eq!(code, 0, "{shown}");
        assert_eq!(
            shown.matches("your current session has expired").count(),
            1,
            "one renewal prompt:\n{shown}"
        );
        assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
    }
}

/// Everything `tk-auth -v demo --non-interactive` shows on a terminal, with `NO_COLOR` set
/// to `no_color` (or removed).
#[cfg(unix)]
fn demo_screen(no_color: Option<&str>) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::login::tk_auth(home.path());
    cmd.args(["-v", "demo", "--non-interactive"]);
    match no_color {
        Some(value) => cmd.env("NO_COLOR", value),
        None => cmd.env_remove("NO_COLOR"),
    };
    let mut session = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    session.exp_eof().unwrap()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "drives the command through a pseudo-terminal, which Windows has not"
)]
fn no_color_turns_off_the_colours_a_terminal_otherwise_gets() {
    #[cfg(unix)]
    {
        let coloured = demo_screen(None);
        assert!(coloured.contains("Done:"), "{coloured}");
        assert!(coloured.contains("\x1b[1m[1/7]"), "bold steps: {coloured}");
        for no_color in [demo_screen(Some("1")), demo_screen(Some("true"))] {
            assert!(no_color.contains("Done:"), "{no_color}");
            assert!(
                !no_color.contains("\x1b[1m") && !no_color.contains("\x1b[2m"),
                "{no_color}"
            );
        }
        // An empty NO_COLOR does not count as set.
        assert!(demo_screen(Some("")).contains("\x1b[1m[1/7]"));
    }
}
