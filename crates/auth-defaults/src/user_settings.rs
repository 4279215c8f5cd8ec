//! `toolkit.ini`: the user's Toolkit settings, found and read as the Python Toolkit does.

use std::path::{Path, PathBuf};

use crate::env::{self, Env};
use crate::error::{DefaultsError, Result};
use crate::expand::{expand_user, expand_vars};
use crate::ini_file::IniFile;
use crate::locations::Locations;
use crate::python_text::{IntError, py_strip, python_int};

const LOGIN: &str = "Login";
const BOOLEAN_STATES: [(&str, bool); 8] = [
    ("1", true),
    ("yes", true),
    ("true", true),
    ("on", true),
    ("0", false),
    ("no", false),
    ("false", false),
    ("off", false),
];

/// The settings of `toolkit.ini`.
///
/// The file is the first that exists of: `SGTK_PREFERENCES_LOCATION`,
/// `SGTK_DESKTOP_CONFIG_LOCATION`, `<preferences root>/toolkit.ini` and the legacy Desktop
/// `<cache root>/desktop/config/config.ini`. A variable that is set but names a missing file
/// is an error. Values have `$VAR`, `${VAR}` and `~` expanded and are stripped (of Python's
/// white space); a missing setting is `None`, an empty one `""`. The file must be UTF-8.
///
/// ```
/// use tk_auth_defaults::{Env, UserSettings};
///
/// let dir = tempfile::tempdir()?;
/// let ini = dir.path().join("toolkit.ini");
/// std::fs::write(&ini, "[Login]\ndefault_login = $USER_NAME\nhttp_proxy =\n")?;
/// let env = Env::from_pairs([
///     ("HOME", dir.path().to_str().unwrap()),
///     ("SGTK_PREFERENCES_LOCATION", ini.to_str().unwrap()),
///     ("USER_NAME", "jdoe"),
/// ]);
/// let settings = UserSettings::from_env_with(&env)?;
/// assert_eq!(settings.default_login()?.as_deref(), Some("jdoe"));
/// assert_eq!(settings.shotgun_proxy()?.as_deref(), Some(""));
/// assert_eq!(settings.default_site()?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserSettings {
    ini: IniFile,
    env: Env,
}

impl UserSettings {
    /// The settings of this process's environment.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::process())
    }

    /// The settings the given environment selects.
    pub fn from_env_with(env: &Env) -> Result<Self> {
        let locations = Locations::from_env(env)?;
        Self::load(env, &locations)
    }

    /// The settings found through `env` and `locations`.
    pub fn load(env: &Env, locations: &Locations) -> Result<Self> {
        let path = config_location(env, locations)?;
        let ini = match std::fs::read(&path) {
            Ok(bytes) => IniFile::parse(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => IniFile::empty(path),
            Err(e) => return Err(DefaultsError::io("read", path, e)),
        };
        tracing::debug!(path = %ini.path().display(), "read user settings");
        Ok(Self {
            ini,
            env: env.clone(),
        })
    }

    /// The file the settings come from (it may not exist).
    pub fn path(&self) -> &Path {
        self.ini.path()
    }

    /// `[Login] default_site`.
    pub fn default_site(&self) -> Result<Option<String>> {
        self.get_setting(LOGIN, "default_site")
    }

    /// `[Login] default_login`.
    pub fn default_login(&self) -> Result<Option<String>> {
        self.get_setting(LOGIN, "default_login")
    }

    /// `[Login] http_proxy`; `Some("")` means "no proxy", `None` "use the system proxy" (the
    /// environment's, else the operating system's settings).
    pub fn shotgun_proxy(&self) -> Result<Option<String>> {
        self.get_setting(LOGIN, "http_proxy")
    }

    /// `[Login] app_store_http_proxy`.
    pub fn app_store_proxy(&self) -> Result<Option<String>> {
        self.get_setting(LOGIN, "app_store_http_proxy")
    }

    /// The option names of a section (lower case), or `None` if there is no such section.
    pub fn get_section_settings(&self, section: &str) -> Option<Vec<String>> {
        self.ini.options(section)
    }

    /// Any setting, expanded and stripped.
    pub fn get_setting(&self, section: &str, name: &str) -> Result<Option<String>> {
        Ok(self
            .ini
            .get(section, name)?
            .map(|raw| py_strip(&expand_user(&expand_vars(&raw, &self.env), &self.env)).to_owned()))
    }

    /// A setting read as a boolean (`1`/`yes`/`true`/`on`, `0`/`no`/`false`/`off`, any case).
    pub fn get_boolean_setting(&self, section: &str, name: &str) -> Result<Option<bool>> {
        let Some(value) = self.get_setting(section, name)? else {
            return Ok(None);
        };
        let lower = value.to_lowercase();
        match BOOLEAN_STATES.iter().find(|(k, _)| *k == lower) {
            Some((_, b)) => Ok(Some(*b)),
            None => Err(self.invalid(
                value,
                section,
                name,
                format!(
                    "expecting one of '{}'",
                    BOOLEAN_STATES.map(|(k, _)| k).join("', '")
                ),
            )),
        }
    }

    /// A setting read as an integer, with the rules of Python's `int()`: a sign, decimal
    /// digits of any script, `_` between digits. A value Python reads but that does not fit
    /// in 64 bits is an error that says so ("expecting an integer between …").
    pub fn get_integer_setting(&self, section: &str, name: &str) -> Result<Option<i64>> {
        let Some(value) = self.get_setting(section, name)? else {
            return Ok(None);
        };
        match python_int(&value) {
            Ok(i) => Ok(Some(i)),
            Err(IntError::Invalid) => {
                Err(self.invalid(value, section, name, "expecting integer".to_owned()))
            }
            Err(IntError::OutOfRange) => Err(self.invalid(
                value,
                section,
                name,
                format!("expecting an integer between {} and {}", i64::MIN, i64::MAX),
            )),
        }
    }

    fn invalid(&self, value: String, section: &str, name: &str, expected: String) -> DefaultsError {
        DefaultsError::InvalidSetting {
            value,
            path: self.path().to_path_buf(),
            name: name.to_owned(),
            section: section.to_owned(),
            expected,
        }
    }
}

/// A variable naming a settings file: `None` when unset, an error when set to a missing file.
fn file_from_variable(env: &Env, variable: &'static str) -> Result<Option<PathBuf>> {
    if !env.is_set(variable) {
        return Ok(None);
    }
    let raw = env.var(variable).unwrap_or_default();
    let path = PathBuf::from(expand_vars(&expand_user(&raw, env), env));
    if raw.is_empty() || !path.exists() {
        return Err(DefaultsError::EnvironmentVariableFileLookup {
            variable,
            value: raw,
        });
    }
    Ok(Some(path))
}

fn config_location(env: &Env, locations: &Locations) -> Result<PathBuf> {
    let default = locations.preferences_root().join("toolkit.ini");
    let candidates = [
        file_from_variable(env, env::SGTK_PREFERENCES_LOCATION)?,
        file_from_variable(env, env::SGTK_DESKTOP_CONFIG_LOCATION)?,
        Some(default.clone()),
        Some(
            locations
                .legacy_cache_root()
                .join("desktop/config/config.ini"),
        ),
    ];
    Ok(candidates
        .into_iter()
        .flatten()
        .find(|p| p.exists())
        .unwrap_or(default))
}
