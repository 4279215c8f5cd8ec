//! `DefaultsManager`: where an authenticator gets its default host, login, proxy and
//! credentials, and where it records the ones a login chose.

use tk_auth_core::{Secret, Site};

use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{DefaultsError, Result};
use crate::proxy::{HttpProxySetting, ProxySource, shown_proxy, system_http_proxy_setting};
use crate::session_cache::{LoginMethod, MakeCurrent, SessionCache, SessionData};
use crate::system_proxy::SystemProxySettings;
use crate::user_settings::UserSettings;

/// What the default behaviours read: the session cache, `toolkit.ini` and the environment,
/// and what a configuration sets on top of them (a fixed host, a proxy, a script user).
///
/// A pipeline configuration's defaults ([`ConfigDefaultsManager`](crate::ConfigDefaultsManager))
/// are these with its `shotgun.yml` set on top, not a manager that overrides methods; a
/// program composes its own the same way.
#[derive(Clone)]
pub struct Defaults {
    pub(crate) cache: SessionCache,
    settings: UserSettings,
    pub(crate) env: Env,
    fixed_host: Option<Site>,
    http_proxy: Option<String>,
    system_proxy: SystemProxySettings,
    script_user: Option<(String, Secret)>,
}

// The proxy setting can carry a password: show it redacted.
impl std::fmt::Debug for Defaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Defaults")
            .field("cache", &self.cache)
            .field("settings", &self.settings)
            .field("fixed_host", &self.fixed_host)
            .field("http_proxy", &shown_proxy(self.http_proxy.as_deref()))
            .field("system_proxy", &self.system_proxy)
            .field("script_user", &self.script_user)
            .finish_non_exhaustive()
    }
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

    /// Defaults from explicit parts. The operating system's proxy settings are read when
    /// `env` is the process environment ([`Env::process`]), and not for a fixed set.
    pub fn new(cache: SessionCache, settings: UserSettings, env: Env) -> Self {
        Self {
            cache,
            settings,
            system_proxy: SystemProxySettings::for_env(&env),
            env,
            fixed_host: None,
            http_proxy: None,
            script_user: None,
        }
    }

    /// Fixes the host: it is always used and never changed by a login.
    #[must_use]
    pub fn with_fixed_host(mut self, site: impl Into<Site>) -> Self {
        self.fixed_host = Some(site.into()).filter(|s| !s.is_empty());
        self
    }

    /// Sets the proxy, over `toolkit.ini`'s and the system's (`""`: no proxy).
    #[must_use]
    pub fn with_http_proxy(mut self, proxy: impl Into<String>) -> Self {
        self.http_proxy = Some(proxy.into());
        self
    }

    /// Sets where the operating system's proxy settings are read, the last place the proxy
    /// comes from (see [`DefaultsManager::get_http_proxy`]).
    #[must_use]
    pub fn with_system_proxy(mut self, settings: SystemProxySettings) -> Self {
        self.system_proxy = settings;
        self
    }

    /// Sets a script user: the default user is then that script, not a person's session.
    #[must_use]
    pub fn with_script_user(
        mut self,
        api_script: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Self {
        self.script_user = Some((api_script.into(), api_key.into()));
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

pub(crate) fn non_empty(v: Option<String>) -> Option<String> {
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

    /// The proxy set on the defaults, else `toolkit.ini`'s `http_proxy` when set (`""` means
    /// no proxy), else the system proxy: the environment's `http_proxy` (any spelling, by
    /// the rule of [`system_http_proxy`](crate::system_http_proxy)), else — when no proxy
    /// variable at all is set — the operating system's proxy for `http`.
    fn get_http_proxy(&self) -> Result<Option<String>> {
        Ok(self.get_http_proxy_setting()?.map(|s| s.proxy))
    }

    /// [`get_http_proxy`](Self::get_http_proxy) with where the proxy came from.
    ///
    /// A manager that overrides `get_http_proxy` overrides this too, so that what is shown
    /// (`tk-auth status`) is what is used.
    ///
    /// ```
    /// use tk_auth_defaults::{Defaults, DefaultsManager, Env, ProxySource, SystemProxySettings};
    ///
    /// let home = tempfile::tempdir()?;
    /// let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    /// let defaults = Defaults::from_env_with(&env)?
    ///     .with_system_proxy(SystemProxySettings::given("http://proxy.example:3128"));
    /// let setting = defaults.get_http_proxy_setting()?.unwrap();
    /// assert_eq!((setting.proxy.as_str(), setting.source), ("proxy.example:3128", ProxySource::SystemSettings));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn get_http_proxy_setting(&self) -> Result<Option<HttpProxySetting>> {
        let d = self.defaults();
        if let Some(proxy) = &d.http_proxy {
            return Ok(Some(HttpProxySetting::new(
                proxy.clone(),
                ProxySource::Configuration,
            )));
        }
        if let Some(proxy) = d.settings.shotgun_proxy()? {
            return Ok(Some(HttpProxySetting::new(proxy, ProxySource::ToolkitIni)));
        }
        Ok(system_http_proxy_setting(&d.env, &d.system_proxy))
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

    /// The script user set on the defaults, else the cached session of the default host and
    /// login, if both are known.
    fn get_user_credentials(&self) -> Result<Option<Credentials>> {
        if let Some((api_script, api_key)) = &self.defaults().script_user {
            return Ok(Some(Credentials::script(
                api_script.clone(),
                api_key.clone(),
            )));
        }
        let (Some(site), Some(login)) = (self.get_host()?, non_empty(self.get_login()?)) else {
            return Ok(None);
        };
        Ok(self
            .defaults()
            .cache
            .get_session_data(&site, &login)?
            .map(Credentials::session))
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
