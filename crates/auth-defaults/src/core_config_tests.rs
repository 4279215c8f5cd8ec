use std::path::Path;

use super::*;

/// A pipeline configuration at `root` (it has `config/core/roots.yml`), with a core of its
/// own when `localized`.
fn pipeline_configuration(root: &Path, localized: bool) {
    std::fs::create_dir_all(root.join("config/core")).unwrap();
    std::fs::write(root.join("config/core/roots.yml"), "primary: {}\n").unwrap();
    std::fs::create_dir_all(root.join("install/core")).unwrap();
    if localized {
        std::fs::write(root.join("install/core/_core_upgrader.py"), "").unwrap();
    }
}

fn env_with(pairs: &[(&str, &Path)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (*k, v.to_str().unwrap())))
}

#[test]
fn a_configuration_with_its_own_core_reads_its_own_shotgun_yml() {
    let dir = tempfile::tempdir().unwrap();
    let pc = dir.path().join("project_pc");
    pipeline_configuration(&pc, true);
    let found = current_shotgun_yml(&env_with(&[(TANK_CURRENT_PC, &pc)])).unwrap();
    assert_eq!(found, pc.join("config/core/shotgun.yml"));
}

#[test]
fn a_configuration_on_a_shared_core_reads_the_studio_installs_shotgun_yml() {
    let dir = tempfile::tempdir().unwrap();
    let (pc, studio) = (dir.path().join("project_pc"), dir.path().join("studio"));
    pipeline_configuration(&pc, false);
    std::fs::create_dir_all(studio.join("config/core")).unwrap();
    // The location file may use variables and `~`, and ends with a newline.
    std::fs::write(
        pc.join(format!("install/core/core_{}.cfg", os_name())),
        "$STUDIO_TK/studio\n",
    )
    .unwrap();
    let env = env_with(&[(TANK_CURRENT_PC, &pc), ("STUDIO_TK", dir.path())]);
    assert_eq!(
        current_shotgun_yml(&env).unwrap(),
        studio.join("config/core/shotgun.yml")
    );
}

#[test]
fn without_a_launch_there_is_no_configuration_and_the_error_says_what_to_set() {
    let err = current_shotgun_yml(&Env::empty()).unwrap_err();
    assert!(
        matches!(err, DefaultsError::NoPipelineConfiguration),
        "{err:?}"
    );
    assert!(err.to_string().contains("TANK_CURRENT_PC"), "{err}");
    assert_eq!(err.tank_error_class(), Some("TankError"));
}

#[test]
fn a_shared_core_without_a_location_file_fails_as_tk_core_does() {
    let dir = tempfile::tempdir().unwrap();
    let pc = dir.path().join("project_pc");
    pipeline_configuration(&pc, false);
    let err = current_shotgun_yml(&env_with(&[(TANK_CURRENT_PC, &pc)])).unwrap_err();
    assert_eq!(err.tank_error_class(), Some("TankFileDoesNotExistError"));
    let message = err.to_string();
    assert!(message.starts_with("Configuration at '"), "{message}");
    assert!(message.contains("without a localized core is missing a core location file"));
}

#[test]
fn a_location_file_naming_nothing_usable_fails_as_tk_core_does() {
    let dir = tempfile::tempdir().unwrap();
    let pc = dir.path().join("project_pc");
    pipeline_configuration(&pc, false);
    let file = pc.join(format!("install/core/core_{}.cfg", os_name()));
    for written in ["None", "undefined", "/no/such/studio"] {
        std::fs::write(&file, written).unwrap();
        let err = current_shotgun_yml(&env_with(&[(TANK_CURRENT_PC, &pc)])).unwrap_err();
        assert_eq!(err.tank_error_class(), Some("TankInvalidCoreLocationError"));
        assert!(
            err.to_string()
                .starts_with(&format!("Cannot find core location '{written}' defined in")),
            "{err}"
        );
    }
}

#[test]
fn a_core_without_config_core_is_unresolvable() {
    let dir = tempfile::tempdir().unwrap();
    let (pc, studio) = (dir.path().join("project_pc"), dir.path().join("studio"));
    pipeline_configuration(&pc, false);
    std::fs::create_dir_all(&studio).unwrap();
    std::fs::write(
        pc.join(format!("install/core/core_{}.cfg", os_name())),
        studio.to_str().unwrap(),
    )
    .unwrap();
    let err = current_shotgun_yml(&env_with(&[(TANK_CURRENT_PC, &pc)])).unwrap_err();
    assert_eq!(
        err.tank_error_class(),
        Some("UnresolvableCoreConfigurationError")
    );
}
