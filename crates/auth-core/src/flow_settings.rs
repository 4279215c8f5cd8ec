//! Where Flow (Autodesk Platform Services) access tokens come from: the application, the
//! authorization server and the loopback callback, as the Python Toolkit resolves and checks
//! them (`resolve_flow_auth_settings`, `init_authentication`, `AuthConfig`).

use crate::env::{self, Env};
use crate::error::Error;
use crate::urlparse::{py_repr_str, py_strip, urlsplit};

/// The APS application the Toolkit logs in with unless [`env::TK_FLOW_AUTH_APPLICATION_ID`]
/// names another.
pub const DEFAULT_FLOW_APPLICATION_ID: &str = "8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV";
/// The APS authorization server unless [`env::TK_FLOW_AUTH_BASE_URL`] names another.
pub const DEFAULT_FLOW_BASE_URL: &str = "https://api.aps.usa.autodesk.com";
/// Where the browser is sent back after a login unless [`env::TK_FLOW_AUTH_CALLBACK_URL`]
/// names another place.
pub const DEFAULT_FLOW_CALLBACK_URL: &str = "http://localhost:4201/auth/callback";
/// The scopes every Flow access token is asked for.
pub const FLOW_SCOPES: [&str; 3] = ["data:read", "data:write", "data:create"];
/// The project field that holds a project's Flow asset-management id.
pub const AM_READY_PROJECT_FIELD: &str = "sg_flow_am_id";

/// The three settings of a Flow login, as given or as [validated](Self::validated).
///
/// ```
/// use tk_auth_core::{Env, FlowSettings};
///
/// let env = Env::from_pairs([("TK_FLOW_AUTH_BASE_URL", " aps.example.com/some/path ")]);
/// let settings = FlowSettings::resolve(&env).validated()?;
/// assert_eq!(settings.base_url, "https://aps.example.com");
/// assert_eq!(settings.token_url(), "https://aps.example.com/authentication/v2/token");
/// assert_eq!(settings.application_id, tk_auth_core::DEFAULT_FLOW_APPLICATION_ID);
/// # Ok::<(), tk_auth_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSettings {
    /// The APS application (OAuth client) id.
    pub application_id: String,
    /// The authorization server, `scheme://host[:port]` once validated.
    pub base_url: String,
    /// The redirect URI registered for the application.
    pub callback_url: String,
}

impl Default for FlowSettings {
    /// The built-in settings.
    fn default() -> Self {
        Self {
            application_id: DEFAULT_FLOW_APPLICATION_ID.to_owned(),
            base_url: DEFAULT_FLOW_BASE_URL.to_owned(),
            callback_url: DEFAULT_FLOW_CALLBACK_URL.to_owned(),
        }
    }
}

impl FlowSettings {
    /// The settings the environment gives (Python's `resolve_flow_auth_settings`): each
    /// variable that is set wins over its default, even when it is set to an empty string.
    /// Nothing is checked yet.
    pub fn resolve(env: &Env) -> Self {
        let pick = |name: &str, default: &str| env.var(name).unwrap_or_else(|| default.to_owned());
        Self {
            application_id: pick(
                env::TK_FLOW_AUTH_APPLICATION_ID,
                DEFAULT_FLOW_APPLICATION_ID,
            ),
            base_url: pick(env::TK_FLOW_AUTH_BASE_URL, DEFAULT_FLOW_BASE_URL),
            callback_url: pick(env::TK_FLOW_AUTH_CALLBACK_URL, DEFAULT_FLOW_CALLBACK_URL),
        }
    }

    /// The settings as a login uses them (Python's `init_authentication` and `AuthConfig`):
    /// every value present and trimmed, the base URL reduced to `scheme://host[:port]`
    /// (`https://` added to a bare host name, `http://` to `localhost`).
    ///
    /// Fails with [`Error::FlowAuthConfiguration`] when a value is empty (`Required setting
    /// 'auth_base_url' is not configured.`, as Python says), only blanks, or when the base
    /// URL has a scheme other than `http` or `https`. (Python raises `ValueError` for the
    /// last two; here every unusable setting is a configuration error.)
    pub fn validated(self) -> Result<Self, Error> {
        let required = [
            (
                "auth_application_id",
                "application_id",
                &self.application_id,
            ),
            ("auth_base_url", "base_url", &self.base_url),
            ("auth_callback_url", "callback_url", &self.callback_url),
        ];
        for (setting, _, value) in required {
            if value.is_empty() {
                return Err(config_error(format!(
                    "Required setting '{setting}' is not configured."
                )));
            }
        }
        for (_, field, value) in required {
            if py_strip(value).is_empty() {
                return Err(config_error(format!("{field} is required")));
            }
        }
        Ok(Self {
            base_url: normalize_base_url(py_strip(&self.base_url))?,
            application_id: py_strip(&self.application_id).to_owned(),
            callback_url: py_strip(&self.callback_url).to_owned(),
        })
    }

    /// Where the browser is sent to log in: `{base_url}/authentication/v2/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("{}/authentication/v2/authorize", self.base_url)
    }

    /// Where codes and refresh tokens are exchanged: `{base_url}/authentication/v2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/authentication/v2/token", self.base_url)
    }
}

fn config_error(details: String) -> Error {
    Error::FlowAuthConfiguration { details }
}

/// Python's `_normalize_base_url` (after `urlsplit`): the scheme and host only.
fn normalize_base_url(base_url: &str) -> Result<String, Error> {
    // `urlsplit` refuses a host with one square bracket.
    if let Some(rest) = base_url.split_once("//").map(|(_, rest)| rest) {
        let netloc = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if netloc.contains('[') != netloc.contains(']') {
            return Err(config_error("Invalid IPv6 URL".to_owned()));
        }
    }
    let parts = urlsplit(base_url);
    if parts.scheme.is_empty() && parts.netloc.is_empty() && !parts.path.is_empty() {
        let path = parts.path.as_str();
        let first = path.split('/').next().unwrap_or_default();
        if path.starts_with("localhost") {
            // Python looks for `:` in the whole path but takes the port from its first part.
            let port = if path.contains(':') {
                first.rsplit(':').next().unwrap_or_default()
            } else {
                ""
            };
            return Ok(if port.is_empty() {
                "http://localhost".to_owned()
            } else {
                format!("http://localhost:{port}")
            });
        }
        return Ok(format!("https://{first}"));
    }
    if matches!(parts.scheme.as_str(), "http" | "https") {
        return Ok(format!("{}://{}", parts.scheme, parts.netloc));
    }
    Err(config_error(format!(
        "base_url must use http or https, got scheme={}",
        py_repr_str(&parts.scheme)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(application_id: &str, base_url: &str, callback_url: &str) -> FlowSettings {
        FlowSettings {
            application_id: application_id.to_owned(),
            base_url: base_url.to_owned(),
            callback_url: callback_url.to_owned(),
        }
    }

    fn details(result: Result<FlowSettings, Error>) -> String {
        match result {
            Err(e @ Error::FlowAuthConfiguration { .. }) => {
                assert_eq!(e.python_class(), "FlowAuthConfigurationError");
                e.to_string()
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn variables_win_over_defaults_even_when_empty() {
        assert_eq!(
            FlowSettings::resolve(&Env::empty()),
            FlowSettings::default()
        );
        let env = Env::from_pairs([
            (env::TK_FLOW_AUTH_APPLICATION_ID, ""),
            (env::TK_FLOW_AUTH_CALLBACK_URL, "http://localhost:5000/cb"),
        ]);
        let resolved = FlowSettings::resolve(&env);
        assert_eq!(
            resolved,
            settings("", DEFAULT_FLOW_BASE_URL, "http://localhost:5000/cb")
        );
        assert_eq!(
            details(resolved.validated()),
            "Required setting 'auth_application_id' is not configured."
        );
    }

    #[test]
    fn missing_and_blank_settings_are_named_as_python_names_them() {
        let ok = FlowSettings::default();
        let cases = [
            (
                settings("", "", ""),
                "Required setting 'auth_application_id' is not configured.",
            ),
            (
                settings("a", "", ""),
                "Required setting 'auth_base_url' is not configured.",
            ),
            (
                settings("a", "b", ""),
                "Required setting 'auth_callback_url' is not configured.",
            ),
            (settings(" \t", "b", "c"), "application_id is required"),
            (settings("a", "\u{3000}", "c"), "base_url is required"),
            (settings("a", "b", "\n"), "callback_url is required"),
        ];
        for (given, expected) in cases {
            assert_eq!(details(given.validated()), expected);
        }
        assert_eq!(ok.clone().validated().unwrap(), ok);
    }

    #[test]
    fn values_are_trimmed_and_the_base_url_reduced_to_scheme_and_host() {
        let cases = [
            ("https://aps.example.com", "https://aps.example.com"),
            (
                "  HTTPS://Aps.Example.com:8443/a/b?c#d ",
                "https://Aps.Example.com:8443",
            ),
            ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
            ("aps.example.com/x/y", "https://aps.example.com"),
            ("localhost", "http://localhost"),
            ("localhost/auth", "http://localhost"),
            (
                "localhostile.example/p:q",
                "http://localhost:localhostile.example",
            ),
            ("https://", "https://"),
        ];
        for (given, expected) in cases {
            let checked = settings(" app ", given, " http://localhost:4201/cb\t")
                .validated()
                .unwrap();
            assert_eq!(checked.base_url, expected, "{given:?}");
            assert_eq!(checked.application_id, "app");
            assert_eq!(checked.callback_url, "http://localhost:4201/cb");
        }
    }

    #[test]
    fn other_schemes_are_refused_with_the_scheme_quoted() {
        let cases = [
            (
                "ftp://aps.example.com",
                "base_url must use http or https, got scheme='ftp'",
            ),
            // `host:port` reads as a scheme, as in Python.
            (
                "localhost:4201",
                "base_url must use http or https, got scheme='localhost'",
            ),
            (
                "aps.example.com:443",
                "base_url must use http or https, got scheme='aps.example.com'",
            ),
            (
                "//aps.example.com/x",
                "base_url must use http or https, got scheme=''",
            ),
            ("https://[::1/x", "Invalid IPv6 URL"),
        ];
        for (given, expected) in cases {
            assert_eq!(details(settings("a", given, "c").validated()), expected);
        }
    }

    #[test]
    fn endpoints_hang_off_the_base_url() {
        let s = FlowSettings::default();
        assert_eq!(
            s.authorize_url(),
            "https://api.aps.usa.autodesk.com/authentication/v2/authorize"
        );
        assert_eq!(
            s.token_url(),
            "https://api.aps.usa.autodesk.com/authentication/v2/token"
        );
    }
}
