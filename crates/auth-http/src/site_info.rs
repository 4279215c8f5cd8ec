//! What a site says about itself (the unauthenticated `info` call), typed, and cached for
//! 30 seconds per site and proxy.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tk_auth_core::SiteAuthMethod;

/// How long an `info` answer is reused, as in the Python `site_info` module.
pub const SITE_INFO_CACHE_TTL: Duration = Duration::from_secs(30);

/// A site's version, `major.minor.patch`, possibly a development build.
///
/// Versions compare by their three numbers only, as `shotgun_api3` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerVersion {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// Whether the site runs a development build (`"Dev"` after the numbers).
    pub dev: bool,
}

impl ServerVersion {
    /// A release version.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
            dev: false,
        }
    }

    fn triple(self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// Reads `info`'s `version` list: `[major, minor, patch]`, optionally `"Dev"` after it.
    fn from_json(value: &Value) -> Option<Self> {
        let items = value.as_array()?;
        let number = |i: usize| items.get(i).and_then(Value::as_u64);
        Some(Self {
            major: number(0)?,
            minor: number(1).unwrap_or(0),
            patch: number(2).unwrap_or(0),
            dev: items.get(3).and_then(Value::as_str) == Some("Dev"),
        })
    }
}

impl PartialOrd for ServerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ServerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.triple().cmp(&other.triple())
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if self.dev {
            f.write_str(" (Dev)")?;
        }
        Ok(())
    }
}

/// A site's answer to `info`, with the properties the Python `SiteInfo` derives from it.
///
/// ```
/// use serde_json::json;
/// use tk_auth_http::{SiteAuthMethod, SiteInfo};
///
/// let info = SiteInfo::from_json(json!({
///     "version": [8, 50, 0],
///     "user_authentication_method": "oxygen",
///     "unified_login_flow_enabled": true,
/// }));
/// assert_eq!(info.user_authentication_method(), Some(SiteAuthMethod::Oxygen));
/// assert!(info.autodesk_identity_enabled());
/// assert!(!info.sso_enabled());
/// assert!(info.unified_login_flow_enabled());
/// assert!(!info.app_session_launcher_enabled());
/// assert_eq!(info.version().map(|v| v.to_string()).as_deref(), Some("8.50.0"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SiteInfo {
    raw: Map<String, Value>,
}

impl SiteInfo {
    /// Wraps the decoded `info` answer; anything but an object counts as an empty one.
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(raw) => Self { raw },
            _ => Self { raw: Map::new() },
        }
    }

    /// How people log in, when the site says.
    pub fn user_authentication_method(&self) -> Option<SiteAuthMethod> {
        self.raw
            .get("user_authentication_method")
            .and_then(Value::as_str)
            .map(SiteAuthMethod::from_site)
    }

    /// Whether the site uses SAML single sign-on.
    pub fn sso_enabled(&self) -> bool {
        self.user_authentication_method() == Some(SiteAuthMethod::Saml2)
    }

    /// Whether the site uses Autodesk Identity.
    pub fn autodesk_identity_enabled(&self) -> bool {
        self.user_authentication_method() == Some(SiteAuthMethod::Oxygen)
    }

    /// Whether the site uses the unified (web) login flow; false when not said.
    pub fn unified_login_flow_enabled(&self) -> bool {
        self.flag("unified_login_flow_enabled")
    }

    /// Whether the site offers browser approval (App Session Launcher); false when not said.
    pub fn app_session_launcher_enabled(&self) -> bool {
        self.flag("authentication_app_session_launcher_enabled")
    }

    /// The site's version, when it gave a readable one.
    pub fn version(&self) -> Option<ServerVersion> {
        self.raw.get("version").and_then(ServerVersion::from_json)
    }

    /// The whole answer, for keys not typed here.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    fn flag(&self, key: &str) -> bool {
        // Python reads these with plain truthiness.
        match self.raw.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::Null) | None => false,
        }
    }
}

/// The process-wide cache of `info` answers, keyed by site and proxy.
#[derive(Default)]
pub(crate) struct InfoCache {
    entries: Mutex<HashMap<(String, String), (Instant, SiteInfo)>>,
}

pub(crate) static INFO_CACHE: LazyLock<InfoCache> = LazyLock::new(InfoCache::default);

impl InfoCache {
    pub(crate) fn get(&self, site: &str, proxy: &str) -> Option<SiteInfo> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&(site.to_owned(), proxy.to_owned()))
            .filter(|(at, _)| at.elapsed() <= SITE_INFO_CACHE_TTL)
            .map(|(_, info)| info.clone())
    }

    pub(crate) fn put(&self, site: &str, proxy: &str, info: SiteInfo) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, (at, _)| at.elapsed() <= SITE_INFO_CACHE_TTL);
        entries.insert((site.to_owned(), proxy.to_owned()), (Instant::now(), info));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_compare_by_numbers_and_read_dev_builds() {
        let info = SiteInfo::from_json(json!({"version": [5, 4, 4, "Dev"]}));
        let v = info.version().unwrap();
        assert!(v.dev);
        assert!(v > ServerVersion::new(5, 4, 3));
        assert_eq!(v, ServerVersion { dev: false, ..v }.max(v));
        assert_eq!(SiteInfo::from_json(json!({"version": "8"})).version(), None);
        assert_eq!(SiteInfo::from_json(json!([1, 2])).version(), None);
    }

    #[test]
    fn missing_flags_default_to_false_and_unknown_methods_are_kept() {
        let info = SiteInfo::from_json(json!({"user_authentication_method": "kerberos"}));
        assert_eq!(
            info.user_authentication_method(),
            Some(SiteAuthMethod::Other("kerberos".into()))
        );
        assert!(!info.unified_login_flow_enabled());
        assert!(!info.app_session_launcher_enabled());
        assert!(!info.sso_enabled());
        let info = SiteInfo::from_json(json!({
            "user_authentication_method": "saml2",
            "authentication_app_session_launcher_enabled": 1,
        }));
        assert!(info.sso_enabled());
        assert!(info.app_session_launcher_enabled());
    }

    #[test]
    fn cache_entries_are_per_site_and_proxy() {
        let cache = InfoCache::default();
        let info = SiteInfo::from_json(json!({"version": [8, 0, 0]}));
        cache.put("https://a", "", info.clone());
        assert_eq!(cache.get("https://a", ""), Some(info));
        assert_eq!(cache.get("https://a", "proxy:8080"), None);
        assert_eq!(cache.get("https://b", ""), None);
    }
}
