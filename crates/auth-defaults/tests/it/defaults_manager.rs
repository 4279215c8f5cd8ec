//! `DefaultsManager` defaults, a fixed host, and the pipeline-configuration manager
//! (`shotgun.yml`), against real files.

use std::path::Path;

use tk_auth_core::Secret;
use tk_auth_defaults::{
    ConfigDefaultsManager, Credentials, Defaults, DefaultsError, DefaultsManager, Env, ProxySource,
    SystemProxySettings,
};

fn env_for(home: &Path, extra: &[(&str, &str)]) -> Env {
    let mut vars = vec![
        ("SHOTGUN_HOME".to_owned(), home.to_str().unwrap().to_owned()),
        ("HOME".to_owned(), home.to_str().unwrap().to_owned()),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Env::from_pairs(vars)
}

fn write_ini(home: &Path, text: &str) {
    std::fs::create_dir_all(home.join("preferences")).unwrap();
    std::fs::write(home.join("preferences/toolkit.ini"), text).unwrap();
}

#[test]
fn login_flow_defaults_round_trip_through_the_session_cache() {
    let dir = tempfile::tempdir().unwrap();
    write_ini(
        dir.path(),
        "[Login]\ndefault_site = https://ini.shotgunstudio.com\ndefault_login = ini.user\n",
    );
    let d = Defaults::from_env_with(&env_for(dir.path(), &[])).unwrap();
    assert!(!d.is_host_fixed());
    assert_eq!(
        d.get_host().unwrap(),
        Some("https://ini.shotgunstudio.com".into())
    );
    assert_eq!(d.get_login().unwrap().as_deref(), Some("ini.user"));
    assert_eq!(d.get_user_credentials().unwrap(), None);

    d.set_host(&"MySite.shotgunstudio.com/page".into()).unwrap();
    d.set_login("jdoe").unwrap();
    d.session_cache()
        .cache_session_data(
            "https://mysite.shotgunstudio.com",
            "jdoe",
            &Secret::new("t"),
            None,
        )
        .unwrap();
    assert_eq!(
        d.get_host().unwrap(),
        Some("https://mysite.shotgunstudio.com".into())
    );
    assert_eq!(d.get_login().unwrap().as_deref(), Some("jdoe"));
    match d.get_user_credentials().unwrap() {
        Some(Credentials::Session {
            session_token: Some(token),
            ..
        }) => assert_eq!(token.expose(), "t"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_fixed_host_wins_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let d = Defaults::from_env_with(&env_for(dir.path(), &[]))
        .unwrap()
        .with_fixed_host("https://fixed.shotgunstudio.com");
    d.session_cache()
        .set_current_host("https://current.shotgunstudio.com")
        .unwrap();
    d.set_host(&"https://other.shotgunstudio.com".into())
        .unwrap();
    assert_eq!(
        d.get_host().unwrap(),
        Some("https://fixed.shotgunstudio.com".into())
    );
    assert_eq!(
        d.session_cache().get_current_host(),
        Some("https://current.shotgunstudio.com".into())
    );
}

#[test]
fn shotgun_yml_supplies_host_proxy_and_script_user() {
    let dir = tempfile::tempdir().unwrap();
    write_ini(
        dir.path(),
        "[Login]\nhttp_proxy = ini-proxy:1\napp_store_http_proxy = u:pw-canary-4@p:3\n",
    );
    let env = env_for(
        dir.path(),
        &[("SG_KEY", "key-canary-3"), ("http_proxy", "http://sys:2")],
    );
    let yml = dir.path().join("shotgun.yml");

    std::fs::write(&yml, "host: HTTPS://Studio.shotgunstudio.com/x\napi_script: toolkit\napi_key: $SG_KEY\nhttp_proxy: ''\n").unwrap();
    let m =
        ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false).unwrap();
    assert!(m.is_host_fixed());
    assert_eq!(
        m.get_host().unwrap(),
        Some("https://studio.shotgunstudio.com".into())
    );
    assert_eq!(
        m.get_http_proxy().unwrap().as_deref(),
        Some(""),
        "an empty key still overrides"
    );
    match m.get_user_credentials().unwrap() {
        Some(Credentials::Script {
            api_script,
            api_key,
            ..
        }) => {
            assert_eq!(api_script, "toolkit");
            assert_eq!(api_key.expose(), "key-canary-3");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !format!("{m:?}").contains("canary"),
        "the key never shows in Debug"
    );

    let masked =
        ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, true).unwrap();
    assert_eq!(masked.get_user_credentials().unwrap(), None);

    std::fs::write(&yml, "host: https://studio.shotgunstudio.com\n").unwrap();
    let m =
        ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false).unwrap();
    assert_eq!(
        m.get_http_proxy().unwrap().as_deref(),
        Some("ini-proxy:1"),
        "no key: toolkit.ini"
    );
}

#[test]
fn shotgun_yml_with_half_a_script_user_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(dir.path(), &[]);
    let yml = dir.path().join("shotgun.yml");
    for (text, missing) in [
        (
            "host: https://a.shotgunstudio.com\napi_script: s\n",
            "api_key",
        ),
        (
            "host: https://a.shotgunstudio.com\napi_key: k\n",
            "api_script",
        ),
        ("api_script: s\napi_key: k\n", "host"),
    ] {
        std::fs::write(&yml, text).unwrap();
        let err = ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false)
            .unwrap_err();
        assert!(matches!(err, DefaultsError::ShotgunYml { .. }), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("Missing required field '{missing}'")),
            "{err}"
        );
    }
}

#[test]
fn proxy_passwords_never_show_in_debug_of_config_types() {
    let dir = tempfile::tempdir().unwrap();
    write_ini(
        dir.path(),
        "[Login]\nhttp_proxy = u:ini-canary-9@p:1\napp_store_http_proxy = u:app-canary-9@p:3\n",
    );
    let env = env_for(dir.path(), &[("http_proxy", "http://u:env-canary-9@sys:2")]);
    let yml = dir.path().join("shotgun.yml");
    std::fs::write(
        &yml,
        "host: https://studio.shotgunstudio.com\nhttp_proxy: http://bob:yml-canary-9@proxy:3128\n",
    )
    .unwrap();
    let m =
        ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false).unwrap();
    assert_eq!(
        m.get_http_proxy().unwrap().as_deref(),
        Some("http://bob:yml-canary-9@proxy:3128"),
        "the value itself is intact"
    );
    let config = tk_auth_defaults::ShotgunConfig::load(&yml, &env).unwrap();
    for text in [
        format!("{m:?}"),
        format!("{m:#?}"),
        format!("{config:?}"),
        format!("{:?}", Defaults::from_env_with(&env).unwrap()),
    ] {
        assert!(!text.contains("canary"), "{text}");
    }
    assert!(format!("{config:?}").contains("bob:<redacted>@proxy"));
}

#[test]
fn an_odd_current_user_or_host_reads_as_none_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tk_auth_defaults::SessionCache::at(dir.path());
    let site = "https://mysite.shotgunstudio.com";
    let file = cache.site_file(site).unwrap();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "current_user: [bob, eve]\nmethod: {x: 1}\nusers: []\n",
    )
    .unwrap();
    std::fs::write(
        cache.global_file(),
        "current_host: {url: https://mysite.shotgunstudio.com}\n",
    )
    .unwrap();
    let ((user, host, method), logs) = tk_auth_test_support::logs_with(|| {
        (
            cache.get_current_user(site).unwrap(),
            cache.get_current_host(),
            cache.get_preferred_method(site).unwrap(),
        )
    });
    assert_eq!(user, None);
    assert_eq!(method, None);
    assert!(logs.contains("'method'"), "{logs}");
    assert_eq!(host, None);
    assert!(logs.contains("'current_user'"), "{logs}");
    assert!(logs.contains("'current_host'"), "{logs}");
}

#[test]
fn a_proxy_and_a_script_user_set_on_the_defaults_win_over_the_files() {
    let dir = tempfile::tempdir().unwrap();
    write_ini(dir.path(), "[Login]\nhttp_proxy = ini-proxy:3128\n");
    let env = env_for(dir.path(), &[("HTTPS_PROXY", "http://system-proxy:8080")]);
    let plain = Defaults::from_env_with(&env).unwrap();
    assert_eq!(
        plain.get_http_proxy().unwrap().as_deref(),
        Some("ini-proxy:3128")
    );
    let composed = plain
        .clone()
        .with_http_proxy("set-proxy:1")
        .with_script_user("farm", "key-canary-21");
    assert_eq!(
        composed.get_http_proxy().unwrap().as_deref(),
        Some("set-proxy:1")
    );
    assert_eq!(
        composed.get_user_credentials().unwrap(),
        Some(Credentials::script("farm", Secret::new("key-canary-21")))
    );
    let shown = format!("{composed:?}");
    assert!(!shown.contains("canary"), "{shown}");
}

/// The Toolkit's proxy and its source, with the operating system naming `os-proxy:3128`.
fn proxy_with_os_settings(
    home: &Path,
    extra: &[(&str, &str)],
    yml: Option<&Path>,
) -> Option<(String, ProxySource)> {
    let defaults = Defaults::from_env_with(&env_for(home, extra))
        .unwrap()
        .with_system_proxy(SystemProxySettings::given("http://os-proxy:3128"));
    let setting = match yml {
        Some(yml) => ConfigDefaultsManager::new(defaults, yml, false)
            .unwrap()
            .get_http_proxy_setting(),
        None => defaults.get_http_proxy_setting(),
    };
    setting.unwrap().map(|s| (s.proxy, s.source))
}

#[test]
fn the_proxy_comes_from_configuration_toolkit_ini_environment_then_system_settings() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let found = |proxy: &str, source| Some((proxy.to_owned(), source));
    let env = [("HTTP_PROXY", "http://env-proxy:1")];
    assert_eq!(
        proxy_with_os_settings(home, &[], None),
        found("os-proxy:3128", ProxySource::SystemSettings)
    );
    assert_eq!(
        proxy_with_os_settings(home, &env, None),
        found("env-proxy:1", ProxySource::Environment("HTTP_PROXY".into()))
    );
    // Any proxy variable keeps the system's settings out, as in Python.
    assert_eq!(
        proxy_with_os_settings(home, &[("https_proxy", "secure:1")], None),
        None
    );
    write_ini(home, "[Login]\nhttp_proxy = ini-proxy:2\n");
    assert_eq!(
        proxy_with_os_settings(home, &env, None),
        found("ini-proxy:2", ProxySource::ToolkitIni)
    );
    let yml = home.join("shotgun.yml");
    std::fs::write(
        &yml,
        "host: https://studio.shotgunstudio.com\nhttp_proxy: yml-proxy:3\n",
    )
    .unwrap();
    assert_eq!(
        proxy_with_os_settings(home, &env, Some(&yml)),
        found("yml-proxy:3", ProxySource::Configuration)
    );
    // "No proxy" is said by the first place that says anything.
    write_ini(home, "[Login]\nhttp_proxy =\n");
    assert_eq!(
        proxy_with_os_settings(home, &env, None),
        found("", ProxySource::ToolkitIni)
    );
}
