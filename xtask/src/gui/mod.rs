//! The login window in a real window: `cargo xtask gui-smoke` logs in through it under a
//! virtual X server (Xvfb), typing with xdotool, and saves a screenshot of each page under
//! `target/gui-smoke/`; `cargo xtask bench` adds the window's rows (build cost of the `gui`
//! feature, time to the first frame).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, run, workspace_root};

mod example;
mod xvfb;

use example::{Example, PAGE_LOG};
use xvfb::Xvfb;

const TITLE: &str = "Flow Production Tracking Login";
const LOGIN: &str = "alice";
const PASSWORD: &str = "correct horse";
/// Backup codes are single-use: one for the login, one for the renewal.
const BACKUP_CODES: [&str; 2] = ["1111-2222", "3333-4444"];

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
    let mut example = Example::start(
        server,
        &binaries.example,
        &["--two-factor", "--threads", "8"],
    )?;
    let wait = Duration::from_mins(1);
    example.line("site:", wait)?;

    server.window(wait)?;
    example.page("Login", wait)?;
    server.screenshot(shots, "1-login")?;
    server.typed(LOGIN)?;
    server.key("Tab")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;

    // The two-factor page replaces the login page in the same window.
    example.page("TwoFactor", wait)?;
    server.screenshot(shots, "2-two-factor")?;
    server.typed(BACKUP_CODES[0])?;
    server.key("Return")?;
    example.line("logged in:", wait)?;

    example.line("the site expired", wait)?;
    server.window(wait)?;
    example.page("Login", wait)?;
    server.screenshot(shots, "3-renewal")?;
    server.key("Escape")?;
    server.screenshot(shots, "4-cancel-confirmation")?;
    // Esc again answers "No": the renewal goes on.
    server.key("Escape")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;
    example.page("TwoFactor", wait)?;
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
    let mut example = Example::start(
        server,
        &binaries.example,
        &["--browser-approval", "--threads", "1"],
    )?;
    example.line("site:", wait)?;
    server.window(wait)?;
    example.page("Login", wait)?;
    server.key("Return")?;
    example.page("Approval", wait)?;
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
            .env("TK_AUTH_LOG", PAGE_LOG)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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
            let log = String::from_utf8_lossy(&out.stderr);
            bail!(
                "tk-auth login --gui failed ({}): {said}\nits log:\n{log}",
                out.status
            );
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
        let mut example = Example::start(&server, &binaries.example, &["--threads", "1"])?;
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
