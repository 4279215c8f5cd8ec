//! `cargo xtask package [--no-verify]`: the library crates packaged as crates.io would
//! receive them (`cargo package`), and each package built on its own from the packaged
//! sources with its dependencies as published — the sibling libraries from the packages made
//! in the same run.
//!
//! Only the libraries are published. Their dev-dependencies on the unpublished emulator and
//! test helpers have no version, so `cargo package` leaves them out; tests and benches stay
//! in the repository. The emulator, the command (which embeds the emulator), the test
//! helpers, the end-to-end tests and xtask are `publish = false`.
//!
//! Building the packages took over ten minutes on a shared two-core machine: each is built
//! without the workspace's profile settings, so its dependencies are built anew. `cargo xtask ci`
//! therefore runs `--no-verify`, which still checks every manifest as published (metadata,
//! versioned dependencies, the sibling crates resolved from the packages) and the file lists.

use anyhow::{Result, bail};

use crate::{cargo, latest_deps::LIBRARIES, run};

pub(crate) fn check(args: &[String]) -> Result<()> {
    let verify = match args {
        [] => true,
        [flag] if flag == "--no-verify" => false,
        _ => bail!("usage: cargo xtask package [--no-verify]"),
    };
    let mut package = cargo();
    // `--allow-dirty`: this checks what the crates would be, also from a work tree with
    // uncommitted changes; publishing itself is not done here.
    package.args(["package", "--locked", "--allow-dirty"]);
    if !verify {
        package.arg("--no-verify");
    }
    for library in LIBRARIES {
        package.args(["-p", library]);
    }
    run(&mut package)
}
