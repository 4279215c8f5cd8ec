//! `tk-auth login`, `whoami` and `token` against the site emulator over loopback, with a
//! real session cache in a temporary `SHOTGUN_HOME`: through a pseudo-terminal, without a
//! terminal, while another process renews the session, and as the Python Toolkit sees the
//! result.

mod browser_without_a_terminal;
mod no_terminal;
mod password_stdin;
mod python_interop;
#[cfg(unix)]
#[cfg(unix)]
pub(crate) mod terminal;
mod through_a_terminal;
mod waiting_for_another_renewal;

use std::path::Path;
use std::process::Command;

use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

/// The password of every person on the test sites.
pub(crate) const PASSWORD: &str = "pw Canary-7 ";

/// A site with alice (named Alice Doe) and, with two-factor authentication, bob.
pub(crate) fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(
            HumanAccount::new("alice", PASSWORD)
                .with_id(42)
                .with_name("Alice", "Doe"),
        )
        .human_user(HumanAccount::new("bob", PASSWORD).with_totp_secret("JBSWY3DPEHPK3PXP"))
        .start()
        .expect("the site emulator starts")
}

/// The `tk-auth` command with `home` as its `SHOTGUN_HOME`, isolated from the machine's
/// settings, display and prompt choices.
pub(crate) fn tk_auth(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tk-auth"));
    cmd.env("SHOTGUN_HOME", home)
        .env("HOME", home)
        .env("NO_PROXY", "*")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    for name in [
        "TK_AUTH_STORE",
        "TK_AUTH_PROMPT",
        "TK_AUTH_NONINTERACTIVE",
        "SGTK_PREFERENCES_LOCATION",
        "SGTK_DESKTOP_CONFIG_LOCATION",
        "SGTK_DEFAULT_AUTH_METHOD",
        "SGTK_FORCE_STANDARD_LOGIN_DIALOG",
        "SGTK_AUTH_ALLOW_NO_HTTPS",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

/// Runs `cmd` with `input` on its standard input (a pipe) and returns what it printed.
pub(crate) fn run_with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tk-auth starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(input.as_bytes())
        .expect("the input is written");
    drop(stdin);
    child.wait_with_output().expect("tk-auth ends")
}
