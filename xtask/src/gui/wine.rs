//! `cargo xtask gui-smoke --windows`: the login window of the Windows build
//! (`x86_64-pc-windows-gnu`), run under Wine in the same virtual X server, typed through
//! like the Linux one and photographed under `target/gui-smoke/windows/`. Skipped, with the
//! reason, where Wine or the Windows target is missing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use super::example::Example;
use super::xvfb::Xvfb;
use crate::{cargo, run, target_dir, var};

/// The Rust target of the Windows build.
const TARGET: &str = "x86_64-pc-windows-gnu";
/// Where Debian's wine64 lives (its `wine` wrapper picks 32 or 64 bits by itself).
const WINE: [&str; 2] = ["/usr/lib/wine/wine64", "/usr/bin/wine64"];
/// Wine 8 has no `bcryptprimitives.dll`, which Rust's standard library loads for random
/// numbers; a shim that forwards to `advapi32`'s generator stands in, beside the program.
const SHIM: &str = "bcryptprimitives.dll";
/// Where the shim is looked for: `TK_AUTH_WINE_SHIM`, else this file.
const SHIM_DEFAULT: &str = "/tmp/wine-shim/bcryptprimitives.dll";

/// The Windows example and what runs it.
pub(super) struct WindowsBuild {
    wine: PathBuf,
    exe: PathBuf,
    prefix: PathBuf,
}

fn skipped(reason: &str) -> Option<WindowsBuild> {
    eprintln!("SKIPPED: gui-smoke --windows: {reason}");
    None
}

/// Builds the Windows example and puts the shim beside it; `None` (with the reason printed)
/// where Wine, the target or the shim is missing.
pub(super) fn prepare() -> Result<Option<WindowsBuild>> {
    let Some(wine) = WINE.iter().map(PathBuf::from).find(|p| p.exists()) else {
        return Ok(skipped(
            "Wine is not installed (no wine64; the wine64 package)",
        ));
    };
    let installed = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
        });
    if !installed {
        return Ok(skipped(&format!(
            "the Rust target {TARGET} is not installed (rustup target add {TARGET}; mingw-w64)"
        )));
    }
    let shim = var("TK_AUTH_WINE_SHIM").map_or_else(|| PathBuf::from(SHIM_DEFAULT), PathBuf::from);
    if !shim.exists() {
        return Ok(skipped(&format!(
            "no {SHIM} shim for Wine at {} (TK_AUTH_WINE_SHIM names it)",
            shim.display()
        )));
    }
    run(cargo().args([
        "build",
        "--locked",
        "--target",
        TARGET,
        "-p",
        "tk-auth-prompt",
        "--features",
        "gui",
        "--example",
        "login_window",
    ]))?;
    let folder = target_dir().join(format!("{TARGET}/debug/examples"));
    std::fs::copy(&shim, folder.join(SHIM))
        .with_context(|| format!("could not copy {} beside the example", shim.display()))?;
    Ok(Some(WindowsBuild {
        wine,
        exe: folder.join("login_window.exe"),
        // A Wine prefix of the smoke test's own, kept between runs (its first start takes a
        // while) in the build folder, which `cargo clean` empties.
        prefix: target_dir().join("wine-prefix"),
    }))
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
