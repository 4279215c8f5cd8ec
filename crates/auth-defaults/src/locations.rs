//! Where the Toolkit keeps its files: the cache, data, preferences and log roots, per
//! platform or under `SHOTGUN_HOME`, and the per-site folders of the session cache.

use std::path::{Path, PathBuf};

use tk_auth_core::Site;

use crate::env::{self, Env};
use crate::error::{DefaultsError, Result};
use crate::expand::{absolute, expand_user, expand_vars};

/// The name of the session-cache files, global and per site.
pub const SESSION_CACHE_FILE_NAME: &str = "authentication.yml";

/// The Toolkit's local roots, resolved once from the environment.
///
/// ```
/// use tk_auth_defaults::{Env, Locations};
///
/// let loc = Locations::from_env(&Env::from_pairs([("SHOTGUN_HOME", "/srv/sg")])).unwrap();
/// assert_eq!(loc.cache_root(), std::path::Path::new("/srv/sg"));
/// assert_eq!(loc.preferences_root(), std::path::Path::new("/srv/sg/preferences"));
/// assert_eq!(
///     loc.site_folder("https://mysite.shotgunstudio.com").unwrap(),
///     std::path::Path::new("/srv/sg/mysite"),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    cache: PathBuf,
    legacy_cache: PathBuf,
    persistent: PathBuf,
    preferences: PathBuf,
    logging: PathBuf,
}

impl Locations {
    /// The roots for this environment: `SHOTGUN_HOME` (with `$VARS` and `~` expanded, made
    /// absolute) when set, else the platform's defaults under the home folder.
    pub fn from_env(env: &Env) -> Result<Self> {
        if let Some(raw) = env.var(env::SHOTGUN_HOME).filter(|v| !v.is_empty()) {
            let expanded = expand_user(&expand_vars(&raw, env), env);
            return Ok(Self::under_shotgun_home(absolute(Path::new(&expanded))));
        }
        Self::platform_defaults(env)
    }

    /// The roots as they are when `SHOTGUN_HOME` is `root`: the cache is `root` itself,
    /// with `data`, `preferences` and `logs` below it.
    pub fn under_shotgun_home(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            legacy_cache: root.clone(),
            persistent: root.join("data"),
            preferences: root.join("preferences"),
            logging: root.join("logs"),
            cache: root,
        }
    }

    #[cfg(target_os = "macos")]
    fn platform_defaults(env: &Env) -> Result<Self> {
        let lib = env
            .home()
            .ok_or(DefaultsError::NoHomeFolder)?
            .join("Library");
        Ok(Self {
            cache: lib.join("Caches/Shotgun"),
            legacy_cache: lib.join("Caches/Shotgun"),
            persistent: lib.join("Application Support/Shotgun"),
            preferences: lib.join("Preferences/Shotgun"),
            logging: lib.join("Logs/Shotgun"),
        })
    }

    #[cfg(windows)]
    fn platform_defaults(env: &Env) -> Result<Self> {
        // Python uses this literal when APPDATA is missing; keep the same folder.
        let app_data = PathBuf::from(
            env.var(env::APPDATA)
                .unwrap_or_else(|| "APPDATA_NOT_SET".to_owned()),
        );
        let root = app_data.join("Shotgun");
        Ok(Self {
            legacy_cache: root.clone(),
            persistent: root.join("Data"),
            preferences: root.join("Preferences"),
            logging: root.join("Logs"),
            cache: root,
        })
    }

    #[cfg(not(any(target_os = "macos", windows)))]
    fn platform_defaults(env: &Env) -> Result<Self> {
        let root = env
            .home()
            .ok_or(DefaultsError::NoHomeFolder)?
            .join(".shotgun");
        Ok(Self {
            legacy_cache: root.clone(),
            persistent: root.join("data"),
            preferences: root.join("preferences"),
            logging: root.join("logs"),
            cache: root,
        })
    }

    /// Where cache data lives, the global `authentication.yml` among it.
    pub fn cache_root(&self) -> &Path {
        &self.cache
    }

    /// The cache root of the Toolkit before 0.18 (legacy layout).
    pub fn legacy_cache_root(&self) -> &Path {
        &self.legacy_cache
    }

    /// Where data that must persist lives.
    pub fn persistent_root(&self) -> &Path {
        &self.persistent
    }

    /// Where `toolkit.ini` lives.
    pub fn preferences_root(&self) -> &Path {
        &self.preferences
    }

    /// Where logs go.
    pub fn logging_root(&self) -> &Path {
        &self.logging
    }

    /// The global session-cache file (current host, recent hosts). Falls back to the
    /// legacy location when only that file exists, as Python does.
    pub fn global_file(&self) -> PathBuf {
        let current = self.cache.join(SESSION_CACHE_FILE_NAME);
        let legacy = self.legacy_cache.join(SESSION_CACHE_FILE_NAME);
        if !exists(&current) && exists(&legacy) {
            legacy
        } else {
            current
        }
    }

    /// A site's cache folder in the current layout (`mysite` for
    /// `https://mysite.shotgunstudio.com`).
    pub fn site_folder(&self, site: impl Into<Site>) -> Result<PathBuf> {
        let site = site.into();
        folder_below(&self.cache, &site, &site.folder_name())
    }

    /// A site's cache folder in the legacy layout (the full host name).
    pub fn legacy_site_folder(&self, site: impl Into<Site>) -> Result<PathBuf> {
        let site = site.into();
        folder_below(&self.legacy_cache, &site, &site.legacy_folder_name())
    }

    /// A site's session-cache file: the current layout's, unless only the legacy file
    /// exists, in which case that one is read and written (as Python does).
    pub fn site_file(&self, site: impl Into<Site>) -> Result<PathBuf> {
        let site = site.into();
        let current = self.site_folder(&site)?.join(SESSION_CACHE_FILE_NAME);
        if exists(&current) {
            return Ok(current);
        }
        let legacy = self
            .legacy_site_folder(&site)?
            .join(SESSION_CACHE_FILE_NAME);
        Ok(if exists(&legacy) { legacy } else { current })
    }
}

fn exists(path: &Path) -> bool {
    // A dangling link counts as present: it is this file, just unusable, and the write
    // path reports it rather than silently writing elsewhere.
    path.symlink_metadata().is_ok()
}

fn folder_below(root: &Path, site: &Site, name: &str) -> Result<PathBuf> {
    // Python joins whatever the URL gives. An empty name maps to the root itself, as it does
    // in Python; names that would leave the root are refused.
    if name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
        return Err(DefaultsError::InvalidHost {
            host: site.to_string(),
            folder: name.to_owned(),
        });
    }
    Ok(if name.is_empty() {
        root.to_path_buf()
    } else {
        root.join(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shotgun_home_is_expanded_and_absolute() {
        // An absolute home on this platform (a drive letter on Windows).
        let home = if cfg!(windows) { r"C:\h" } else { "/h" };
        let env = Env::from_pairs([("SHOTGUN_HOME", "~/sg/$X/../y"), ("HOME", home), ("X", "x")]);
        let loc = Locations::from_env(&env).unwrap();
        let root = Path::new(home).join("sg").join("y");
        assert_eq!(loc.cache_root(), root);
        assert_eq!(loc.persistent_root(), root.join("data"));
        assert_eq!(loc.logging_root(), root.join("logs"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_default_is_dot_shotgun() {
        let loc = Locations::from_env(&Env::from_pairs([("HOME", "/home/u")])).unwrap();
        assert_eq!(loc.cache_root(), Path::new("/home/u/.shotgun"));
        assert_eq!(
            loc.preferences_root(),
            Path::new("/home/u/.shotgun/preferences")
        );
    }

    #[cfg(windows)]
    #[test]
    fn windows_default_is_shotgun_under_appdata() {
        let roaming = Path::new(r"C:\Users\u\AppData\Roaming");
        let env = Env::from_pairs([("APPDATA", roaming.to_str().unwrap())]);
        let loc = Locations::from_env(&env).unwrap();
        assert_eq!(loc.cache_root(), roaming.join("Shotgun"));
        assert_eq!(loc.preferences_root(), roaming.join(r"Shotgun\Preferences"));
        assert_eq!(
            loc.site_folder("https://mysite.shotgunstudio.com").unwrap(),
            roaming.join(r"Shotgun\mysite")
        );
    }

    #[test]
    fn hosts_that_escape_the_root_are_refused() {
        let loc = Locations::under_shotgun_home("/r");
        assert!(matches!(
            loc.site_folder("https://.."),
            Err(DefaultsError::InvalidHost { .. })
        ));
        assert_eq!(loc.site_folder("mysite").unwrap(), Path::new("/r"));
    }
}
