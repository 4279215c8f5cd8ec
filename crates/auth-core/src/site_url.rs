//! Site URLs: `sanitize_url` and the per-site cache folder names, which [`Site`](crate::Site)
//! is made of.

use crate::urlparse::{ParseResult, py_strip, urlparse, urlunparse};

/// Cleans up a site URL so only the scheme, host and optional port remain, lowercased, with
/// `https` when no scheme is given — Python's `tank.util.shotgun.connection.sanitize_url`.
///
/// It never fails: like Python, odd input gives an odd but deterministic result
/// (`""` → `"https://"`). Python raises `ValueError` for a host with unbalanced IPv6
/// brackets; this returns the URL cleaned up as far as it goes instead.
///
/// ```
/// use tk_auth_core::sanitize_url;
///
/// assert_eq!(sanitize_url("MySite.shotgunstudio.com/page/1"), "https://mysite.shotgunstudio.com");
/// assert_eq!(sanitize_url("http://localhost:8080/"), "http://localhost:8080");
/// ```
pub fn sanitize_url(server_url: &str) -> String {
    // Two passes, as Python does: without a scheme, the first pass only adds `https://`,
    // after which the second can tell the host from the path.
    let first = sanitize_once(py_strip(server_url));
    sanitize_once(&first).to_lowercase()
}

fn sanitize_once(server_url: &str) -> String {
    let parsed = urlparse(server_url);
    let scheme = if parsed.scheme.is_empty() {
        "https".to_owned()
    } else {
        parsed.scheme
    };
    let netloc = if parsed.netloc.is_empty() {
        parsed.path
    } else {
        parsed.netloc
    };
    urlunparse(&ParseResult {
        scheme,
        netloc,
        ..ParseResult::default()
    })
}

/// The name of a site's folder in the session cache (current layout, Toolkit ≥ 0.18):
/// the host name of `host` lowercased without its port, with `.shotgunstudio.com` and
/// `.shotgrid.autodesk.com` removed.
pub(crate) fn site_folder_name(host: &str) -> String {
    // Python removes the names wherever they occur, not only as a suffix; so does this.
    legacy_site_folder_name(host)
        .replace(".shotgunstudio.com", "")
        .replace(".shotgrid.autodesk.com", "")
}

/// The name of a site's folder in the legacy session-cache layout (Toolkit before 0.18):
/// the full host name of `host`, lowercased, without its port.
pub(crate) fn legacy_site_folder_name(host: &str) -> String {
    let parsed = urlparse(host);
    // Everything from the first `:` goes, as in Python (so `user:pw@host` keeps only `user`).
    let name = parsed.netloc.split(':').next().unwrap_or_default();
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_drop_the_port_and_the_hosting_domains() {
        assert_eq!(
            site_folder_name("https://mysite.shotgunstudio.com"),
            "mysite"
        );
        assert_eq!(site_folder_name("https://foo.shotgrid.autodesk.com"), "foo");
        assert_eq!(site_folder_name("http://Localhost:8080"), "localhost");
        assert_eq!(
            legacy_site_folder_name("https://mysite.shotgunstudio.com:443"),
            "mysite.shotgunstudio.com"
        );
    }
}
