//! A program with the login window (the desktop example, the command) under the virtual X
//! server: what it prints, read line by line, and the window's own account of the page it
//! shows and of the field holding the keyboard focus (its debug log on stderr).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::xvfb::Xvfb;

/// What the login window logs when a page is drawn and ready for typing.
const PAGE_READY: &str = "the login window shows a page ready for typing";

/// The log filter that makes the window say which page it shows.
const PAGE_LOG: &str = "tk_auth_prompt=debug";

/// A program with the login window, running under an X server, with its output read line
/// by line.
pub(super) struct Example {
    child: Child,
    /// Lines of stdout (`false`) and stderr (`true`), as they arrive.
    lines: mpsc::Receiver<(bool, String)>,
    /// Lines received but not yet looked at, per stream ([stdout, stderr]): the two pipes
    /// are read apart, so a line of one may arrive before an earlier line of the other.
    unread: [VecDeque<String>; 2],
}

impl Example {
    /// Starts `binary` with `args` and the environment variables `envs`.
    pub(super) fn start(
        server: &Xvfb,
        binary: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Result<Self> {
        server.ready()?;
        let mut child = server
            .command(&binary.to_string_lossy())
            .args(args)
            .envs(envs.iter().copied())
            // The command reads `RUST_LOG` too, when `TK_AUTH_LOG` is not set.
            .env_remove("TK_AUTH_LOG")
            .env("RUST_LOG", PAGE_LOG)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().context("no output of the example")?;
        let stderr = child
            .stderr
            .take()
            .context("no error output of the example")?;
        forward(stdout, false, sender.clone());
        forward(stderr, true, sender);
        Ok(Self {
            child,
            lines,
            unread: [VecDeque::new(), VecDeque::new()],
        })
    }

    /// Waits for a line of stdout starting with `prefix`.
    pub(super) fn line(&mut self, prefix: &str, timeout: Duration) -> Result<String> {
        self.wait_for(false, timeout, &format!("print {prefix:?}"), |line| {
            line.starts_with(prefix)
        })
    }

    /// Waits for a line of stdout containing `text`.
    pub(super) fn line_with(&mut self, text: &str, timeout: Duration) -> Result<String> {
        self.wait_for(false, timeout, &format!("print {text:?}"), |line| {
            line.contains(text)
        })
    }

    /// Waits until the window has drawn `page` (as the window's log names it, e.g.
    /// `TwoFactor`) with the keyboard focus in `field` (`Site`, `Login`, `Password`, `Code`),
    /// so that keys typed from now on reach that field without a click.
    pub(super) fn page(&mut self, page: &str, field: &str, timeout: Duration) -> Result<()> {
        let page = format!("page={page}");
        let what = format!("show the {page} page");
        let line = self.wait_for(true, timeout, &what, |line| {
            line.contains(PAGE_READY) && line.contains(&page)
        })?;
        if !line.contains(&format!("field=Some({field})")) {
            bail!(
                "the window showed the {page} page with the focus elsewhere than {field}: {line}"
            );
        }
        Ok(())
    }

    /// Waits until the window has drawn `page`, which has no field to type in.
    pub(super) fn page_without_field(&mut self, page: &str, timeout: Duration) -> Result<()> {
        let page = format!("page={page}");
        self.wait_for(true, timeout, &format!("show the {page} page"), |line| {
            line.contains(PAGE_READY) && line.contains(&page) && line.contains("field=None")
        })
        .map(drop)
    }

    /// Takes lines of one stream until one is `wanted`.
    fn wait_for(
        &mut self,
        stderr: bool,
        timeout: Duration,
        what: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(line) = self.unread[usize::from(stderr)].pop_front() {
                if wanted(&line) {
                    return Ok(line);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((from_stderr, line)) => self.unread[usize::from(from_stderr)].push_back(line),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the example did not {what} within {timeout:?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    bail!("the example ended ({status}) before it did {what}")
                }
            }
        }
    }

    pub(super) fn finish(mut self) -> Result<()> {
        let status = self.child.wait()?;
        if !status.success() {
            bail!("the example failed with {status}");
        }
        Ok(())
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Echoes each line of `output` to this process's stderr and sends it on.
fn forward(output: impl Read + Send + 'static, stderr: bool, lines: mpsc::Sender<(bool, String)>) {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            eprintln!("xtask: example: {line}");
            // The reader may be gone; the output is still drained so the example never blocks.
            let _ = lines.send((stderr, line));
        }
    });
}
