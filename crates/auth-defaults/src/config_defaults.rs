//! A pipeline configuration's defaults: its `shotgun.yml` ([`ShotgunConfig`]) set on the
//! [`Defaults`] ([`ConfigDefaultsManager`], Python's `CoreDefaultsManager`).

use std::path::{Path, PathBuf};

use tk_auth_core::{Secret, Site};

use crate::defaults_manager::{Defaults, DefaultsManager, non_empty};
use crate::env::Env;
use crate::error::{DefaultsError, Result};
use crate::expand::expand_vars;
use crate::proxy::shown_proxy;
use crate::yaml::{self, Yaml};

/// A pipeline configuration's connection settings (`shotgun.yml`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShotgunConfig {
    /// The site.
    pub host: Site,
    /// `http_proxy` when the key is present (even empty).
    pub http_proxy: Option<String>,
    /// The script user, when both `api_script` and `api_key` are set.
    pub script_user: Option<(String, Secret)>,
}

// The proxy string can carry a password: show it redacted.
impl std::fmt::Debug for ShotgunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShotgunConfig")
            .field("host", &self.host)
            .field("http_proxy", &shown_proxy(self.http_proxy.as_deref()))
            .field("script_user", &self.script_user)
            .finish()
    }
}

impl ShotgunConfig {
    /// Reads `shotgun.yml`: `host` is required, `api_script` and `api_key` go together, and
    /// `$VARS` in string values are expanded.
    ///
    /// Both of tk-core's forms are read: the settings at the top level, or grouped by user,
    /// where tk-core reads the group named `default` (any other group is for a user tk-core
    /// is not asked about). A studio hook beside the file (`sg_connection.py`) that would
    /// refine the settings in Python cannot run here: it is reported once in the log and the
    /// file's settings are used (Decision 17).
    pub fn load(path: &Path, env: &Env) -> Result<Self> {
        let unreadable = |source: DefaultsError| DefaultsError::ConfigUnreadable {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| unreadable(DefaultsError::io("read", path, e)))?;
        let err = |message: String| DefaultsError::ShotgunYml {
            path: path.to_path_buf(),
            message,
        };
        let file = yaml::parse(&text).map_err(|source| {
            unreadable(DefaultsError::Yaml {
                path: path.to_path_buf(),
                source,
            })
        })?;
        let doc = match file.get(DEFAULT_USER_GROUP) {
            Some(group @ Yaml::Map(_)) => group,
            _ => &file,
        };
        report_studio_hook(path);
        let get = |key: &str| -> Option<String> {
            match doc.get(key) {
                Some(Yaml::Str(s)) => Some(expand_vars(s, env)),
                Some(other) => other.scalar_text(),
                None => None,
            }
        };
        let missing = |key: &str| {
            err(format!(
                "Missing required field '{key}' in config '{}' for script user authentication.",
                path.display()
            ))
        };
        let host = non_empty(get("host")).ok_or_else(|| missing("host"))?;
        let script = non_empty(get("api_script"));
        let key = non_empty(get("api_key"));
        let script_user = match (script, key) {
            (Some(s), Some(k)) => Some((s, Secret::new(k))),
            (Some(_), None) => return Err(missing("api_key")),
            (None, Some(_)) => return Err(missing("api_script")),
            (None, None) => None,
        };
        let http_proxy = doc
            .get("http_proxy")
            .map(|_| get("http_proxy").unwrap_or_default());
        Ok(Self {
            // tk-core keeps the configuration's host as its URL.
            host: Site::new(host).normalized(),
            http_proxy,
            script_user,
        })
    }
}

/// The group of a `shotgun.yml` grouped by user that tk-core reads.
const DEFAULT_USER_GROUP: &str = "default";

/// Logs, once per process while the file stays as it is, that a studio hook refining the
/// settings of `shotgun_yml` is not run.
fn report_studio_hook(shotgun_yml: &Path) {
    let Some(hook) = shotgun_yml.parent().map(|p| p.join("sg_connection.py")) else {
        return;
    };
    if hook.is_file() && crate::cache_file::reported::first_report(&hook, "studio hook not run") {
        tracing::warn!(hook = %hook.display(), "a studio hook would refine these connection settings in Python; it is not run here, the file's settings are used");
    }
}

/// The defaults of a pipeline configuration, as Python's `CoreDefaultsManager`: the host of
/// `shotgun.yml` (always fixed), its proxy when the key is present, and its script user unless
/// masked.
#[derive(Debug, Clone)]
pub struct ConfigDefaultsManager {
    defaults: Defaults,
    config: ShotgunConfig,
    path: PathBuf,
}

impl ConfigDefaultsManager {
    /// Builds the manager from a `shotgun.yml` file: `defaults` with its host fixed, its
    /// proxy when the key is present, and its script user unless `mask_script_user`.
    pub fn new(defaults: Defaults, shotgun_yml: &Path, mask_script_user: bool) -> Result<Self> {
        let config = ShotgunConfig::load(shotgun_yml, &defaults.env)?;
        let mut defaults = defaults.with_fixed_host(config.host.clone());
        if let Some(proxy) = &config.http_proxy {
            defaults = defaults.with_http_proxy(proxy.clone());
        }
        if let (false, Some((api_script, api_key))) = (mask_script_user, &config.script_user) {
            defaults = defaults.with_script_user(api_script.clone(), api_key.clone());
        }
        Ok(Self {
            defaults,
            config,
            path: shotgun_yml.to_path_buf(),
        })
    }

    /// The manager of the pipeline configuration this process was launched in, as Python's
    /// `CoreDefaultsManager()` in a Toolkit process: its `shotgun.yml` is found from
    /// `TANK_CURRENT_PC` in the defaults' environment (see [`current_shotgun_yml`]).
    ///
    /// [`current_shotgun_yml`]: crate::current_shotgun_yml
    pub fn current(defaults: Defaults, mask_script_user: bool) -> Result<Self> {
        let shotgun_yml = crate::core_config::current_shotgun_yml(&defaults.env)?;
        Self::new(defaults, &shotgun_yml, mask_script_user)
    }

    /// The configuration file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings read from it.
    pub fn config(&self) -> &ShotgunConfig {
        &self.config
    }
}

/// Every behaviour is the defaults', with the configuration set on them: nothing is
/// overridden.
impl DefaultsManager for ConfigDefaultsManager {
    fn defaults(&self) -> &Defaults {
        &self.defaults
    }
}
