//! Values Python processes write or users type that are odd but real: session-file fields of
//! the wrong type, logins with Python's white space, `toolkit.ini` files that are not UTF-8,
//! integers in other scripts, settings errors that must not show proxy passwords, and YAML
//! errors with their cause.

use std::error::Error as _;
use std::fmt::Write as _;
use std::path::Path;

use tk_auth_core::Secret;
use tk_auth_defaults::{
    ConfigDefaultsManager, Defaults, DefaultsError, Env, SessionCache, UserSettings, YamlError,
};

use tk_auth_test_support::logs_of;

const SITE: &str = "https://mysite.shotgunstudio.com";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_current_user_or_host_that_is_not_a_string_is_none_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(home.path());
    write(
        &cache.site_file(SITE).unwrap(),
        b"current_user: 42\nrecent_users: [bob]\nusers: []\n",
    );
    write(
        &home.path().join("authentication.yml"),
        b"current_host: [https://a.shotgunstudio.com]\n",
    );
    let logs = logs_of(|| {
        assert_eq!(cache.get_current_user(SITE).unwrap(), None);
        assert_eq!(cache.get_current_host(), None);
    });
    assert!(logs.contains("not a string"), "{logs}");
    assert!(logs.contains("current_user"), "{logs}");
    assert!(logs.contains("current_host"), "{logs}");
    // The rest of the file still reads, and a write keeps what it does not understand.
    assert_eq!(cache.get_recent_users(SITE).unwrap(), vec!["bob"]);
}

#[test]
fn logins_are_stripped_of_python_white_space() {
    let home = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(home.path());
    cache
        .set_current_user(SITE, "\u{1c}jdoe\u{1f}\u{3000}")
        .unwrap();
    assert_eq!(
        cache.get_current_user(SITE).unwrap().as_deref(),
        Some("jdoe")
    );
    cache
        .cache_session_data(SITE, "\u{1d}Bob\u{1e}", &Secret::new("t"), None)
        .unwrap();
    let found = cache.get_session_data(SITE, "bob").unwrap().unwrap();
    assert_eq!(found.login, "Bob");
}

fn settings(home: &Path, ini: &[u8]) -> Result<UserSettings, DefaultsError> {
    let path = home.join("preferences/toolkit.ini");
    write(&path, ini);
    UserSettings::from_env_with(&Env::from_pairs([
        ("SHOTGUN_HOME", home.to_str().unwrap()),
        ("HOME", home.to_str().unwrap()),
    ]))
}

#[test]
fn a_toolkit_ini_saved_with_windows_line_ends_reads_the_same() {
    let home = tempfile::tempdir().unwrap();
    let ini = b"[Login]\r\ndefault_site = mysite.shotgunstudio.com\r\ndefault_login = jdoe\r\nhttp_proxy = proxy:3128\r\n";
    let read = settings(home.path(), ini).unwrap();
    assert_eq!(
        read.default_site().unwrap().as_deref(),
        Some("mysite.shotgunstudio.com")
    );
    assert_eq!(read.default_login().unwrap().as_deref(), Some("jdoe"));
    assert_eq!(read.shotgun_proxy().unwrap().as_deref(), Some("proxy:3128"));
}

#[test]
fn a_toolkit_ini_that_is_not_utf8_is_an_error_naming_the_file_and_position() {
    let home = tempfile::tempdir().unwrap();
    let err = settings(home.path(), b"[Login]\ndefault_login = jos\xe9\n").unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, DefaultsError::IniSyntax { line: 2, .. }),
        "{text}"
    );
    assert!(text.contains("toolkit.ini"), "{text}");
    assert!(text.contains("position 27"), "{text}");
    assert!(!text.contains('\u{fffd}'), "{text}");
}

#[test]
fn integer_settings_accept_what_python_int_accepts() {
    let home = tempfile::tempdir().unwrap();
    let s = settings(
        home.path(),
        "[Custom]\narabic = \u{661}\u{662}\nwide = \u{ff17}\nsep = 1_000\nhuge = 99999999999999999999\nbad = 1__0\n"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(s.get_integer_setting("Custom", "arabic").unwrap(), Some(12));
    assert_eq!(s.get_integer_setting("Custom", "wide").unwrap(), Some(7));
    assert_eq!(s.get_integer_setting("Custom", "sep").unwrap(), Some(1000));
    let huge = s
        .get_integer_setting("Custom", "huge")
        .unwrap_err()
        .to_string();
    assert!(huge.contains("between -9223372036854775808 and"), "{huge}");
    let bad = s
        .get_integer_setting("Custom", "bad")
        .unwrap_err()
        .to_string();
    assert!(bad.ends_with("expecting integer."), "{bad}");
}

#[test]
fn toolkit_ini_errors_give_line_numbers_and_never_a_proxy_password() {
    let home = tempfile::tempdir().unwrap();
    for (ini, line) in [
        (
            "[Login]\nhttp_proxy = u:canary@p\nhttp_proxy = u:canary@q\n",
            3,
        ),
        ("[Login]\nhttp_proxy = u:pw@p\ncanary-pw", 3),
        ("[Login]\n\nhttp_proxy u-canary\ndefault_login = jd\n", 3),
        ("http_proxy = u:canary@p\n[Login]\n", 1),
    ] {
        let err = settings(home.path(), ini.as_bytes()).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, DefaultsError::IniSyntax { line: l, .. } if l == line),
            "{ini:?}: {text}"
        );
        assert!(!text.contains("canary"), "{text}");
    }
    let s = settings(home.path(), b"[Login]\n\nhttp_proxy = u:canary%pw@p\n").unwrap();
    let text = s.shotgun_proxy().unwrap_err().to_string();
    assert!(!text.contains("canary"), "{text}");
    assert!(
        text.contains("line  3") && text.contains("http_proxy"),
        "{text}"
    );
}

#[test]
fn a_shotgun_yml_that_is_not_yaml_names_the_file_and_chains_the_cause() {
    let home = tempfile::tempdir().unwrap();
    let yml = home.path().join("config/core/shotgun.yml");
    write(
        &yml,
        b"host: https://a.shotgunstudio.com\napi_key: [canary\n",
    );
    let env = Env::from_pairs([
        ("SHOTGUN_HOME", home.path().to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
    ]);
    let err = ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false)
        .unwrap_err();
    // Python's "Cannot load config file" (Decision 17), the YAML error as its cause.
    let DefaultsError::ConfigUnreadable { path, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, &yml);
    assert_eq!(err.tank_error_class(), Some("TankError"));
    let err = &**source;
    let DefaultsError::Yaml { path, source } = err else {
        panic!("{err:?}")
    };
    assert_eq!(path, &yml);
    assert!(matches!(source, YamlError::Syntax(_)), "{source:?}");
    let cause = source.source().unwrap().to_string();
    assert!(cause.contains("line"), "{cause}");
    let chain = format!("{err}: {source}: {cause}");
    assert!(!chain.contains("canary"), "{chain}");
    // Each message says its own part once.
    assert!(!err.to_string().contains(&source.to_string()), "{err}");
    assert!(!source.to_string().contains(&cause), "{source}");
}

/// Integer settings as Python's Toolkit reads them (`int()` of the stripped value), compared
/// value by value with Python reading the same `toolkit.ini`: what `int()` accepts and fits
/// in 64 bits is that number; what it accepts but does not fit is an error naming the setting
/// and the file, never "no value" (Decision 16); what it refuses is an error too.
#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn integer_settings_follow_python_int_and_too_large_ones_are_errors_not_absent() {
    let values = [
        "1_000",
        "1_000_000",
        "\t42  ",
        "+5",
        "-0",
        "007",
        "0_0",
        "\u{663}_\u{663}",
        "\u{a0}5\u{a0}",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
        "-99999999999999999999999",
        "1 000",
        "1__0",
        "_1",
        "1_",
        "+_1",
        "+-1",
        "0x10",
        "1e3",
        "12.5",
        "five",
        "",
    ];
    let mut ini = String::from("[Custom]\n");
    for (i, v) in values.iter().enumerate() {
        writeln!(ini, "v{i} = {v}").unwrap();
    }
    let home = tempfile::tempdir().unwrap();
    let s = settings(home.path(), ini.as_bytes()).unwrap();
    let python = crate::support::python(
        "import configparser, json, sys\n\
         cp = configparser.ConfigParser()\n\
         cp.read(sys.stdin.readline().strip(), encoding='utf-8')\n\
         out = {}\n\
         for name in cp.options('Custom'):\n\
         \x20   try:\n\
         \x20       out[name] = str(int(cp.get('Custom', name).strip()))\n\
         \x20   except ValueError:\n\
         \x20       out[name] = None\n\
         print(json.dumps(out))",
        &format!("{}\n", s.path().display()),
    );
    let python: serde_json::Value = serde_json::from_str(&python).unwrap();
    let file = s.path().display().to_string();
    for (i, v) in values.iter().enumerate() {
        let name = format!("v{i}");
        let ours = s.get_integer_setting("Custom", &name);
        // Python's number when it read one, `None` when `int()` refused the value.
        let theirs = python[&name].as_str();
        let expected_error = match theirs.map(str::parse::<i64>) {
            Some(Ok(n)) => {
                assert_eq!(ours.unwrap(), Some(n), "{v:?}");
                continue;
            }
            Some(Err(_)) => "between -9223372036854775808 and",
            None => "expecting integer.",
        };
        let err = ours.unwrap_err().to_string();
        for part in [&format!("'{name}'"), &file, expected_error] {
            assert!(err.contains(part), "{v:?}: {err}");
        }
    }
}
