//! `cargo xtask gui-smoke --windows`: the login window of the Windows build
//! (`x86_64-pc-windows-gnu`), run under Wine in the same virtual X server, typed through
//! like the Linux one and photographed under `target/gui-smoke/windows-<theme>/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use super::example::Example;
use super::xvfb::Xvfb;
use crate::{cargo, run, target_dir};

/// The Windows example and what runs it.
pub(super) struct WindowsBuild {
    wine: PathBuf,
    exe: PathBuf,
    prefix: PathBuf,
}

/// Builds the Windows example, with Wine's stand-in for `bcryptprimitives.dll` beside it;
/// the Rust target, mingw and Wine are installed first when missing (`windows.rs`).
pub(super) fn prepare() -> Result<WindowsBuild> {
    let wine = crate::windows::prepare()?;
    let shim = crate::windows::build_shim()?;
    run(cargo().args([
        "build",
        "--locked",
        "--target",
        crate::windows::TARGET,
        "-p",
        "tk-auth-prompt",
        "--features",
        "gui",
        "--example",
        "login_window",
    ]))?;
    let folder = target_dir().join(format!("{}/debug/examples", crate::windows::TARGET));
    std::fs::copy(&shim, folder.join("bcryptprimitives.dll"))
        .with_context(|| format!("could not copy {} beside the example", shim.display()))?;
    Ok(WindowsBuild {
        wine,
        exe: folder.join("login_window.exe"),
        // A Wine prefix of the smoke test's own, kept between runs (its first start takes a
        // while) in the build folder, which `cargo clean` empties.
        prefix: target_dir().join("wine-prefix"),
    })
}

/// The Windows window, typed through under Wine, in each theme: site, login and password,
/// then the two-factor code, with the focus checked on every page.
pub(super) fn smoke(server: &Xvfb, build: &WindowsBuild, shots: &Path) -> Result<()> {
    let outcome = super::THEMES.iter().try_for_each(|theme| {
        let folder = shots.join(format!("windows-{theme}"));
        std::fs::create_dir_all(&folder)?;
        pages(server, build, &folder, theme)
    });
    // Wine's own processes of this prefix (its server, its desktop) outlive the program;
    // stopped here, they do not find the X server gone.
    let _ = std::process::Command::new(build.wine.with_file_name("wineserver"))
        .arg("-k")
        .env("WINEPREFIX", &build.prefix)
        .status();
    outcome
}

fn pages(server: &Xvfb, build: &WindowsBuild, shots: &Path, theme: &str) -> Result<()> {
    let prefix = build.prefix.to_string_lossy();
    let exe = build.exe.to_string_lossy();
    let mut example = Example::start(
        server,
        &build.wine,
        &[&exe],
        &[
            ("WINEPREFIX", &prefix),
            ("WINEDEBUG", "-all"),
            ("TK_AUTH_THEME", theme),
        ],
    )?;
    // A new Wine prefix is made on the first start: minutes on a slow machine.
    server.window(Duration::from_mins(4))?;
    let wait = Duration::from_mins(1);
    example.page("Login", "Site", wait)?;
    server.screenshot(shots, "1-site")?;
    server.typed("mystudio.shotgrid.autodesk.com")?;
    server.key("Return")?;
    example.line("site: https://mystudio.shotgrid.autodesk.com", wait)?;
    example.page("Login", "Login", wait)?;
    server.typed(super::LOGIN)?;
    server.key("Tab")?;
    server.typed(super::PASSWORD)?;
    server.screenshot(shots, "2-login")?;
    server.key("Return")?;
    example.line(&format!("login: {}", super::LOGIN), wait)?;
    example.line("password: one typed", wait)?;
    example.page("TwoFactor", "Code", wait)?;
    server.screenshot(shots, "3-two-factor")?;
    server.typed(super::BACKUP_CODES[0])?;
    server.key("Return")?;
    example.line("code: one typed", wait)?;
    example.finish()?;
    server.window_gone(wait)?;
    eprintln!(
        "xtask: the Windows login window ({theme}) under Wine took every answer; \
         screenshots in {}",
        shots.display()
    );
    Ok(())
}
