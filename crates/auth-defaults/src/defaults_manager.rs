//! `DefaultsManager`: where an authenticator gets its default host, login, proxy and
//! credentials, and where it records the ones a login chose.

use std::path::{Path, PathBuf};

use tk_auth_core::{Secret, Site};

use crate::env::Env;
use crate::error::{DefaultsError, Result};
use crate::expand::expand_vars;
use crate::proxy::system_http_proxy;
use crate::session_cache::{LoginMethod, MakeCurrent, SessionCache, SessionData};
use crate::user_settings::UserSettings;
use crate::yaml::{self, Yaml};

/// Credentials a defaults manager can supply without asking anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// A person's cached session.
    Session(SessionData),
    /// A script user configured for a pipeline configuration.
    Script {
        /// The script name.
        api_script: String,
        /// The script's key.
        api_key: Secret,
    },
}

/// What the default behaviours read: the session cache, `toolkit.ini`, the environment and an
/// optional fixed host.
#[derive(Debug, Clone)]
pub struct Defaults {
    cache: SessionCache,
    settings: UserSettings,
    env: Env,
    fixed_host: Option<Site>,
}

impl Defaults {
    /// The defaults of this process's environment.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::process())
    }

    /// The defaults the given environment selects.
    pub fn from_env_with(env: &Env) -> Result<Self> {
        Ok(Self::new(
            SessionCache::from_env_with(env)?,
            UserSettings::from_env_with(env)?,
            env.clone(),
        ))
    }

    /// Defaults from explicit parts.
    pub fn new(cache: SessionCache, settings: UserSettings, env: Env) -> Self {
        Self {
            cache,
            settings,
            env,
            fixed_host: None,
        }
    }

    /// Fixes the host: it is always used and never changed by a login.
    #[must_use]
    pub fn with_fixed_host(mut self, site: impl Into<Site>) -> Self {
        self.fixed_host = Some(site.into()).filter(|s| !s.is_empty());
        self
    }

    /// The session cache.
    pub fn session_cache(&self) -> &SessionCache {
        &self.cache
    }

    /// The `toolkit.ini` settings.
    pub fn user_settings(&self) -> &UserSettings {
        &self.settings
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// The defaults an authenticator works with. Every method has the Python Toolkit's default
/// behaviour, so a custom manager provides [`defaults`](Self::defaults) and overrides only
/// what it changes.
///
/// The methods block: they read and write the session cache, whose writes wait for other
/// processes' locks (up to 30 s by default) and whose keyring store waits up to 3 s per call.
/// From async code, call them through `tokio::task::spawn_blocking` (managers are
/// `Send + Sync`, so one can be shared with such tasks in an `Arc`).
///
/// ```
/// use tk_auth_defaults::{Defaults, DefaultsManager, Env, SessionCache, UserSettings};
///
/// let home = tempfile::tempdir()?;
/// let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
/// let defaults = Defaults::from_env_with(&env)?.with_fixed_host("https://mysite.shotgunstudio.com");
/// assert!(defaults.is_host_fixed());
/// defaults.set_host(&"https://other.shotgunstudio.com".into())?; // ignored: the host is fixed
/// assert_eq!(defaults.get_host()?.unwrap().url(), "https://mysite.shotgunstudio.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait DefaultsManager: Send + Sync {
    /// The session cache, settings and environment the default behaviours read.
    fn defaults(&self) -> &Defaults;

    /// Whether the host is fixed (the user is not asked for a site).
    fn is_host_fixed(&self) -> bool {
        self.defaults().fixed_host.is_some()
    }

    /// The fixed host, else the current host of the session cache, else `toolkit.ini`'s
    /// `default_site`.
    fn get_host(&self) -> Result<Option<Site>> {
        let d = self.defaults();
        if let Some(site) = &d.fixed_host {
            return Ok(Some(site.clone()));
        }
        if let Some(site) = d.cache.get_current_host().filter(|s| !s.is_empty()) {
            return Ok(Some(site));
        }
        Ok(non_empty(d.settings.default_site()?).map(Site::new))
    }

    /// Records the host a login used (not when the host is fixed).
    fn set_host(&self, site: &Site) -> Result<()> {
        if self.is_host_fixed() {
            return Ok(());
        }
        self.defaults().cache.set_current_host(site)
    }

    /// `toolkit.ini`'s `http_proxy` when set (`""` means no proxy), else the system proxy.
    fn get_http_proxy(&self) -> Result<Option<String>> {
        let d = self.defaults();
        match d.settings.shotgun_proxy()? {
            Some(p) => Ok(Some(p)),
            None => Ok(system_http_proxy(&d.env)),
        }
    }

    /// The current user of the host, else `toolkit.ini`'s `default_login`.
    fn get_login(&self) -> Result<Option<String>> {
        let d = self.defaults();
        if let Some(site) = self.get_host()?
            && let Some(user) = d.cache.get_current_user(&site)?
        {
            return Ok(Some(user));
        }
        d.settings.default_login()
    }

    /// The cached session of the default host and login, if both are known.
    fn get_user_credentials(&self) -> Result<Option<Credentials>> {
        let (Some(site), Some(login)) = (self.get_host()?, non_empty(self.get_login()?)) else {
            return Ok(None);
        };
        Ok(self
            .defaults()
            .cache
            .get_session_data(&site, &login)?
            .map(Credentials::Session))
    }

    /// Records the login a login used as the host's current user.
    fn set_login(&self, login: &str) -> Result<()> {
        let site = self.get_host()?.ok_or(DefaultsError::NoHost)?;
        self.defaults().cache.set_current_user(&site, login)
    }

    /// Records a finished login on `site`: caches its session, remembers `method` as the
    /// site's preferred one, and makes the site current (not when the host is fixed) and the
    /// login the current user of the default host, as [`set_host`](Self::set_host) then
    /// [`set_login`](Self::set_login) do, with each session-cache file replaced once
    /// (see [`SessionCache::record_login`]).
    ///
    /// A manager that overrides `set_host` or `set_login` overrides this too, so that its
    /// choices still apply to logins.
    fn record_login(
        &self,
        site: &Site,
        session: &SessionData,
        method: Option<LoginMethod>,
    ) -> Result<()> {
        let cache = &self.defaults().cache;
        if !self.is_host_fixed() {
            return cache.record_login(site, session, method, MakeCurrent::SiteAndUser);
        }
        let current_host = self.get_host()?.ok_or(DefaultsError::NoHost)?;
        if cache.site_file(&current_host)? == cache.site_file(site)? {
            return cache.record_login(site, session, method, MakeCurrent::User);
        }
        // A login on another site than the fixed one: its user is made current where
        // `set_login` would put it.
        cache.record_login(site, session, method, MakeCurrent::Nothing)?;
        cache.set_current_user(&current_host, &session.login)
    }
}

impl DefaultsManager for Defaults {
    fn defaults(&self) -> &Defaults {
        self
    }
}

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
            .field(
                "http_proxy",
                &self
                    .http_proxy
                    .as_deref()
                    .map(tk_auth_core::redact_proxy_password),
            )
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
    mask_script_user: bool,
    path: PathBuf,
}

impl ConfigDefaultsManager {
    /// Builds the manager from a `shotgun.yml` file.
    pub fn new(defaults: Defaults, shotgun_yml: &Path, mask_script_user: bool) -> Result<Self> {
        let config = ShotgunConfig::load(shotgun_yml, &defaults.env)?;
        Ok(Self {
            defaults: defaults.with_fixed_host(config.host.clone()),
            config,
            mask_script_user,
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
}

impl DefaultsManager for ConfigDefaultsManager {
    fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    fn is_host_fixed(&self) -> bool {
        true
    }

    fn get_host(&self) -> Result<Option<Site>> {
        Ok(Some(self.config.host.clone()))
    }

    fn get_http_proxy(&self) -> Result<Option<String>> {
        if let Some(p) = &self.config.http_proxy {
            Ok(Some(p.clone()))
        } else {
            let d = &self.defaults;
            match d.settings.shotgun_proxy()? {
                Some(p) => Ok(Some(p)),
                None => Ok(system_http_proxy(&d.env)),
            }
        }
    }

    fn get_user_credentials(&self) -> Result<Option<Credentials>> {
        if !self.mask_script_user
            && let Some((api_script, api_key)) = &self.config.script_user
        {
            return Ok(Some(Credentials::Script {
                api_script: api_script.clone(),
                api_key: api_key.clone(),
            }));
        }
        let (Some(site), Some(login)) = (self.get_host()?, non_empty(self.get_login()?)) else {
            return Ok(None);
        };
        Ok(self
            .defaults
            .cache
            .get_session_data(&site, &login)?
            .map(Credentials::Session))
    }
}
