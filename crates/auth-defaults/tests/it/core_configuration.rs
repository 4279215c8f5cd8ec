//! The configuration a Toolkit launch hands its child processes: `shotgun.yml` found from
//! `TANK_CURRENT_PC` (Decision 17), in each form tk-core reads, and tk-core's errors where
//! it cannot be found or read.

use std::path::Path;

use tk_auth_defaults::{ConfigDefaultsManager, Credentials, Defaults, DefaultsManager, Env};

const GROUPED: &str = "\
someone_else:
  host: https://other.shotgunstudio.com
default:
  host: https://studio.shotgunstudio.com
  api_script: farm
  api_key: key-canary-17
  http_proxy: proxy.studio:3128
";

fn env_for(home: &Path, extra: &[(&str, &Path)]) -> Env {
    let mut vars = vec![("SHOTGUN_HOME".to_owned(), home.to_str().unwrap().to_owned())];
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.to_str().unwrap().to_owned())),
    );
    Env::from_pairs(vars)
}

/// A studio install at `studio` and a project configuration at `pc` that uses its core.
fn shared_core(pc: &Path, studio: &Path, shotgun_yml: &str) {
    std::fs::create_dir_all(pc.join("config/core")).unwrap();
    std::fs::write(pc.join("config/core/roots.yml"), "primary: {}\n").unwrap();
    std::fs::create_dir_all(pc.join("install/core")).unwrap();
    for os in ["Linux", "Darwin", "Windows"] {
        std::fs::write(
            pc.join(format!("install/core/core_{os}.cfg")),
            studio.to_str().unwrap(),
        )
        .unwrap();
    }
    std::fs::create_dir_all(studio.join("config/core")).unwrap();
    std::fs::write(studio.join("config/core/shotgun.yml"), shotgun_yml).unwrap();
}

#[test]
fn a_launched_process_finds_the_shared_cores_shotgun_yml_in_its_grouped_form() {
    let dir = tempfile::tempdir().unwrap();
    let (pc, studio) = (dir.path().join("pc"), dir.path().join("studio"));
    shared_core(&pc, &studio, GROUPED);
    // The project configuration's own file is not the one tk-core reads here.
    std::fs::write(
        pc.join("config/core/shotgun.yml"),
        "host: https://wrong.shotgunstudio.com\n",
    )
    .unwrap();
    let env = env_for(dir.path(), &[("TANK_CURRENT_PC", &pc)]);
    let m = ConfigDefaultsManager::current(Defaults::from_env_with(&env).unwrap(), false).unwrap();
    assert_eq!(m.path(), studio.join("config/core/shotgun.yml"));
    assert_eq!(
        m.get_host().unwrap(),
        Some("https://studio.shotgunstudio.com".into())
    );
    assert_eq!(
        m.get_http_proxy().unwrap().as_deref(),
        Some("proxy.studio:3128")
    );
    match m.get_user_credentials().unwrap() {
        Some(Credentials::Script {
            api_script,
            api_key,
            ..
        }) => assert_eq!(
            (api_script.as_str(), api_key.expose()),
            ("farm", "key-canary-17")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_launched_process_in_a_configuration_with_its_own_core_reads_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let pc = dir.path().join("pc");
    std::fs::create_dir_all(pc.join("config/core")).unwrap();
    std::fs::write(pc.join("config/core/roots.yml"), "primary: {}\n").unwrap();
    std::fs::create_dir_all(pc.join("install/core")).unwrap();
    std::fs::write(pc.join("install/core/_core_upgrader.py"), "").unwrap();
    std::fs::write(
        pc.join("config/core/shotgun.yml"),
        "host: https://own.shotgunstudio.com\n",
    )
    .unwrap();
    let env = env_for(dir.path(), &[("TANK_CURRENT_PC", &pc)]);
    let m = ConfigDefaultsManager::current(Defaults::from_env_with(&env).unwrap(), false).unwrap();
    assert_eq!(
        m.get_host().unwrap(),
        Some("https://own.shotgunstudio.com".into())
    );
}

#[test]
fn a_missing_or_unparsable_shotgun_yml_is_a_tank_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(dir.path(), &[]);
    let yml = dir.path().join("shotgun.yml");
    let err = ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false)
        .unwrap_err();
    assert_eq!(err.tank_error_class(), Some("TankError"));
    assert!(
        err.to_string()
            .starts_with(&format!("Cannot load config file '{}'", yml.display())),
        "{err}"
    );
    std::fs::write(&yml, "host: [unclosed\n").unwrap();
    let err = ConfigDefaultsManager::new(Defaults::from_env_with(&env).unwrap(), &yml, false)
        .unwrap_err();
    assert_eq!(err.tank_error_class(), Some("TankError"));
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
}
