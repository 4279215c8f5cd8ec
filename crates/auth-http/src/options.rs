//! How a site client is configured: proxy, CA file, timeouts, retries, user agent and the
//! extra parameters sent with every authenticated call.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tk_auth_core::HttpProxy;

use crate::auth::ExtraAuthParams;
use crate::env::SHOTGUN_API_RETRY_INTERVAL;
use crate::{Env, HttpError, SessionRenewer};

/// The request timeout when none is set: generous for a slow site, but never a hang.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(1);
/// The connection timeout when none is set.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest answer read when no limit is set: 32 MiB, far above any authentication
/// answer, far below what would hurt a farm machine.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Which proxy requests go through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxySetting {
    /// `https_proxy` (for https sites) or `http_proxy` (for http sites), unless `no_proxy`
    /// lists the site; direct when unset. The lower-case spelling wins and, set empty,
    /// means no proxy; under CGI (`REQUEST_METHOD` set) an upper-case `HTTP_PROXY` is
    /// ignored (`docs/network.md`, *Which environment variable counts*).
    #[default]
    FromEnvironment,
    /// Always direct, whatever the environment says (Python's `http_proxy: ""`).
    Direct,
    /// This proxy, for every request of the client.
    Explicit(HttpProxy),
}

/// How many times, and how patiently, a call is tried again.
///
/// A call is tried again only when the site answers 502 or 504, or when the connection
/// closes before an answer (including a TLS EOF). Nothing else is repeated.
///
/// ```
/// use std::time::Duration;
/// use tk_auth_http::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_dropped_connection_interval(Duration::from_millis(500));
/// assert_eq!(patient.max_attempts, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (3, as in `shotgun_api3`).
    pub max_attempts: u32,
    /// After the n-th 502/504 the client waits n times this long (0.75 s).
    pub status_backoff: Duration,
    /// The wait before another attempt after a dropped connection; `None` takes
    /// `SHOTGUN_API_RETRY_INTERVAL` (milliseconds) or else 3 s, as in `shotgun_api3`.
    pub dropped_connection_interval: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            status_backoff: Duration::from_millis(750),
            dropped_connection_interval: None,
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The same policy with `max_attempts` attempts in all.
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The same policy with this base wait after a 502/504.
    #[must_use]
    pub fn with_status_backoff(mut self, backoff: Duration) -> Self {
        self.status_backoff = backoff;
        self
    }

    /// The same policy with this wait after a dropped connection (instead of
    /// `SHOTGUN_API_RETRY_INTERVAL`).
    #[must_use]
    pub fn with_dropped_connection_interval(mut self, interval: Duration) -> Self {
        self.dropped_connection_interval = Some(interval);
        self
    }
}

/// Everything a [`SiteClient`](crate::SiteClient) can be told.
///
/// ```
/// use std::time::Duration;
/// use tk_auth_http::ClientOptions;
///
/// let options = ClientOptions::new()
///     .http_proxy("bob:S3cret@proxy.local:3128")?
///     .timeout(Duration::from_secs(20))
///     .product("rv")
///     .user_agent("my_tool 1.0");
/// assert!(!format!("{options:?}").contains("S3cret"));
/// # Ok::<(), tk_auth_http::HttpError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientOptions {
    pub(crate) proxy: ProxySetting,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agents: Vec<String>,
    pub(crate) extra_auth: ExtraAuthParams,
    pub(crate) retry: RetryPolicy,
    pub(crate) environment: Env,
    pub(crate) renewer: Option<Arc<dyn SessionRenewer>>,
    pub(crate) max_response_bytes: u64,
    pub(crate) site_info_cache: bool,
    pub(crate) pins: Vec<(String, SocketAddr)>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            proxy: ProxySetting::default(),
            ca_file: None,
            timeout: None,
            connect_timeout: None,
            user_agents: Vec::new(),
            extra_auth: ExtraAuthParams::default(),
            retry: RetryPolicy::default(),
            environment: Env::default(),
            renewer: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            site_info_cache: true,
            pins: Vec::new(),
        }
    }
}

impl ClientOptions {
    /// Defaults: proxy and CA file from the environment, 60 s timeout, 3 attempts, answers
    /// up to 32 MiB, site info shared through the process-wide cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends every request through `proxy`, given as `[user:pass@]host[:port]` (port 8080 by
    /// default). The credentials keep their case; characters such as `@` or `:` in them
    /// are sent correctly. An empty string means no proxy at all, even if the environment
    /// names one (as an empty `http_proxy` does in the Python Toolkit).
    pub fn http_proxy(mut self, proxy: &str) -> Result<Self, HttpError> {
        self.proxy = if proxy.trim().is_empty() {
            ProxySetting::Direct
        } else {
            ProxySetting::Explicit(HttpProxy::parse(proxy).map_err(HttpError::InvalidProxy)?)
        };
        Ok(self)
    }

    /// Chooses the proxy behaviour explicitly.
    pub fn proxy(mut self, proxy: ProxySetting) -> Self {
        self.proxy = proxy;
        self
    }

    /// Trusts the certificates in this PEM file instead of the system roots (overrides
    /// `SHOTGUN_API_CACERTS`).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// The limit for a whole request, from connecting to the last byte of the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The limit for opening a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Appends `agent` to the `User-Agent` header (like `add_user_agent` in `shotgun_api3`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agents.push(agent.into());
        self
    }

    /// Makes every authenticated call act as this person (`sudo_as_login`, script users only
    /// on the site's side).
    pub fn sudo_as_login(mut self, login: impl Into<String>) -> Self {
        self.extra_auth.sudo_as_login = Some(login.into());
        self
    }

    /// Ties the calls' events to a browser session (`session_uuid`).
    pub fn session_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.extra_auth.session_uuid = Some(uuid.into());
        self
    }

    /// Names the product the session is for (`product`, e.g. `rv`).
    pub fn product(self, product: impl Into<String>) -> Self {
        self.extra_auth_param("product", Value::String(product.into()))
    }

    /// Adds any other parameter to the authentication parameters.
    pub fn extra_auth_param(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra_auth.extra.insert(key.into(), value);
        self
    }

    /// Sets how calls are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Reads environment variables from `environment` instead of the process.
    pub fn environment(mut self, environment: Env) -> Self {
        self.environment = environment;
        self
    }

    /// Calls `renewer` when a session token is refused, then tries the call once more with
    /// the token it returns.
    pub fn session_renewer(mut self, renewer: Arc<dyn SessionRenewer>) -> Self {
        self.renewer = Some(renewer);
        self
    }

    /// The largest answer the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A longer one fails with
    /// [`HttpError::ResponseTooLarge`] — at once when its `Content-Length` says so, else as soon
    /// as the limit is passed while reading — so a hostile or broken server cannot make the
    /// client hold more than this in memory.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Whether [`SiteClient::info`](crate::SiteClient::info) shares answers through the
    /// process-wide cache (on by default: answers are reused for
    /// [`SITE_INFO_CACHE_TTL`](crate::SITE_INFO_CACHE_TTL) by every client of the same site
    /// and proxy). Off, this client asks the site itself (once per client for the version).
    pub fn site_info_cache(mut self, enabled: bool) -> Self {
        self.site_info_cache = enabled;
        self
    }

    /// Connects to `host` at `address` instead of looking the name up, like curl's
    /// `--resolve`: for every request of the client, the site's and those of a web-session
    /// renewal's hops alike ([`SiteClient::renew_web_session`](crate::SiteClient::renew_web_session)).
    /// The port is the one in each URL; the address's port is ignored. The name is still
    /// what TLS checks and what cookies are kept for.
    ///
    /// Useful for split-horizon DNS (a site whose public name must reach an internal address
    /// from here) and for tests that give distinct names to servers on this computer. A
    /// name pinned to a loopback address counts as this computer: credentials and plain
    /// `http://` hops may go to it as to `localhost`. Requests through a proxy let the proxy
    /// resolve names.
    ///
    /// ```
    /// use tk_auth_http::ClientOptions;
    ///
    /// let options = ClientOptions::new()
    ///     .resolve("site.sso.test", "127.0.0.1:0".parse().unwrap())
    ///     .resolve("idp.sso.test", "127.0.0.1:0".parse().unwrap());
    /// assert!(format!("{options:?}").contains("idp.sso.test"));
    /// ```
    pub fn resolve(mut self, host: impl Into<String>, address: SocketAddr) -> Self {
        let host = host.into().to_ascii_lowercase();
        self.pins.retain(|(pinned, _)| *pinned != host);
        self.pins.push((host, address));
        self
    }

    pub(crate) fn extra_auth_params(&self) -> &Map<String, Value> {
        &self.extra_auth.extra
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("proxy", &self.proxy)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agents", &self.user_agents)
            .field("sudo_as_login", &self.extra_auth.sudo_as_login)
            .field("session_uuid", &self.extra_auth.session_uuid)
            .field(
                "extra_auth_params",
                &self.extra_auth_params().keys().collect::<Vec<_>>(),
            )
            .field("retry", &self.retry)
            .field("environment", &self.environment)
            .field("session_renewer", &self.renewer.is_some())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("site_info_cache", &self.site_info_cache)
            .field("resolve", &self.pins)
            .finish()
    }
}

/// `tk-auth-http (<version>); Rust (<OS>); ssl rustls`, then the caller's agents, joined by
/// `; ` in the manner of `shotgun_api3`.
pub(crate) fn user_agent(extra: &[String]) -> String {
    let os = match std::env::consts::OS {
        "macos" => "Mac",
        "linux" => "Linux",
        "windows" => "Windows",
        other => other,
    };
    let mut parts = vec![
        format!("tk-auth-http ({})", env!("CARGO_PKG_VERSION")),
        format!("Rust ({os})"),
        "ssl rustls".to_owned(),
    ];
    parts.extend(extra.iter().cloned());
    parts.join("; ")
}

/// `SHOTGUN_API_RETRY_INTERVAL` in milliseconds, 3000 when unset.
pub(crate) fn retry_interval_from(env: &Env) -> Result<Duration, HttpError> {
    match env.var(SHOTGUN_API_RETRY_INTERVAL) {
        None => Ok(Duration::from_secs(3)),
        Some(value) => value
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| HttpError::InvalidRetryInterval { value }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_proxy_means_direct_and_a_bad_one_is_refused() {
        let options = ClientOptions::new().http_proxy(" ").unwrap();
        assert_eq!(options.proxy, ProxySetting::Direct);
        let err = ClientOptions::new()
            .http_proxy("bob:hunter2@proxy:port")
            .unwrap_err();
        assert!(matches!(err, HttpError::InvalidProxy(_)), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn the_user_agent_appends_caller_agents() {
        let ua = user_agent(&["my_tool 1.0".into()]);
        assert!(ua.starts_with("tk-auth-http ("), "{ua}");
        assert!(ua.ends_with("; ssl rustls; my_tool 1.0"), "{ua}");
    }

    #[test]
    fn the_retry_interval_comes_from_the_environment_and_must_be_a_number() {
        let env = |v: &str| Env::from_pairs([(SHOTGUN_API_RETRY_INTERVAL, v)]);
        assert_eq!(
            retry_interval_from(&env("250")).unwrap(),
            Duration::from_millis(250)
        );
        assert!(matches!(
            retry_interval_from(&env("-1")),
            Err(HttpError::InvalidRetryInterval { .. })
        ));
        assert_eq!(
            retry_interval_from(&Env::empty()).unwrap(),
            Duration::from_secs(3)
        );
    }
}
