//! The session cache: the `authentication.yml` files that every Toolkit process on the
//! machine shares, Python and Rust alike.

use std::path::PathBuf;
use std::sync::Arc;

use tk_auth_core::{Secret, Site};

use crate::cache_file;
use crate::documents::{
    self as doc, CURRENT_HOST, CURRENT_USER, PREFERRED_METHOD, RECENT_HOSTS, RECENT_USERS,
};
use crate::env::Env;
use crate::error::{DefaultsError, Result};
use crate::locations::Locations;
use crate::lock::LockOptions;
use crate::secret_store::{
    FileStore, SecretStore, SessionKey, SessionSecrets, StoreBackend, store_from_env,
};
use crate::yaml::Yaml;

mod login_record;
mod renewal_lock;

pub use login_record::MakeCurrent;
pub use renewal_lock::RenewalLock;
pub(crate) use renewal_lock::hex as hex_name;

/// A login method remembered per site (the `method` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginMethod {
    /// Login and password (`credentials`, Python's `METHOD_BASIC` = 1).
    Credentials,
    /// Web login in an embedded browser (`qt_web_login`, `METHOD_WEB_LOGIN` = 2).
    QtWebLogin,
    /// Approval in the user's browser (`app_session_launcher`, `METHOD_ASL` = 3).
    AppSessionLauncher,
}

impl LoginMethod {
    /// The name stored in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::Credentials => "credentials",
            LoginMethod::QtWebLogin => "qt_web_login",
            LoginMethod::AppSessionLauncher => "app_session_launcher",
        }
    }

    /// The method of a stored name (surrounding spaces ignored), if known.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "credentials" => Some(LoginMethod::Credentials),
            "qt_web_login" => Some(LoginMethod::QtWebLogin),
            "app_session_launcher" => Some(LoginMethod::AppSessionLauncher),
            _ => None,
        }
    }

    /// Python's numeric constant (1, 2, 3).
    pub fn code(self) -> u8 {
        match self {
            LoginMethod::Credentials => 1,
            LoginMethod::QtWebLogin => 2,
            LoginMethod::AppSessionLauncher => 3,
        }
    }

    /// The method of a Python numeric constant, if known.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(LoginMethod::Credentials),
            2 => Some(LoginMethod::QtWebLogin),
            3 => Some(LoginMethod::AppSessionLauncher),
            _ => None,
        }
    }
}

/// A cached session: the login as stored, the session token and the optional session
/// metadata (the browser cookies of web and SSO logins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionData {
    /// The login, spelled as first stored.
    pub login: String,
    /// The session token.
    pub session_token: Secret,
    /// The session metadata, when there is some.
    pub session_metadata: Option<Secret>,
}

/// The session cache of one cache root.
///
/// Its methods block: a write waits for other processes' writes (up to the lock limit, 30 s
/// by default, see [`LockOptions`]), a read of a file that another process is rewriting
/// waits up to 2 s for it to settle, and a keyring store waits up to
/// [`KEYRING_TIMEOUT`](crate::KEYRING_TIMEOUT) per call. From async code, call them through
/// `tokio::task::spawn_blocking`.
///
/// ```
/// use tk_auth_core::Secret;
/// use tk_auth_defaults::SessionCache;
///
/// let home = tempfile::tempdir()?;
/// let cache = SessionCache::at(home.path());
/// cache.cache_session_data("https://mysite.shotgunstudio.com", "jdoe", &Secret::new("tok"), None)?;
/// cache.set_current_host("https://mysite.shotgunstudio.com")?;
/// cache.set_current_user("https://mysite.shotgunstudio.com", "jdoe")?;
///
/// let host = cache.get_current_host().unwrap();
/// let login = cache.get_current_user(&host)?.unwrap();
/// let session = cache.get_session_data(&host, &login)?.unwrap();
/// assert_eq!(session.session_token.expose(), "tok");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionCache {
    locations: Locations,
    lock: LockOptions,
    store: Arc<dyn SecretStore>,
}

impl SessionCache {
    /// The cache of this process's environment (`SHOTGUN_HOME` or the platform root), with
    /// the secret store `TK_AUTH_STORE` asks for.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::process())
    }

    /// The cache that the given environment selects.
    pub fn from_env_with(env: &Env) -> Result<Self> {
        Ok(Self {
            locations: Locations::from_env(env)?,
            lock: LockOptions::default(),
            store: store_from_env(env),
        })
    }

    /// The cache rooted at `root`, as if `SHOTGUN_HOME` were `root`, with tokens in the files.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self::with_locations(Locations::under_shotgun_home(root))
    }

    /// The cache at the given locations, with tokens in the files.
    pub fn with_locations(locations: Locations) -> Self {
        Self {
            locations,
            lock: LockOptions::default(),
            store: Arc::new(FileStore::new()),
        }
    }

    /// Uses other lock settings (method, wait limit).
    #[must_use]
    pub fn with_lock_options(mut self, options: LockOptions) -> Self {
        self.lock = options;
        self
    }

    /// Keeps tokens in the given store.
    #[must_use]
    pub fn with_secret_store(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.store = store;
        self
    }

    /// The roots in use.
    pub fn locations(&self) -> &Locations {
        &self.locations
    }

    /// Where session tokens are kept.
    pub fn backend(&self) -> StoreBackend {
        self.store.backend()
    }

    /// The store that keeps session tokens.
    pub fn secret_store(&self) -> &Arc<dyn SecretStore> {
        &self.store
    }

    /// The global file (current and recent hosts).
    pub fn global_file(&self) -> PathBuf {
        self.locations.global_file()
    }

    /// A site's file (users, current and recent users, preferred method).
    pub fn site_file(&self, site: impl Into<Site>) -> Result<PathBuf> {
        self.locations.site_file(site)
    }

    fn site_doc(&self, site: &Site) -> Result<Yaml> {
        let path = self.locations.site_file(site)?;
        let mut d = cache_file::read(&path, self.locations.cache_root());
        doc::normalize_site(&mut d);
        Ok(d)
    }

    fn global_doc(&self) -> Yaml {
        let mut d = cache_file::read(&self.global_file(), self.locations.cache_root());
        doc::normalize_global(&mut d);
        d
    }

    fn update_site(&self, site: &Site, change: impl FnOnce(&mut Yaml) -> bool) -> Result<bool> {
        let path = self.locations.site_file(site)?;
        cache_file::update(
            &path,
            self.locations.cache_root(),
            &self.lock,
            doc::site_problem,
            |d| {
                doc::normalize_site(d);
                change(d)
            },
        )
    }

    fn key<'a>(&'a self, site: &'a Site, login: &'a str) -> Result<SessionKey<'a>> {
        let folder = self
            .locations
            .site_folder(site)?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(SessionKey::new(
            site,
            folder,
            login,
            self.locations.site_file(site)?,
            self.locations.cache_root(),
            &self.lock,
        ))
    }

    /// The cached session of `login` on `host`, if one is stored. Unreadable files read as
    /// empty (with a warning), as in Python. A token in the file is used whatever the store
    /// (Python tools and the file fallback put it there); otherwise the store is asked, and
    /// its failures are logged and read as no session.
    pub fn get_session_data(
        &self,
        site: impl Into<Site>,
        login: &str,
    ) -> Result<Option<SessionData>> {
        let site = site.into();
        let d = self.site_doc(&site)?;
        if let Some(found) = doc::find_session(&d, login, true) {
            return Ok(Some(SessionData {
                login: found.login,
                session_token: Secret::new(found.token.unwrap_or_default()),
                session_metadata: found.metadata.map(Secret::new),
            }));
        }
        if self.store.backend().is_file() {
            return Ok(None);
        }
        let Some(entry) = doc::find_session(&d, login, false) else {
            return Ok(None);
        };
        match self.store.get(&self.key(&site, &entry.login)?) {
            Ok(secrets) => Ok(secrets.map(|s| SessionData {
                login: entry.login,
                session_token: s.session_token,
                session_metadata: s.session_metadata,
            })),
            Err(e) => {
                tracing::warn!(error = %crate::error::with_causes(&e), "could not read the session from the secret store");
                Ok(None)
            }
        }
    }

    /// Stores a session for `login` on `host`, writing only when something changed. The
    /// token and metadata are stored together, also for a login already in the file. When
    /// a store other than the file store fails, the session goes to the file (with a
    /// warning).
    pub fn cache_session_data(
        &self,
        site: impl Into<Site>,
        login: &str,
        session_token: &Secret,
        session_metadata: Option<&Secret>,
    ) -> Result<()> {
        let site = site.into();
        let key = self.key(&site, login)?;
        let secrets = SessionSecrets::new(session_token.clone(), session_metadata.cloned());
        if self.store.backend().is_file() {
            return self.store.set(&key, &secrets);
        }
        match self.store.set(&key, &secrets) {
            Ok(()) => {
                self.update_site(&site, |d| doc::insert_or_update(d, login, None, None))?;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %crate::error::with_causes(&e), "the secret store failed; storing the session in the session cache file");
                FileStore::new().set(&key, &secrets)
            }
        }
    }

    /// Forgets every session of `login` on `host`, and removes files that interrupted
    /// writers left beside the site's file. Nothing happens for an empty host (an error is
    /// logged, as in Python) or a site that has no file.
    pub fn delete_session_data(&self, site: impl Into<Site>, login: &str) -> Result<()> {
        let site = site.into();
        if site.is_empty() {
            tracing::error!("Current host not set, nothing to clear.");
            return Ok(());
        }
        if !self.store.backend().is_file()
            && let Err(e) = self.store.delete(&self.key(&site, login)?)
        {
            tracing::warn!(error = %crate::error::with_causes(&e), "could not delete the session from the secret store");
        }
        let path = self.locations.site_file(&site)?;
        if path.symlink_metadata().is_err() {
            tracing::debug!(path = %path.display(), "no session cache for this site; nothing to clear");
            return Ok(());
        }
        self.update_site(&site, |d| {
            doc::remove_user(d, login);
            true
        })?;
        Ok(())
    }

    /// The current host.
    pub fn get_current_host(&self) -> Option<Site> {
        doc::current_host(&self.global_doc()).map(Site::new)
    }

    /// Makes `site` the current host and the most recent one (stored by its normalised URL).
    /// `None` stores no current host, as Python's `set_current_host(None)` does.
    pub fn set_current_host<S: Into<Site>>(&self, site: impl Into<Option<S>>) -> Result<()> {
        let value = match site.into().map(Into::into) {
            Some(s) if !s.is_empty() => Yaml::str(s.url()),
            Some(s) => Yaml::str(s.given()),
            None => Yaml::Null,
        };
        let path = self.global_file();
        cache_file::update(
            &path,
            self.locations.cache_root(),
            &self.lock,
            doc::global_problem,
            |d| {
                doc::normalize_global(d);
                doc::update_recent(d, CURRENT_HOST, RECENT_HOSTS, value);
                true
            },
        )?;
        Ok(())
    }

    /// The recent hosts, most recent first, the current one at the front.
    pub fn get_recent_hosts(&self) -> Vec<Site> {
        doc::recent_items(&self.global_doc(), RECENT_HOSTS, CURRENT_HOST)
            .into_iter()
            .map(Site::new)
            .collect()
    }

    /// The current user of `site`.
    pub fn get_current_user(&self, site: impl Into<Site>) -> Result<Option<String>> {
        Ok(doc::current_user(&self.site_doc(&site.into())?))
    }

    /// Makes `login` the current user of `site` and its most recent one (stripped).
    pub fn set_current_user(&self, site: impl Into<Site>, login: &str) -> Result<()> {
        let site = site.into().stripped();
        if site.given().is_empty() {
            return Err(DefaultsError::NoHost);
        }
        let login = doc::strip_login(login);
        self.update_site(&site, |d| {
            doc::update_recent(d, CURRENT_USER, RECENT_USERS, Yaml::Str(login));
            true
        })?;
        Ok(())
    }

    /// The recent users of `site`, most recent first, the current one at the front.
    pub fn get_recent_users(&self, site: impl Into<Site>) -> Result<Vec<String>> {
        Ok(doc::recent_items(
            &self.site_doc(&site.into())?,
            RECENT_USERS,
            CURRENT_USER,
        ))
    }

    /// The preferred login method of `site`, if one is stored and known.
    pub fn get_preferred_method(&self, site: impl Into<Site>) -> Result<Option<LoginMethod>> {
        Ok(match self.site_doc(&site.into())?.get(PREFERRED_METHOD) {
            Some(Yaml::Str(name)) => LoginMethod::from_name(name),
            None | Some(Yaml::Null) => None,
            Some(other) => {
                tracing::warn!(
                    kind = other.kind(),
                    "'method' in the session cache is not a string; reading it as none"
                );
                None
            }
        })
    }

    /// Remembers the preferred login method of `site` (the file is not rewritten when it is
    /// unchanged).
    pub fn set_preferred_method(&self, site: impl Into<Site>, method: LoginMethod) -> Result<()> {
        self.update_site(&site.into().stripped(), |d| {
            if d.get(PREFERRED_METHOD).and_then(Yaml::as_str) == Some(method.as_str()) {
                return false;
            }
            d.set(PREFERRED_METHOD, Yaml::str(method.as_str()));
            true
        })?;
        Ok(())
    }
}
