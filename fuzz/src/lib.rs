//! The fuzz harnesses: each takes one input, feeds it to a reader of outside data the way
//! the library reads it, and checks what must hold for every input. A panic is a finding.
//!
//! Each function is one fuzz target in `fuzz_targets/`.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use peak_alloc::PeakAlloc;
use tk_auth_core::cookies::{
    decode_cookies, get_csrf_key, get_csrf_token, get_saml_claims_expiration,
    get_session_expiration, get_session_id, get_user_name, has_sso_info_in_cookies,
    has_unified_login_flow_info_in_cookies,
};
use tk_auth_core::{
    Env, Format, HttpProxy, SessionUser, User, deserialize_user, redact_proxy_password,
    Site, sanitize_http_proxy, sanitize_url, serialize_user,
};
use tk_auth_defaults::{SessionCache, UserSettings};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// What decoding one payload may allocate at its peak (docs/security.md).
const PAYLOAD_PEAK_LIMIT: usize = 64 << 20;

const HOST: &str = "https://mysite.shotgunstudio.com";

/// A serialized user: decoding never panics, peaks under 64 MiB, and what decodes
/// serializes back to the same user in both formats (when the serialized form is within the
/// 1 MiB payload limit: escaping can make it longer than the input).
pub fn payload(data: &[u8]) {
    ALLOCATOR.reset_peak_usage();
    let base = ALLOCATOR.current_usage();
    let decoded = deserialize_user(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = deserialize_user(text);
    }
    let peak = ALLOCATOR.peak_usage().saturating_sub(base);
    assert!(peak < PAYLOAD_PEAK_LIMIT, "decoding peaked at {peak} bytes");
    if let Ok(user) = decoded {
        for format in [Format::Json, Format::Pickle] {
            let serialized = serialize_user(&user, format);
            if serialized.len() > 1 << 20 {
                continue;
            }
            let again = deserialize_user(&serialized);
            assert!(
                again.as_ref().is_ok_and(|u| *u == user),
                "{format:?} round trip changed the user: {again:?}"
            );
        }
    }
}

/// A folder that lives as long as the fuzzing process.
fn scratch() -> &'static Path {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().ok())
        .as_ref()
        .map_or(Path::new("/nonexistent"), tempfile::TempDir::path)
}

/// Writes `data` to `path`, dated a minute ago so that no reader takes it for a file that
/// another process is still writing.
fn plant(path: &Path, data: &[u8]) -> bool {
    let written = path
        .parent()
        .is_some_and(|folder| fs::create_dir_all(folder).is_ok())
        && fs::write(path, data).is_ok();
    if written && let Ok(file) = fs::File::options().write(true).open(path) {
        let _ = file.set_modified(SystemTime::now() - Duration::from_secs(60));
    }
    written
}

/// Plants `data` as a site's `authentication.yml` and as the global file of a cache under
/// `name`; the cache, if that worked.
fn cache_holding(name: &str, data: &[u8]) -> Option<SessionCache> {
    let cache = SessionCache::at(scratch().join(name));
    let site_file = cache.site_file(HOST).ok()?;
    (plant(&site_file, data) && plant(&cache.global_file(), data)).then_some(cache)
}

/// An `authentication.yml`, as the site file and as the global file: every read of the
/// session cache treats it as data, never a panic.
pub fn session_file(data: &[u8]) {
    let Some(cache) = cache_holding("session_file", data) else {
        return;
    };
    let _ = cache.get_current_host();
    let _ = cache.get_recent_hosts();
    let _ = cache.get_preferred_method(HOST);
    let _ = cache.get_current_user(HOST);
    for login in cache.get_recent_users(HOST).unwrap_or_default() {
        let _ = cache.get_session_data(HOST, &login);
    }
    let _ = cache.get_session_data(HOST, "jdoe");
}

/// An `authentication.yml` that a write then updates: the write keeps what it wrote (or
/// moves an unusable file aside first). Slower than reading (each write locks and syncs), so
/// a target of its own.
pub fn session_file_update(data: &[u8]) {
    let root = scratch().join("session_file_update");
    // Unusable files are moved aside, not overwritten: start each input afresh.
    let _ = fs::remove_dir_all(&root);
    let Some(cache) = cache_holding("session_file_update", data) else {
        return;
    };
    if cache.set_current_user(HOST, "jdoe").is_ok() {
        assert_eq!(
            cache.get_current_user(HOST).ok().flatten().as_deref(),
            Some("jdoe"),
            "the current user just written is read back"
        );
    }
}

/// A `toolkit.ini`: reading it and every setting it holds is data, never a panic.
pub fn toolkit_ini(data: &[u8]) {
    let folder = scratch().join("toolkit_ini");
    let path = folder.join("toolkit.ini");
    if !plant(&path, data) {
        return;
    }
    let env = Env::from_pairs([
        ("HOME", folder.to_string_lossy().into_owned()),
        ("SGTK_PREFERENCES_LOCATION", path.to_string_lossy().into_owned()),
        ("USER_NAME", "jdoe".to_owned()),
    ]);
    let Ok(settings) = UserSettings::from_env_with(&env) else {
        return;
    };
    let _ = settings.default_site();
    let _ = settings.default_login();
    let _ = settings.shotgun_proxy();
    let _ = settings.app_store_proxy();
    for section in ["Login", "DEFAULT", "Custom"] {
        for name in settings.get_section_settings(section).unwrap_or_default() {
            let _ = settings.get_setting(section, &name);
            let _ = settings.get_boolean_setting(section, &name);
            let _ = settings.get_integer_setting(section, &name);
        }
    }
}

/// Encoded session metadata (a cookie jar): every cookie helper, and telling the user's
/// class from it, never panics.
pub fn cookies(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let encoded = Some(text);
    let _ = decode_cookies(encoded);
    let _ = get_saml_claims_expiration(encoded);
    let _ = get_session_expiration(encoded);
    let _ = get_user_name(encoded);
    let _ = get_session_id(encoded);
    let _ = get_csrf_token(encoded);
    let _ = get_csrf_key(encoded);
    let _ = has_sso_info_in_cookies(encoded);
    let _ = has_unified_login_flow_info_in_cookies(encoded);
    if let Ok(user) = SessionUser::new(HOST, "jdoe", "token") {
        let _ = User::from(user.with_session_metadata(Some(text.into()))).class();
    }
}

/// A site URL or proxy string: every parser and formatter never panics.
pub fn url_proxy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = sanitize_url(text);
    let site = Site::new(text);
    let _ = (site.folder_name(), site.legacy_folder_name(), site.to_string());
    let _ = (format!("{site:?}"), site.stripped(), site.normalized(), site == *text);
    let _ = redact_proxy_password(text);
    let sanitized = sanitize_http_proxy(text);
    let _ = (sanitized.hostname(), sanitized.port(), sanitized.geturl());
    let _ = format!("{sanitized:?}");
    if let Ok(proxy) = HttpProxy::parse(text) {
        let _ = (proxy.to_url(), proxy.to_string(), format!("{proxy:?}"));
    }
}
