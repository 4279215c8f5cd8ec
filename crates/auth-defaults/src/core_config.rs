//! Finding the `shotgun.yml` that tk-core would read in a process a Toolkit launch started.
//!
//! tk-core finds its configuration from the location of its own code: the pipeline
//! configuration (or studio install) four folders above `python/tank`. A Rust program has no
//! such location, so it follows what the launch hands its child processes: the pipeline
//! configuration in `TANK_CURRENT_PC` (Decision 17). From there tk-core's rules apply: a
//! configuration with a core of its own (`install/core/_core_upgrader.py`) reads its own
//! `config/core/shotgun.yml`; one that uses a shared core names it in
//! `install/core/core_<OS>.cfg` (`$VARS` and `~` expanded), whose `config/core/shotgun.yml`
//! is read instead.

use std::path::{Path, PathBuf};

use tk_auth_core::env::TANK_CURRENT_PC;

use crate::env::Env;
use crate::error::{DefaultsError, Result};
use crate::expand::{expand_user, expand_vars};

/// The `shotgun.yml` of the pipeline configuration this process was launched in.
///
/// Errors are tk-core's where it has them: a core location file that is missing
/// ([`DefaultsError::CoreLocationFileMissing`]) or names nothing usable
/// ([`DefaultsError::InvalidCoreLocation`]), a core without `config/core`
/// ([`DefaultsError::UnresolvableCoreConfiguration`]); and
/// [`DefaultsError::NoPipelineConfiguration`] when no launch handed one over.
pub fn current_shotgun_yml(env: &Env) -> Result<PathBuf> {
    let pipeline_configuration = env
        .var(TANK_CURRENT_PC)
        .filter(|v| !v.is_empty())
        .ok_or(DefaultsError::NoPipelineConfiguration)?;
    let core_root = core_root(Path::new(&pipeline_configuration), env)?;
    let core_config = core_root.join("config").join("core");
    if !core_config.is_dir() {
        return Err(DefaultsError::UnresolvableCoreConfiguration { core_root });
    }
    Ok(core_config.join("shotgun.yml"))
}

/// The root of the core a pipeline configuration runs with: its own folder when it has a
/// core of its own, else the studio install its core location file names.
fn core_root(pipeline_configuration: &Path, env: &Env) -> Result<PathBuf> {
    if is_localized(pipeline_configuration) {
        return Ok(pipeline_configuration.to_path_buf());
    }
    let file = pipeline_configuration
        .join("install")
        .join("core")
        .join(format!("core_{}.cfg", os_name()));
    if !file.is_file() {
        return Err(DefaultsError::CoreLocationFileMissing {
            pipeline_configuration: pipeline_configuration.to_path_buf(),
            file,
        });
    }
    let text = std::fs::read_to_string(&file).map_err(|e| DefaultsError::io("read", &file, e))?;
    let location = expand_user(&expand_vars(text.trim(), env), env);
    if location == "None" || location == "undefined" || !Path::new(&location).exists() {
        return Err(DefaultsError::InvalidCoreLocation { location, file });
    }
    Ok(PathBuf::from(location))
}

/// Whether a pipeline configuration has a core of its own, by tk-core's probes: it is a
/// configuration (`config/core/roots.yml`) with a core upgrader in `install/core`.
fn is_localized(pipeline_configuration: &Path) -> bool {
    let config = pipeline_configuration.join("config").join("core");
    config.join("roots.yml").exists()
        && pipeline_configuration
            .join("install")
            .join("core")
            .join("_core_upgrader.py")
            .exists()
}

/// The operating system's name in core location file names.
fn os_name() -> &'static str {
    if cfg!(windows) {
        "Windows"
    } else if cfg!(target_os = "macos") {
        "Darwin"
    } else {
        "Linux"
    }
}

#[cfg(test)]
#[path = "core_config_tests.rs"]
mod tests;
