//! Running the project's Python interpreter (with `shotgun_api3` and `PyYAML`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tk_auth_core::Env;
use tk_auth_core::env::TK_AUTH_PYTHON;

use crate::workspace_root;

/// The Python interpreter that has `shotgun_api3` and `PyYAML` installed.
///
/// Taken from `TK_AUTH_PYTHON` (set by `cargo xtask test`), else the workspace's `.venv`.
///
/// # Panics
/// When neither exists: the interop tests are part of the suite, so a missing interpreter
/// is a failure with the remedy in the message, never a silent skip.
pub fn python() -> PathBuf {
    if let Some(p) = Env::process().var(TK_AUTH_PYTHON) {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with shotgun_api3: run `cargo xtask python` once (or `cargo xtask test`), \
         or set TK_AUTH_PYTHON to an interpreter that has shotgun_api3, PyYAML and Authlib"
    );
    venv
}

/// A command running [`python`], isolated from the machine's proxy and `shotgun_api3`
/// settings (proxy variables removed, `NO_PROXY=*`, no retry interval); for processes a test
/// keeps running (see [`Python`] for a run to its end).
pub(crate) fn python_command() -> Command {
    let mut command = Command::new(python());
    for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
        command.env_remove(name);
    }
    command
        .env_remove("SHOTGUN_API_RETRY_INTERVAL")
        .env("NO_PROXY", "*")
        .env("no_proxy", "*");
    command
}

/// What a Python run printed.
#[derive(Debug)]
pub struct PythonOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A run of [`python`] on a snippet or a script, isolated from the machine's proxy and
/// `shotgun_api3` settings (proxy variables removed, `NO_PROXY=*`, no retry interval).
///
/// ```no_run
/// use tk_auth_test_support::Python;
///
/// let out = Python::code("import sys; print(sys.stdin.read().upper())").stdin("hi").run();
/// assert_eq!(out.stdout, "HI\n");
/// ```
#[derive(Debug)]
pub struct Python {
    command: Command,
    stdin: Vec<u8>,
}

impl Python {
    /// Runs `source` (`python -c`); arguments given later are `sys.argv[1:]`.
    pub fn code(source: &str) -> Self {
        let mut python = Self::new();
        python.command.arg("-c").arg(source);
        python
    }

    /// Runs the script at `path`.
    pub fn script(path: impl AsRef<Path>) -> Self {
        let mut python = Self::new();
        python.command.arg(path.as_ref());
        python
    }

    fn new() -> Self {
        Self {
            command: python_command(),
            stdin: Vec::new(),
        }
    }

    /// Adds arguments.
    #[must_use]
    pub fn args<I: AsRef<std::ffi::OsStr>>(mut self, args: impl IntoIterator<Item = I>) -> Self {
        self.command.args(args);
        self
    }

    /// Sets an environment variable of the Python process.
    #[must_use]
    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    /// What the process reads on stdin.
    #[must_use]
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// Runs the process to its end; panics with what it printed unless it succeeded.
    pub fn run(mut self) -> PythonOutput {
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {:?}: {e}", self.command));
        // Written from a thread, so a large input cannot deadlock against a full stdout pipe.
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let out = child.wait_with_output().expect("the Python process ends");
        // A script that does not read its input may close the pipe early: not an error.
        let _ = writer.join();
        let output = PythonOutput {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            out.status.success(),
            "python failed ({}):\n{}\n{}",
            out.status,
            output.stdout,
            output.stderr
        );
        output
    }
}
