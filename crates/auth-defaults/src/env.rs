//! The environment variables this crate reads, declared in one place.
//!
//! Nothing else in the crate calls `std::env::var`: every lookup goes through an [`Env`], so
//! behaviour that depends on the environment can be exercised with a fixed set of variables
//! instead of mutating the process environment.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// Overrides the cache, data, preferences and log roots (`~` and `$VARS` expanded).
pub const SHOTGUN_HOME: &str = "SHOTGUN_HOME";
/// Location of `toolkit.ini`, first choice.
pub const SGTK_PREFERENCES_LOCATION: &str = "SGTK_PREFERENCES_LOCATION";
/// Location of the Desktop app's `config.ini`, second choice for `toolkit.ini` settings.
pub const SGTK_DESKTOP_CONFIG_LOCATION: &str = "SGTK_DESKTOP_CONFIG_LOCATION";
/// Where session tokens are kept: `file` (the default, shared with Python) or `keyring`.
pub const TK_AUTH_STORE: &str = "TK_AUTH_STORE";
/// Set on continuous-integration machines; the keyring is never tried there.
pub const CI: &str = "CI";
/// The user's home folder, what `~` expands to.
pub const HOME: &str = "HOME";
/// The roaming application data folder on Windows.
pub const APPDATA: &str = "APPDATA";
/// The machine's name on Windows (recorded in lock files).
pub const COMPUTERNAME: &str = "COMPUTERNAME";
/// Set when running as a CGI script: an upper-case `HTTP_PROXY` is then ignored
/// (CVE-2016-1000110), as Python's `urllib.request.getproxies` does.
pub const REQUEST_METHOD: &str = "REQUEST_METHOD";

/// A view of environment variables: the process's own, or a fixed set.
///
/// ```
/// use tk_auth_defaults::Env;
///
/// let env = Env::from_pairs([("SHOTGUN_HOME", "/srv/sg")]);
/// assert_eq!(env.var("SHOTGUN_HOME").as_deref(), Some("/srv/sg"));
/// assert_eq!(env.var("HOME"), None);
/// ```
#[derive(Clone, Default)]
pub struct Env {
    // `None` means "the live process environment".
    fixed: Option<BTreeMap<String, String>>,
}

// Variables can hold secrets (proxy passwords, keys): show only their names.
impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fixed {
            None => f.write_str("Env(process)"),
            Some(map) => f
                .debug_tuple("Env")
                .field(&map.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl Env {
    /// The process environment, read at each lookup.
    pub fn process() -> Self {
        Self { fixed: None }
    }

    /// A fixed set of variables; everything else is unset.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            fixed: Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            ),
        }
    }

    /// The value of a variable, if it is set and valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.fixed {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// Whether a variable is set at all (even to an empty string).
    pub fn is_set(&self, name: &str) -> bool {
        match &self.fixed {
            Some(map) => map.contains_key(name),
            None => std::env::var_os(name).is_some(),
        }
    }

    /// Every variable, in the environment's own order (used to scan `*_proxy` variables).
    pub fn vars(&self) -> Vec<(String, String)> {
        match &self.fixed {
            Some(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((os_to_string(k)?, os_to_string(v)?)))
                .collect(),
        }
    }

    /// The home folder: `HOME`, else what the platform reports.
    pub fn home(&self) -> Option<PathBuf> {
        match self.var(HOME) {
            Some(h) if !h.is_empty() => Some(PathBuf::from(h)),
            _ if self.fixed.is_some() => None,
            _ => dirs::home_dir(),
        }
    }

    /// The secret store the user asked for through `TK_AUTH_STORE`, if any.
    pub fn requested_store(&self) -> Option<String> {
        self.var(TK_AUTH_STORE)
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
    }

    /// Whether this looks like a CI machine (`CI` set to anything but empty, `0` or `false`).
    pub fn is_ci(&self) -> bool {
        self.var(CI)
            .is_some_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
    }
}

fn os_to_string(s: OsString) -> Option<String> {
    s.into_string().ok()
}
