//! The login window in a real window: `cargo xtask gui-smoke` logs in through it under a
//! virtual X server (Xvfb), typing with xdotool, and saves a screenshot of each page under
//! `target/gui-smoke/`; `cargo xtask bench` adds the window's rows (build cost of the `gui`
//! feature, time to the first frame).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, run, workspace_root};

const TITLE: &str = "Flow Production Tracking Login";
const LOGIN: &str = "alice";
const PASSWORD: &str = "correct horse";
/// Backup codes are single-use: one for the login, one for the renewal.
const BACKUP_CODES: [&str; 2] = ["1111-2222", "3333-4444"];

/// A virtual X server, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Result<Self> {
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
    fn ready(&self) -> Result<()> {
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

    fn command(&self, program: &str) -> Command {
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
    fn window(&self, timeout: Duration) -> Result<String> {
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

    fn window_gone(&self, timeout: Duration) -> Result<()> {
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

    fn typed(&self, text: &str) -> Result<()> {
        self.xdotool(&["type", "--delay", "30", text]).map(drop)
    }

    fn key(&self, key: &str) -> Result<()> {
        self.xdotool(&["key", "--delay", "30", key]).map(drop)
    }

    fn screenshot(&self, folder: &Path, name: &str) -> Result<()> {
        // A few frames for the page to settle.
        std::thread::sleep(Duration::from_millis(600));
        let path = folder.join(format!("{name}.png"));
        let status = self
            .command("import")
            .args(["-window", "root"])
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The desktop example, running under `server`, with its output read line by line.
struct Example {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Example {
    fn start(server: &Xvfb, binary: &Path, args: &[&str]) -> Result<Self> {
        server.ready()?;
        let mut child = server
            .command(&binary.to_string_lossy())
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let stdout: ChildStdout = child.stdout.take().context("no output of the example")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("xtask: example: {line}");
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Self { child, lines })
    }

    /// Waits for a line starting with `prefix`.
    fn line(&self, prefix: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return Ok(line),
                Ok(_) => {}
                Err(_) => bail!("the example did not print {prefix:?} within {timeout:?}"),
            }
        }
    }

    fn finish(mut self) -> Result<()> {
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

/// Builds what the smoke test runs — the desktop example and the command — before the X
/// server starts, so that a long build never sits between the server's start and its use.
fn build_binaries() -> Result<Binaries> {
    run(cargo().args([
        "build",
        "--locked",
        "-p",
        "tk-auth",
        "--features",
        "gui",
        "--example",
        "desktop_session",
    ]))?;
    run(cargo().args([
        "build",
        "--locked",
        "-p",
        "tk-auth-cli",
        "--features",
        "gui",
    ]))?;
    let debug = workspace_root().join("target/debug");
    Ok(Binaries {
        example: debug.join("examples/desktop_session"),
        cli: debug.join("tk-auth"),
    })
}

/// The programs the smoke test drives.
struct Binaries {
    example: PathBuf,
    cli: PathBuf,
}

/// `cargo xtask gui-smoke`: a login with a two-factor code, then a renewal, typed through the
/// real window; then the browser-approval page. A screenshot of each page goes to
/// `target/gui-smoke/`.
pub(crate) fn smoke() -> Result<()> {
    let shots = workspace_root().join("target/gui-smoke");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots)?;
    let binaries = build_binaries()?;
    let server = Xvfb::start()?;
    let outcome = pages(&server, &binaries, &shots);
    if outcome.is_err() {
        // What the window showed when it went wrong.
        let _ = server.screenshot(&shots, "failure");
    }
    outcome
}

fn pages(server: &Xvfb, binaries: &Binaries, shots: &Path) -> Result<()> {
    let example = Example::start(
        server,
        &binaries.example,
        &["--two-factor", "--threads", "8"],
    )?;
    let wait = Duration::from_mins(1);
    example.line("site:", wait)?;

    server.window(wait)?;
    server.screenshot(shots, "1-login")?;
    server.typed(LOGIN)?;
    server.key("Tab")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;

    // The two-factor page replaces the login page in the same window.
    std::thread::sleep(Duration::from_secs(1));
    server.screenshot(shots, "2-two-factor")?;
    server.typed(BACKUP_CODES[0])?;
    server.key("Return")?;
    example.line("logged in:", wait)?;

    example.line("the site expired", wait)?;
    server.window(wait)?;
    server.screenshot(shots, "3-renewal")?;
    server.key("Escape")?;
    server.screenshot(shots, "4-cancel-confirmation")?;
    // Esc again answers "No": the renewal goes on.
    server.key("Escape")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;
    std::thread::sleep(Duration::from_secs(1));
    server.screenshot(shots, "5-renewal-two-factor")?;
    server.typed(BACKUP_CODES[1])?;
    server.key("Return")?;
    let renewed = example.line("renewed:", wait)?;
    if !renewed.starts_with("renewed: 8 of 8") {
        bail!("not every call was answered after the renewal: {renewed}");
    }
    example.finish()?;
    server.window_gone(wait)?;

    cli_login(server, binaries, shots)?;

    // The browser-approval page: shown, then Back stops the wait.
    let example = Example::start(
        server,
        &binaries.example,
        &["--browser-approval", "--threads", "1"],
    )?;
    example.line("site:", wait)?;
    server.window(wait)?;
    server.key("Return")?;
    std::thread::sleep(Duration::from_secs(1));
    server.screenshot(shots, "7-browser-approval")?;
    drop(example);
    eprintln!(
        "xtask: the login window logged in, renewed once for 8 calls, and showed every page; \
         screenshots in {}",
        shots.display()
    );
    Ok(())
}

/// `tk-auth login --gui` against `tk-auth emulator`, typed through the window.
fn cli_login(server: &Xvfb, binaries: &Binaries, shots: &Path) -> Result<()> {
    let binary = &binaries.cli;
    let config = shots.join("site.toml");
    std::fs::write(
        &config,
        format!(
            "authentication_app_session_launcher_enabled = true\n\n\
             [[human_users]]\nlogin = \"{LOGIN}\"\npassword = \"{PASSWORD}\"\n"
        ),
    )?;
    let mut site = Command::new(binary)
        .args(["emulator", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .context("could not start `tk-auth emulator`")?;
    let outcome = (|| {
        let stdout = site.stdout.take().context("no output of the emulator")?;
        let mut url = String::new();
        BufReader::new(stdout).read_line(&mut url)?;
        let url = url.trim().to_owned();
        eprintln!("xtask: tk-auth emulator: {url}");
        let home = shots.join("shotgun-home");
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home)?;
        let login = server
            .command(&binary.to_string_lossy())
            .args(["login", "--gui", "--site", &url])
            .env("SHOTGUN_HOME", &home)
            // The browser approval is the site's default; the person picks it or the
            // credentials from the menu, and here the credentials come first.
            .env("SGTK_DEFAULT_AUTH_METHOD", "credentials")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("could not start `tk-auth login --gui`")?;
        server.window(Duration::from_mins(1))?;
        server.screenshot(shots, "6-cli-login")?;
        server.typed(LOGIN)?;
        server.key("Tab")?;
        server.typed(PASSWORD)?;
        server.key("Return")?;
        let out = login.wait_with_output()?;
        let said = String::from_utf8_lossy(&out.stdout);
        eprintln!("xtask: tk-auth login --gui: {}", said.trim());
        if !out.status.success() || !said.contains(&format!("as {LOGIN}")) {
            bail!("tk-auth login --gui failed ({}): {said}", out.status);
        }
        Ok(())
    })();
    let _ = site.kill();
    let _ = site.wait();
    outcome
}

/// Time from the first question to the window's first frame (eframe shows the window once
/// its first frame is drawn), under Xvfb, the median of a few runs.
pub(crate) fn first_frame() -> Result<Duration> {
    let binaries = build_binaries()?;
    let server = Xvfb::start()?;
    let mut times = Vec::new();
    for _ in 0..5 {
        let example = Example::start(&server, &binaries.example, &["--threads", "1"])?;
        example.line("site:", Duration::from_mins(1))?;
        let asked = Instant::now();
        server.window(Duration::from_mins(1))?;
        times.push(asked.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// Wall and CPU time of a build.
type BuildTime = (Duration, Duration);

/// Cold release builds of the command with and without the window, each in a fresh target
/// folder: (without, with).
pub(crate) fn build_cost() -> Result<(BuildTime, BuildTime)> {
    let mut measured = Vec::new();
    for features in [&[][..], &["--features", "gui"][..]] {
        let target = std::env::temp_dir().join(format!(
            "tk-auth-gui-build-{}-{}",
            std::process::id(),
            features.len()
        ));
        let mut args = vec!["--release", "-p", "tk-auth-cli"];
        args.extend_from_slice(features);
        let outcome = crate::build_times::measure(&args, &target);
        let _ = std::fs::remove_dir_all(&target);
        measured.push(outcome?);
    }
    Ok((measured[0], measured[1]))
}

/// The window's rows of `cargo xtask bench`; `builds: false` leaves out the two cold
/// release builds (minutes, and a few GB of disk in temporary target folders).
pub(crate) fn bench_rows(builds: bool) -> Result<()> {
    let frame = first_frame()?;
    println!(
        "| first question to the login window's first frame (Xvfb, median of 5) | {:.0} ms |",
        frame.as_secs_f64() * 1000.0
    );
    if !builds {
        return Ok(());
    }
    let (without, with) = build_cost()?;
    let ratio = |w: Duration, wo: Duration| w.as_secs_f64() / wo.as_secs_f64().max(0.001);
    println!("| login window | wall | CPU (user+sys) |");
    println!("|---|---:|---:|");
    println!(
        "| cold release build of tk-auth-cli, without `gui` | {:.1} s | {:.1} s |",
        without.0.as_secs_f64(),
        without.1.as_secs_f64()
    );
    println!(
        "| cold release build of tk-auth-cli, with `gui` | {:.1} s ({:.2}x) | {:.1} s ({:.2}x) |",
        with.0.as_secs_f64(),
        ratio(with.0, without.0),
        with.1.as_secs_f64(),
        ratio(with.1, without.1)
    );
    Ok(())
}
