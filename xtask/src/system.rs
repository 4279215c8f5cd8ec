//! System packages the tests use, checked before anything is built.

use std::process::{Command, Stdio};

use anyhow::{Result, bail};

use crate::run;

/// A program the tests run, and the Debian package that provides it.
struct Need {
    package: &'static str,
    why: &'static str,
    present: fn() -> bool,
}

const NEEDS: &[Need] = &[
    Need {
        package: "python3-venv",
        why: "the Python interop tests run in a venv (Debian ships venv apart from python3)",
        present: || succeeds("python3", &["-c", "import venv, ensurepip"]),
    },
    Need {
        package: "python3-dev",
        why: "the Python extension (crates/tk-auth-py) links libpython when the workspace builds it outside maturin",
        present: || {
            ["x86_64-linux-gnu", "aarch64-linux-gnu"]
                .iter()
                .any(|arch| {
                    std::path::Path::new(&format!("/usr/lib/{arch}/libpython3.so")).exists()
                        || std::fs::read_dir(format!("/usr/lib/{arch}")).is_ok_and(|entries| {
                            entries.flatten().any(|e| {
                                let name = e.file_name();
                                let name = name.to_string_lossy();
                                name.starts_with("libpython3.") && name.ends_with(".so")
                            })
                        })
                })
        },
    },
    Need {
        package: "dbus-daemon",
        why: "the keyring store's test runs a private D-Bus session",
        present: || succeeds("dbus-run-session", &["--version"]),
    },
    Need {
        package: "gnome-keyring",
        why: "a throwaway Secret Service for the keyring store's test",
        present: || succeeds("gnome-keyring-daemon", &["--version"]),
    },
    Need {
        package: "xvfb",
        why: "the login window's smoke test runs in a virtual X server",
        present: || on_path("Xvfb"),
    },
    Need {
        package: "xdotool",
        why: "the login window's smoke test types into the real window",
        present: || on_path("xdotool"),
    },
    Need {
        package: "imagemagick",
        why: "the login window's smoke test saves a screenshot of each page (`import`)",
        present: || on_path("import"),
    },
    Need {
        package: "libgl1-mesa-dri",
        why: "the login window draws with OpenGL, in software under the virtual X server",
        present: || {
            ["x86_64-linux-gnu", "aarch64-linux-gnu"]
                .iter()
                .any(|arch| {
                    std::path::Path::new(&format!("/usr/lib/{arch}/dri/swrast_dri.so")).exists()
                })
        },
    },
    Need {
        package: "libegl1",
        why: "the login window loads libEGL/libGL at run time",
        present: || has_library("libEGL.so.1"),
    },
    Need {
        package: "libgl1",
        why: "the login window loads libGL at run time (GLX)",
        present: || has_library("libGL.so.1"),
    },
    Need {
        package: "libxkbcommon-x11-0",
        why: "the window's keyboard handling under X11 is loaded at run time",
        present: || has_library("libxkbcommon-x11.so.0"),
    },
    Need {
        package: "libxcursor1",
        why: "the window's cursors under X11 are loaded at run time",
        present: || has_library("libXcursor.so.1"),
    },
    Need {
        package: "libxi6",
        why: "the window's input under X11 is loaded at run time",
        present: || has_library("libXi.so.6"),
    },
    Need {
        package: "libxrandr2",
        why: "the window's screen size under X11 is loaded at run time",
        present: || has_library("libXrandr.so.2"),
    },
    Need {
        package: "xmlsec1",
        why: "the SAML identity provider the SSO renewal is tested against (pysaml2) signs with it",
        present: || succeeds("xmlsec1", &["--version"]),
    },
    Need {
        package: "curl",
        why: "the emulator's documented curl round trip is run as a test",
        present: || succeeds("curl", &["--version"]),
    },
];

/// What `cargo xtask windows` needs besides the Rust target: mingw's linker and Wine.
const WINDOWS_NEEDS: &[Need] = &[
    Need {
        package: "gcc-mingw-w64-x86-64",
        why: "links the Windows build (and builds the Wine stand-in for bcryptprimitives.dll)",
        present: || on_path("x86_64-w64-mingw32-gcc"),
    },
    Need {
        package: "wine64",
        why: "runs the Windows test programs",
        present: || wine_program().is_some(),
    },
];

/// Adds the standard libraries of `targets` to the pinned toolchain (`rust-toolchain.toml`,
/// hence run in the workspace) when missing.
pub(crate) fn ensure_rust_targets(targets: &[&str]) -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(crate::workspace_root())
        .output()
        .map_err(|e| {
            anyhow::anyhow!(
                "could not run rustup ({e}), which installs the standard library of {}",
                targets.join(", ")
            )
        })?;
    if !out.status.success() {
        bail!("rustup target list --installed failed with {}", out.status);
    }
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    run(Command::new("rustup")
        .args(["target", "add"])
        .args(&missing)
        .current_dir(crate::workspace_root()))
}

/// Wine's 64-bit program: Debian installs it outside `PATH`, under `/usr/lib/wine`.
pub(crate) fn wine_program() -> Option<std::path::PathBuf> {
    [
        "/usr/lib/wine/wine64",
        "/usr/lib/x86_64-linux-gnu/wine/wine64",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
    .or_else(|| on_path("wine64").then(|| "wine64".into()))
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn on_path(program: &str) -> bool {
    succeeds("sh", &["-c", &format!("command -v {program}")])
}

/// Whether the dynamic loader knows a shared library.
fn has_library(name: &str) -> bool {
    Command::new("ldconfig")
        .arg("-p")
        .output()
        .or_else(|_| Command::new("/sbin/ldconfig").arg("-p").output())
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(name))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.trim_ascii() == b"0")
}

/// Installs the missing packages with `apt-get` when running as root on a Debian-like
/// system; otherwise stops with the command to run, before anything is built.
pub(crate) fn ensure_packages() -> Result<()> {
    ensure(NEEDS, false)
}

/// As [`ensure_packages`], for the Windows build and Wine. Wine is installed with the
/// packages Debian recommends (its TLS and graphics libraries among them), as the tests were
/// run with them.
pub(crate) fn ensure_windows_packages() -> Result<()> {
    ensure(WINDOWS_NEEDS, true)
}

fn ensure(needs: &[Need], recommends: bool) -> Result<()> {
    let missing: Vec<&Need> = needs.iter().filter(|n| !(n.present)()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|n| n.package).collect();
    for need in &missing {
        eprintln!(
            "xtask: missing system package {}: {}",
            need.package, need.why
        );
    }
    if cfg!(target_os = "linux") && is_root() && succeeds("apt-get", &["--version"]) {
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        let mut install = Command::new("apt-get");
        install.args(["install", "-y", "-qq"]);
        if !recommends {
            install.arg("--no-install-recommends");
        }
        run(install
            .args(&names)
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        let still: Vec<&str> = needs
            .iter()
            .filter(|n| !(n.present)())
            .map(|n| n.package)
            .collect();
        if !still.is_empty() {
            bail!("still missing after apt-get install: {}", still.join(" "));
        }
        return Ok(());
    }
    bail!(
        "the tests need these system packages: {list}\n\
         install them first, e.g. `sudo apt-get install --no-install-recommends {list}` on \
         Debian or Ubuntu (or your system's equivalents), then run this again",
        list = names.join(" ")
    )
}
