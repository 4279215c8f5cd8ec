//! A `tk-auth` process on a pseudo-terminal, with everything it showed kept for checks.

use std::path::Path;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

/// How long one expected text may take to appear.
const TIMEOUT_MS: u64 = 20_000;

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
        let tk_auth = super::tk_auth(home);
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "exec \"$@\" </dev/null", "sh"])
            .arg(tk_auth.get_program())
            .args(args);
        for (name, value) in tk_auth.get_envs() {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        Self::spawn(cmd)
    }

    /// Waits until `text` is shown.
    pub(crate) fn expect(&mut self, text: &str) -> &mut Self {
        match self.session.exp_string(text) {
            Ok(before) => {
                self.shown.push_str(&before);
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
            Ok(rest) => self.shown.push_str(&rest),
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
