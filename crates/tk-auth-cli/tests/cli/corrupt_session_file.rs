//! A corrupt session file is warned about once per command, however often the command
//! reads it.

use std::path::Path;
use std::process::Stdio;

use crate::login::tk_auth;

const SITE: &str = "https://mysite.shotgunstudio.com";
const WARNING: &str = "session cache file is not usable";

/// Writes `bytes` to `file`, dated an hour ago so that it is not taken for a file another
/// process is rewriting.
fn write_old(file: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_hours(1))
        .unwrap();
}

fn warned_once(home: &Path, args: &[&str]) {
    let out = tk_auth(home)
        .args(args)
        .env("TK_AUTH_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.matches(WARNING).count(),
        1,
        "tk-auth {args:?}: {stderr}"
    );
}

#[test]
fn a_corrupt_global_session_file_is_warned_about_once_per_command() {
    let home = tempfile::tempdir().unwrap();
    write_old(
        &home.path().join("authentication.yml"),
        b"current_host: [unclosed\n",
    );
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["whoami"],
        &["token"],
    ] {
        warned_once(home.path(), args);
    }
}

#[test]
fn a_corrupt_site_session_file_is_warned_about_once_per_command() {
    let home = tempfile::tempdir().unwrap();
    let cache = tk_auth::defaults::SessionCache::at(home.path());
    cache.set_current_host(SITE).unwrap();
    write_old(
        &cache.site_file(SITE).unwrap(),
        b"users:\n- login: alice\n  x: [unclosed\n",
    );
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["whoami"],
        &["token"],
    ] {
        warned_once(home.path(), args);
    }
}
