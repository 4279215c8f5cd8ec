//! The operating system's proxy settings read for real on Windows (and under Wine): the
//! current user's Internet Settings are set with `reg.exe`, as a person's or a policy's tools
//! set them, and put back afterwards. A test binary of its own, so that it builds for
//! Windows by itself.
#![cfg(windows)]

use std::process::Command;

use tk_auth_defaults::{Defaults, DefaultsManager, Env, ProxySource, SystemProxySettings};

const KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

/// Puts `ProxyEnable` and `ProxyServer` back as they were when it was made, also when the
/// test fails half-way.
struct Restore {
    enable: Option<u32>,
    server: Option<String>,
}

impl Restore {
    fn save() -> Self {
        let key = windows_registry::CURRENT_USER.open(&KEY[5..]).ok();
        Self {
            enable: key.as_ref().and_then(|k| k.get_u32("ProxyEnable").ok()),
            server: key.as_ref().and_then(|k| k.get_string("ProxyServer").ok()),
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        match self.enable {
            Some(value) => reg(&[
                "add",
                KEY,
                "/v",
                "ProxyEnable",
                "/t",
                "REG_DWORD",
                "/d",
                &value.to_string(),
                "/f",
            ]),
            None => reg(&["delete", KEY, "/v", "ProxyEnable", "/f"]),
        }
        match &self.server {
            Some(value) => reg(&[
                "add",
                KEY,
                "/v",
                "ProxyServer",
                "/t",
                "REG_SZ",
                "/d",
                value,
                "/f",
            ]),
            None => reg(&["delete", KEY, "/v", "ProxyServer", "/f"]),
        }
    }
}

fn reg(args: &[&str]) {
    let out = Command::new("reg")
        .args(args)
        .output()
        .expect("reg.exe runs");
    assert!(out.status.success(), "reg {args:?}: {out:?}");
}

fn set(enable: u32, server: &str) {
    reg(&[
        "add",
        KEY,
        "/v",
        "ProxyEnable",
        "/t",
        "REG_DWORD",
        "/d",
        &enable.to_string(),
        "/f",
    ]);
    reg(&[
        "add",
        KEY,
        "/v",
        "ProxyServer",
        "/t",
        "REG_SZ",
        "/d",
        server,
        "/f",
    ]);
}

/// The Toolkit's proxy of defaults that read this computer's settings and no variables.
fn toolkit_proxy() -> Option<(String, ProxySource)> {
    let home = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    Defaults::from_env_with(&env)
        .unwrap()
        .with_system_proxy(SystemProxySettings::os())
        .get_http_proxy_setting()
        .unwrap()
        .map(|s| (s.proxy, s.source))
}

#[test]
fn the_registry_proxy_becomes_the_toolkit_proxy() {
    let _restore = Restore::save();
    set(1, "http=proxy.example:3128;https=secure.example:3129");
    assert_eq!(
        SystemProxySettings::os().http_proxy().as_deref(),
        Some("http://proxy.example:3128")
    );
    assert_eq!(
        toolkit_proxy(),
        Some(("proxy.example:3128".to_owned(), ProxySource::SystemSettings))
    );
    set(1, "single.example:8080");
    assert_eq!(
        toolkit_proxy(),
        Some((
            "single.example:8080".to_owned(),
            ProxySource::SystemSettings
        ))
    );
    // Only an https entry: no http proxy, as in Python.
    set(1, "https=secure.example:3129");
    assert_eq!(toolkit_proxy(), None);
    // Turned off: the server is not read.
    set(0, "proxy.example:3128");
    assert_eq!(toolkit_proxy(), None);
    // A fixed environment reads no system settings at all.
    set(1, "proxy.example:3128");
    let home = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    assert_eq!(
        Defaults::from_env_with(&env)
            .unwrap()
            .get_http_proxy()
            .unwrap(),
        None
    );
}
