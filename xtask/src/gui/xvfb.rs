//! A virtual X server for the login window: typed into with xdotool, photographed with
//! the `import` command of the imagemagick package.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::TITLE;

/// A virtual X server, stopped when dropped.
pub(super) struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    pub(super) fn start() -> Result<Self> {
        // A display number of our own: several runs may share the machine.
        let number = 90 + std::process::id() % 100;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            // No key repeat: a loaded machine may be slow to take a key's release.
            .args([&display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .args(["-ardelay", "60000"])
            // No reset when the last client leaves: a program connecting during the reset
            // (after an xdotool call, or between two windows) would be refused.
            .arg("-noreset")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start Xvfb (the xvfb package)")?;
        let server = Self { child, display };
        server.ready()?;
        Ok(server)
    }

    /// Waits until the server answers (checked again before each program starts on it).
    pub(super) fn ready(&self) -> Result<()> {
        let start = Instant::now();
        while !self
            .xdotool(&["getdisplaygeometry"])
            .is_ok_and(|o| !o.is_empty())
        {
            if start.elapsed() > Duration::from_secs(10) {
                bail!("Xvfb did not answer on {}", self.display);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    pub(super) fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY");
        cmd
    }

    fn xdotool(&self, args: &[&str]) -> Result<String> {
        let out = self
            .command("xdotool")
            .args(args)
            .stderr(Stdio::null())
            .output()
            .context("could not run xdotool")?;
        if !out.status.success() {
            bail!("xdotool {args:?} failed with {}", out.status);
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Waits for the login window to show, and gives it the keyboard.
    pub(super) fn window(&self, timeout: Duration) -> Result<String> {
        let start = Instant::now();
        loop {
            if let Ok(id) = self.xdotool(&["search", "--onlyvisible", "--name", TITLE])
                && let Some(id) = id.lines().next().filter(|l| !l.is_empty())
            {
                let id = id.to_owned();
                self.xdotool(&["windowfocus", "--sync", &id])?;
                return Ok(id);
            }
            if start.elapsed() > timeout {
                bail!("the login window did not show within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(super) fn window_gone(&self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while self
            .xdotool(&["search", "--onlyvisible", "--name", TITLE])
            .is_ok_and(|o| !o.is_empty())
        {
            if start.elapsed() > timeout {
                bail!("the login window did not close within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    pub(super) fn typed(&self, text: &str) -> Result<()> {
        self.xdotool(&["type", "--delay", "30", text]).map(drop)
    }

    pub(super) fn key(&self, key: &str) -> Result<()> {
        self.xdotool(&["key", "--delay", "30", key]).map(drop)
    }

    /// A picture of the login window alone (its size shows how it fits its page), saved
    /// as `<name>.png` in `folder`.
    pub(super) fn screenshot(&self, folder: &Path, name: &str) -> Result<()> {
        // A few frames for the page to settle, and for the window to take its page's size.
        std::thread::sleep(Duration::from_millis(600));
        let id = self
            .xdotool(&["search", "--onlyvisible", "--name", TITLE])?
            .lines()
            .next()
            .map(str::to_owned)
            .context("no login window to photograph")?;
        let size = self.xdotool(&["getwindowgeometry", &id])?;
        let size = size
            .lines()
            .find_map(|l| l.trim().strip_prefix("Geometry: "))
            .unwrap_or("?");
        self.import(folder, name, &id)?;
        eprintln!("xtask: screenshot {name} of the login window ({size})");
        Ok(())
    }

    /// A picture of the whole screen.
    pub(super) fn screenshot_screen(&self, folder: &Path, name: &str) -> Result<()> {
        std::thread::sleep(Duration::from_millis(600));
        self.import(folder, name, "root")
    }

    fn import(&self, folder: &Path, name: &str, window: &str) -> Result<()> {
        let path = folder.join(format!("{name}.png"));
        let status = self
            .command("import")
            .args(["-window", window])
            .arg(&path)
            .status()
            .context("could not run import (the imagemagick package)")?;
        if !status.success() {
            bail!("the screenshot {} failed", path.display());
        }
        eprintln!("xtask: screenshot {}", path.display());
        Ok(())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets the server remove its lock file and socket from /tmp; SIGKILL only
        // if it lingers.
        let asked = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + Duration::from_secs(2);
        while asked && Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
