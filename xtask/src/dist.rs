//! `cargo xtask dist [--target TRIPLE…]`: the `tk-auth` command built in release for Linux
//! (`x86_64-unknown-linux-gnu`, a `.tar.gz`) and Windows (`x86_64-pc-windows-gnu`, a `.zip`,
//! cross-built with mingw), each archive named with the version and the target, in
//! `target/dist/`, with a `SHA256SUMS` file that `sha256sum -c` reads.
//!
//! macOS archives are not made here: linking a macOS program needs Apple's SDK, which only
//! a Mac with Xcode has. `cargo xtask macos-check` type-checks the code for macOS instead.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::{cargo, run, target_dir, workspace_root};

/// How a platform's archive is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    TarGz,
    Zip,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::TarGz => "tar.gz",
            Format::Zip => "zip",
        }
    }
}

/// A platform we build release archives for.
#[derive(Debug)]
struct Platform {
    target: &'static str,
    executable: &'static str,
    format: Format,
    /// The binutils `strip` for the target's object format, and its Debian package.
    strip: (&'static str, &'static str),
}

const PLATFORMS: &[Platform] = &[
    Platform {
        target: "x86_64-unknown-linux-gnu",
        executable: "tk-auth",
        format: Format::TarGz,
        strip: ("strip", "binutils"),
    },
    Platform {
        target: "x86_64-pc-windows-gnu",
        executable: "tk-auth.exe",
        format: Format::Zip,
        strip: ("x86_64-w64-mingw32-strip", "binutils-mingw-w64-x86-64"),
    },
];

/// What a macOS build needs, printed by `dist` and stated in the README.
pub(crate) const MACOS_NOTE: &str = "macOS: not built here — linking needs Apple's SDK, which \
     only a Mac with Xcode (or its Command Line Tools) provides. On a Mac: `rustup target add \
     aarch64-apple-darwin` then `cargo build --release --locked -p tk-auth-cli --target \
     aarch64-apple-darwin` (x86_64-apple-darwin for Intel Macs), or `cargo install --path \
     crates/tk-auth-cli`. `cargo xtask macos-check` type-checks the code for both macOS targets \
     on Linux.";

/// Files shipped beside the program in every archive.
const EXTRA_FILES: &[&str] = &["README.md", "CHANGELOG.md"];

/// An archive written by this run.
struct Built {
    file: PathBuf,
    size: u64,
    sha256: String,
}

pub(crate) fn dist(args: &[String]) -> Result<()> {
    let platforms = chosen_platforms(args)?;
    let version = cli_version()?;
    let out = target_dir().join("dist");
    std::fs::create_dir_all(&out).with_context(|| format!("could not create {}", out.display()))?;

    let mut built = Vec::new();
    for platform in platforms {
        run(cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "tk-auth-cli",
            "--target",
            platform.target,
        ]))?;
        let exe = target_dir()
            .join(platform.target)
            .join("release")
            .join(platform.executable);
        let stem = format!("tk-auth-{version}-{}", platform.target);
        let shipped = stripped_copy(platform, &exe, &out.join("staging").join(platform.target))?;
        if platform.target == host_target() {
            check_runs(&shipped, &version)?;
        }
        let file = out.join(format!("{stem}.{}", platform.format.extension()));
        let mut entries = vec![(platform.executable.to_owned(), shipped, true)];
        for extra in EXTRA_FILES {
            entries.push(((*extra).to_owned(), workspace_root().join(extra), false));
        }
        write_archive(platform.format, &file, &stem, &entries)?;
        built.push(describe(&file)?);
    }

    let sums = out.join("SHA256SUMS");
    std::fs::write(&sums, sha256sums(&built))
        .with_context(|| format!("could not write {}", sums.display()))?;
    println!("tk-auth {version}, in {}:", out.display());
    for b in &built {
        println!(
            "  {}  version {version}  {} bytes ({:.1} MiB)  sha256 {}",
            file_name(&b.file),
            b.size,
            mebibytes(b.size),
            b.sha256
        );
    }
    println!("  SHA256SUMS (check with `sha256sum -c SHA256SUMS` in that folder)");
    println!("{MACOS_NOTE}");
    Ok(())
}

/// `--target TRIPLE` (repeatable) picks platforms; none means all of them.
fn chosen_platforms(args: &[String]) -> Result<Vec<&'static Platform>> {
    let mut chosen = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg != "--target" {
            bail!("unknown argument `{arg}` (usage: cargo xtask dist [--target TRIPLE]…)");
        }
        let Some(target) = args.next() else {
            bail!("--target needs a target triple");
        };
        if target.contains("apple") {
            bail!("{MACOS_NOTE}");
        }
        let Some(platform) = PLATFORMS.iter().find(|p| p.target == target) else {
            let known: Vec<&str> = PLATFORMS.iter().map(|p| p.target).collect();
            bail!(
                "no archive is made for `{target}`; known targets: {}",
                known.join(", ")
            );
        };
        chosen.push(platform);
    }
    if chosen.is_empty() {
        chosen.extend(PLATFORMS.iter());
    }
    Ok(chosen)
}

/// The command's version, as cargo knows it.
fn cli_version() -> Result<String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .output()
        .context("could not run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed with {}", out.status);
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata printed invalid JSON")?;
    meta["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "tk-auth-cli"))
        .and_then(|p| p["version"].as_str())
        .map(str::to_owned)
        .context("cargo metadata names no tk-auth-cli package")
}

/// The target this xtask was built for, which is the machine it runs on.
fn host_target() -> &'static str {
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        "x86_64-unknown-linux-gnu"
    } else {
        ""
    }
}

/// The program built for this machine runs and reports the version in its archive's name.
fn check_runs(exe: &Path, version: &str) -> Result<()> {
    let out = Command::new(exe)
        .arg("--version")
        .output()
        .with_context(|| format!("could not run {}", exe.display()))?;
    let printed = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !printed.contains(version) {
        bail!(
            "{} --version exited with {} and printed {printed:?}, not version {version}",
            exe.display(),
            out.status
        );
    }
    eprintln!("xtask: {} --version: {}", exe.display(), printed.trim());
    Ok(())
}

/// A copy of the program without debug information, which is most of its size: the release
/// profile keeps line tables for backtraces of local builds (about 100 MB for the command,
/// 20 MB without). The symbols stay, so a panic's backtrace still names functions.
fn stripped_copy(platform: &Platform, exe: &Path, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let copy = dir.join(platform.executable);
    std::fs::copy(exe, &copy)
        .with_context(|| format!("could not copy {} to {}", exe.display(), copy.display()))?;
    let (strip, package) = platform.strip;
    run(Command::new(strip).arg("--strip-debug").arg(&copy))
        .with_context(|| format!("`{strip}` comes with the Debian package {package}"))?;
    Ok(copy)
}

/// Writes `entries` (name in the archive, file on disk, executable) into one folder named
/// `stem` inside the archive, as people expect an unpacked release to look.
fn write_archive(
    format: Format,
    file: &Path,
    stem: &str,
    entries: &[(String, PathBuf, bool)],
) -> Result<()> {
    let out = BufWriter::new(
        File::create(file).with_context(|| format!("could not create {}", file.display()))?,
    );
    match format {
        Format::TarGz => {
            let gz = flate2::write::GzEncoder::new(out, flate2::Compression::best());
            let mut tar = tar::Builder::new(gz);
            for (name, path, executable) in entries {
                let data = std::fs::read(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(if *executable { 0o755 } else { 0o644 });
                header.set_mtime(modified_secs(path));
                header.set_cksum();
                tar.append_data(&mut header, format!("{stem}/{name}"), data.as_slice())?;
            }
            tar.into_inner()?.finish()?.flush()?;
        }
        Format::Zip => {
            let mut zip = zip::ZipWriter::new(out);
            for (name, path, executable) in entries {
                let data = std::fs::read(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(if *executable { 0o755 } else { 0o644 });
                zip.start_file(format!("{stem}/{name}"), options)?;
                zip.write_all(&data)?;
            }
            zip.finish()?.flush()?;
        }
    }
    Ok(())
}

/// A file's modification time in seconds since the epoch (0 when the system cannot say).
fn modified_secs(path: &Path) -> u64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

fn describe(file: &Path) -> Result<Built> {
    let data = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    Ok(Built {
        file: file.to_path_buf(),
        size: data.len() as u64,
        sha256: sha256_hex(&data),
    })
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The `sha256sum` format: the checksum, two spaces, the file name.
fn sha256sums(built: &[Built]) -> String {
    built.iter().fold(String::new(), |mut sums, b| {
        let _ = writeln!(sums, "{}  {}", b.sha256, file_name(&b.file));
        sums
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a size shown to one decimal place"
)]
fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Two files in a temp dir: a fake program (any bytes) and a text file.
    fn inputs(dir: &Path) -> Vec<(String, PathBuf, bool)> {
        let program = dir.join("prog");
        std::fs::write(&program, b"\x7fELF not really a program").unwrap();
        let text = dir.join("notes.md");
        std::fs::write(&text, "# notes\n").unwrap();
        vec![
            ("tk-auth".to_owned(), program, true),
            ("README.md".to_owned(), text, false),
        ]
    }

    #[test]
    fn the_tar_gz_holds_each_file_in_one_folder_with_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.tar.gz");
        write_archive(Format::TarGz, &file, "tk-auth-9.9.9-x", &inputs(dir.path())).unwrap();

        let mut archive =
            tar::Archive::new(flate2::read::GzDecoder::new(File::open(&file).unwrap()));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mode = entry.header().mode().unwrap();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).unwrap();
            seen.push((path, mode, body));
        }
        assert_eq!(
            seen,
            [
                (
                    "tk-auth-9.9.9-x/tk-auth".to_owned(),
                    0o755,
                    b"\x7fELF not really a program".to_vec()
                ),
                (
                    "tk-auth-9.9.9-x/README.md".to_owned(),
                    0o644,
                    b"# notes\n".to_vec()
                ),
            ]
        );
    }

    #[test]
    fn the_zip_holds_each_file_in_one_folder_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.zip");
        write_archive(Format::Zip, &file, "tk-auth-9.9.9-y", &inputs(dir.path())).unwrap();

        let mut archive = zip::ZipArchive::new(File::open(&file).unwrap()).unwrap();
        assert_eq!(archive.len(), 2);
        let mut program = archive.by_name("tk-auth-9.9.9-y/tk-auth").unwrap();
        assert_eq!(program.compression(), zip::CompressionMethod::Deflated);
        assert_eq!(program.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut body = Vec::new();
        program.read_to_end(&mut body).unwrap();
        assert_eq!(body, b"\x7fELF not really a program");
    }

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sha256sum_checks_the_sums_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tk-auth-9.9.9-z.zip");
        write_archive(Format::Zip, &file, "tk-auth-9.9.9-z", &inputs(dir.path())).unwrap();
        let built = [describe(&file).unwrap()];
        std::fs::write(dir.path().join("SHA256SUMS"), sha256sums(&built)).unwrap();

        let check = |expect_ok: bool| {
            let out = Command::new("sha256sum")
                .args(["-c", "--quiet", "SHA256SUMS"])
                .current_dir(dir.path())
                .output()
                .expect("sha256sum (coreutils) runs");
            assert_eq!(out.status.success(), expect_ok, "{out:?}");
        };
        check(true);
        // A changed archive no longer matches its line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        check(false);
    }

    #[test]
    fn targets_are_chosen_by_name_and_macos_is_explained() {
        let all = chosen_platforms(&[]).unwrap();
        assert_eq!(all.len(), PLATFORMS.len());
        let windows =
            chosen_platforms(&["--target".to_owned(), "x86_64-pc-windows-gnu".to_owned()]).unwrap();
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].format, Format::Zip);
        let mac = chosen_platforms(&["--target".to_owned(), "aarch64-apple-darwin".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(mac.contains("Xcode"), "{mac}");
        let unknown = chosen_platforms(&[
            "--target".to_owned(),
            "riscv64gc-unknown-linux-gnu".to_owned(),
        ])
        .unwrap_err()
        .to_string();
        assert!(unknown.contains("x86_64-pc-windows-gnu"), "{unknown}");
        assert!(chosen_platforms(&["--target".to_owned()]).is_err());
        assert!(chosen_platforms(&["--frobnicate".to_owned()]).is_err());
    }
}
