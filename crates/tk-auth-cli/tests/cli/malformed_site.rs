//! A malformed `--site` is bad usage: exit code 2, naming the value (never the credentials
//! it may hold), before anything is read, written or sent.

use crate::support::{tk_auth, tree};

/// Values no site client accepts; the last one hides a password after the host.
const MALFORMED: [&str; 5] = [
    "not a url",
    "https://",
    "ht!tp://x",
    "http://[::1",
    "https://bob:hunter/2@site.example.com",
];

#[test]
fn a_malformed_site_is_bad_usage_for_every_command_that_takes_one() {
    let home = tempfile::tempdir().unwrap();
    let before = tree(home.path());
    for command in [
        &["login", "--login", "alice", "--password-stdin"][..],
        &["login", "--login", "alice"],
        &["token"],
        &["users"],
        &["logout"],
    ] {
        for site in MALFORMED {
            let out = tk_auth(home.path())
                .args(command)
                .args(["--site", site])
                .write_stdin("pw\n")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command:?} {site:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{command:?} {site:?}");
            let shown = site.replace("bob:hunter/2", "<redacted>");
            assert!(
                stderr.contains(&format!("invalid value '{shown}' for '--site <URL>'")),
                "{command:?} {site:?}: {stderr}"
            );
            assert!(!stderr.contains("hunter"), "{stderr}");
            assert!(!stderr.contains("request"), "{stderr}");
        }
    }
    assert_eq!(tree(home.path()), before, "nothing was written");
}

#[test]
fn a_site_the_library_cleans_up_is_accepted_as_before() {
    let home = tempfile::tempdir().unwrap();
    let cache = tk_auth::defaults::SessionCache::at(home.path());
    let site = "https://mysite.example.com";
    cache
        .cache_session_data(site, "alice", &tk_auth::core::Secret::new("tok-7"), None)
        .unwrap();
    cache.set_current_user(site, "alice").unwrap();
    // No scheme, upper case, a path: the library reads it as https://mysite.example.com.
    let out = tk_auth(home.path())
        .args(["token", "--site", "MySite.Example.com/page/2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tok-7\n");
}
