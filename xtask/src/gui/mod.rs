//! The login window in a real window: `cargo xtask gui-smoke` logs in through it under a
//! virtual X server (Xvfb), typing with xdotool, in the light and the dark theme, and saves
//! a screenshot of each page under `target/gui-smoke/<theme>/`; with `--windows`, the
//! Windows build's window under Wine too. `cargo xtask bench` adds the window's rows (build
//! cost of the `gui` feature, time to the first frame).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{cargo, run, workspace_root};

mod example;
mod wine;
mod xvfb;

use example::Example;
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

/// The themes the window is driven through, each forced with `TK_AUTH_THEME`; the
/// screenshots of each go to a folder of that name.
const THEMES: [&str; 2] = ["light", "dark"];

/// `cargo xtask gui-smoke [--windows]`: in each theme, a login with a two-factor code, then a
/// renewal, typed through the real window without a click (the focus is checked on every
/// page); `tk-auth login --gui` with the site typed and a refused password; then the
/// browser-approval page. A screenshot of each page goes to `target/gui-smoke/<theme>/`.
/// `--windows` then shows the window of the Windows build under Wine (see `wine.rs`).
pub(crate) fn smoke(args: &[String]) -> Result<()> {
    let windows = args.iter().any(|a| a == "--windows");
    if let Some(other) = args.iter().find(|a| *a != "--windows") {
        bail!("unknown option {other:?} of gui-smoke (only --windows)");
    }
    let shots = workspace_root().join("target/gui-smoke");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots)?;
    let binaries = build_binaries()?;
    let windows_build = if windows {
        Some(wine::prepare()?)
    } else {
        None
    };
    let server = Xvfb::start()?;
    let outcome = (|| {
        for theme in THEMES {
            let folder = shots.join(theme);
            std::fs::create_dir_all(&folder)?;
            pages(&server, &binaries, &folder, theme)?;
        }
        if let Some(build) = &windows_build {
            wine::smoke(&server, build, &shots)?;
        }
        Ok(())
    })();
    if outcome.is_err() {
        // What the screen showed when it went wrong.
        let _ = server.screenshot_screen(&shots, "failure");
    }
    outcome
}

fn pages(server: &Xvfb, binaries: &Binaries, shots: &Path, theme: &str) -> Result<()> {
    let themed = [("TK_AUTH_THEME", theme)];
    let mut example = Example::start(
        server,
        &binaries.example,
        &["--two-factor", "--threads", "8"],
        &themed,
    )?;
    let wait = Duration::from_mins(1);
    example.line("site:", wait)?;

    // No click anywhere: each page puts the focus in its first empty field, and the keys
    // typed go there.
    server.window(wait)?;
    example.page("Login", "Login", wait)?;
    server.screenshot(shots, "1-login")?;
    server.typed(LOGIN)?;
    server.key("Tab")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;

    // The two-factor page replaces the login page in the same window.
    example.page("TwoFactor", "Code", wait)?;
    server.screenshot(shots, "2-two-factor")?;
    server.typed(BACKUP_CODES[0])?;
    server.key("Return")?;
    example.line("logged in:", wait)?;

    example.line("the site expired", wait)?;
    server.window(wait)?;
    example.page("Login", "Password", wait)?;
    server.screenshot(shots, "3-renewal")?;
    server.key("Escape")?;
    server.screenshot(shots, "4-cancel-confirmation")?;
    // Esc again answers "No": the renewal goes on.
    server.key("Escape")?;
    server.typed(PASSWORD)?;
    server.key("Return")?;
    example.page("TwoFactor", "Code", wait)?;
    server.screenshot(shots, "5-renewal-two-factor")?;
    server.typed(BACKUP_CODES[1])?;
    server.key("Return")?;
    let renewed = example.line("renewed:", wait)?;
    if !renewed.starts_with("renewed: 8 of 8") {
        bail!("not every call was answered after the renewal: {renewed}");
    }
    example.finish()?;
    server.window_gone(wait)?;

    cli_login(server, binaries, shots, theme)?;

    // The browser-approval page: shown, then Back stops the wait.
    let mut example = Example::start(
        server,
        &binaries.example,
        &["--browser-approval", "--threads", "1"],
        &themed,
    )?;
    example.line("site:", wait)?;
    server.window(wait)?;
    // The site is offered, the login is empty; Enter answers the site, whose default is
    // the browser approval.
    example.page("Login", "Login", wait)?;
    server.key("Return")?;
    example.page_without_field("Approval", wait)?;
    server.screenshot(shots, "9-browser-approval")?;
    drop(example);
    server.window_gone(wait)?;
    eprintln!(
        "xtask: the login window ({theme}) logged in, renewed once for 8 calls, and showed \
         every page; screenshots in {}",
        shots.display()
    );
    Ok(())
}

/// `tk-auth login --gui` against `tk-auth emulator`, typed through the window: the site
/// first (no site is known), then the login and a wrong password, then the right one.
fn cli_login(server: &Xvfb, binaries: &Binaries, shots: &Path, theme: &str) -> Result<()> {
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
        let home = home.to_string_lossy();
        let wait = Duration::from_mins(1);
        let mut login = Example::start(
            server,
            binary,
            &["login", "--gui"],
            &[
                ("SHOTGUN_HOME", &home),
                // The browser approval is the site's default; the person picks it or the
                // credentials from the menu, and here the credentials come first.
                ("SGTK_DEFAULT_AUTH_METHOD", "credentials"),
                ("TK_AUTH_THEME", theme),
            ],
        )?;
        server.window(wait)?;
        // No site known yet: the focus is in the site's field.
        login.page("Login", "Site", wait)?;
        server.screenshot(shots, "6-cli-site")?;
        server.typed(&url)?;
        server.key("Return")?;
        login.page("Login", "Login", wait)?;
        server.screenshot(shots, "7-cli-login")?;
        server.typed(LOGIN)?;
        server.key("Tab")?;
        server.typed("wrong password")?;
        server.key("Return")?;
        // Refused: the error shows, the login stays, the password is asked again.
        login.page("Login", "Password", wait)?;
        server.screenshot(shots, "8-cli-wrong-password")?;
        server.typed(PASSWORD)?;
        server.key("Return")?;
        let said = login.line_with(&format!("as {LOGIN}"), wait)?;
        eprintln!("xtask: tk-auth login --gui: {said}");
        login.finish()?;
        server.window_gone(wait)
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
        let mut example = Example::start(&server, &binaries.example, &["--threads", "1"], &[])?;
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
