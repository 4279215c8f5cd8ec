//! A `tk-auth` process on a pseudo-terminal, with everything it showed kept for checks
//! (as written: UTF-8, though rexpect reads it byte by byte).

use std::path::Path;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

/// How long one expected text may take to appear.
const TIMEOUT_MS: u64 = 20_000;

/// `tk-auth args…` (made with [`super::tk_auth`]) started through `sh`, which applies
/// `redirect` to it first.
fn redirected(home: &Path, args: &[&str], redirect: &str) -> std::process::Command {
    let tk_auth = super::tk_auth(home);
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", &format!("exec \"$@\" {redirect}"), "sh"])
        .arg(tk_auth.get_program())
        .args(args);
    for (name, value) in tk_auth.get_envs() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    cmd
}

/// `text` as rexpect reads it from the terminal: one `char` per byte.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What rexpect read (one `char` per byte) as the text that was written (UTF-8).
fn as_written(read: &str) -> String {
    let bytes: Vec<u8> = read
        .chars()
        .map(|c| u8::try_from(c).unwrap_or(b'?'))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A `tk-auth` process on a pseudo-terminal.
pub(crate) struct Screen {
    session: PtySession,
    shown: String,
}

impl Screen {
    /// Starts `tk-auth args…` with `home` as its `SHOTGUN_HOME`.
    pub(crate) fn start(home: &Path, args: &[&str]) -> Self {
        let mut cmd = super::tk_auth(home);
        cmd.args(args);
        Self::spawn(cmd)
    }

    /// Starts `cmd` (made with [`super::tk_auth`]) on a terminal.
    pub(crate) fn spawn(cmd: std::process::Command) -> Self {
        let session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("tk-auth starts on a terminal");
        Self {
            session,
            shown: String::new(),
        }
    }

    /// Starts `tk-auth args…` on the terminal, but with standard input from `/dev/null`: the
    /// terminal is there (`/dev/tty`), standard input is not it.
    pub(crate) fn start_without_terminal_input(home: &Path, args: &[&str]) -> Self {
        Self::spawn(redirected(home, args, "</dev/null"))
    }

    /// Starts `tk-auth args…` on the terminal, but with stderr written to `file`: questions
    /// can be answered, and what is shown on stderr is what a log file gets.
    pub(crate) fn start_with_stderr_to(home: &Path, args: &[&str], file: &Path) -> Self {
        let file = file.to_str().expect("a temporary path is text");
        assert!(!file.contains('\''), "{file} cannot be quoted for sh");
        Self::spawn(redirected(home, args, &format!("2>'{file}'")))
    }

    /// Waits until `text` is shown.
    pub(crate) fn expect(&mut self, text: &str) -> &mut Self {
        match self.session.exp_string(&as_read(text)) {
            Ok(before) => {
                self.shown.push_str(&as_written(&before));
                self.shown.push_str(text);
            }
            Err(e) => panic!(
                "{text:?} was not shown ({e}); the screen so far:\n{}",
                self.shown
            ),
        }
        self
    }

    /// Types `line` and Enter.
    pub(crate) fn answer(&mut self, line: &str) -> &mut Self {
        // A moment for the question to switch the terminal to its own mode first.
        std::thread::sleep(std::time::Duration::from_millis(150));
        self.session.send(line).unwrap();
        self.session.send("\r").unwrap();
        self.session.flush().unwrap();
        self
    }

    /// Presses Ctrl-`key`.
    pub(crate) fn control(&mut self, key: char) -> &mut Self {
        std::thread::sleep(std::time::Duration::from_millis(150));
        self.session.send_control(key).unwrap();
        self
    }

    /// Waits for the process to end; returns its exit code and everything it showed.
    pub(crate) fn finish(mut self) -> (i32, String) {
        match self.session.exp_eof() {
            Ok(rest) => self.shown.push_str(&as_written(&rest)),
            Err(e) => panic!(
                "tk-auth did not end ({e}); the screen so far:\n{}",
                self.shown
            ),
        }
        let code = match self.session.process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("tk-auth did not exit normally: {other:?}\n{}", self.shown),
        };
        (code, self.shown)
    }
}
