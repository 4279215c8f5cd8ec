//! The site client: one per site, holding the connection pool, proxy and TLS settings.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Map, Value};
use tk_auth_core::Secret;
use tokio::sync::OnceCell;

use crate::auth::{ExtraAuthParams, auth_params, needs_version};
use crate::options::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, retry_interval_from, user_agent};
use crate::plain_http;
use crate::proxy::{self, ChosenProxy};
use crate::renewal::{RenewalReason, RenewalRequest};
use crate::rpc::{self, Exchange};
use crate::site_info::INFO_CACHE;
use crate::tls::{self, Trust};
use crate::transport::Transport;
use crate::{
    Auth, ClientOptions, Env, HttpError, RetryPolicy, ServerVersion, SessionRenewer, SiteInfo,
    SiteUrl,
};

/// A client for one Flow Production Tracking site.
///
/// It keeps its connections open between calls (keep-alive), sends every request through
/// the configured proxy and TLS settings, gives every request a timeout, and retries only
/// what is safe to retry (see [`RetryPolicy`]). Cloning is cheap and clones share the
/// connection pool; a client can serve many concurrent calls.
///
/// ```no_run
/// use serde_json::json;
/// use tk_auth_http::{Auth, ClientOptions, SiteClient};
///
/// # async fn run() -> Result<(), tk_auth_http::HttpError> {
/// let site = SiteClient::new("https://mystudio.shotgunstudio.com", ClientOptions::new())?;
/// let token = site.generate_session_token("alice", &"pw".into(), None).await?;
/// let me = site
///     .find_one(&Auth::SessionToken(token), "HumanUser", &json!([["login", "is", "alice"]]), &["id"])
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SiteClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) site: SiteUrl,
    pub(crate) transport: Transport,
    pub(crate) retry: RetryPolicy,
    pub(crate) dropped_interval: Duration,
    pub(crate) extra_auth: ExtraAuthParams,
    pub(crate) environment: Env,
    renewer: Option<Arc<dyn SessionRenewer>>,
    version: OnceCell<ServerVersion>,
    use_info_cache: bool,
    /// Whether credentials may go to this site unencrypted (`plain_http.rs`).
    pub(crate) plain_http_allowed: bool,
    /// How the HTTP clients are built (for the web-session renewal's own client).
    pub(crate) recipe: HttpRecipe,
    /// The client of web-session renewals, built at the first one.
    pub(crate) web_http: OnceCell<reqwest::Client>,
}

/// What building a `reqwest` client takes, kept so that the web-session renewal can build
/// its own: one that trusts the certificates an `https://` hop needs even when the site is
/// `http://`, and carries no header meant for the site alone.
pub(crate) struct HttpRecipe {
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    proxy: Option<reqwest::Proxy>,
    pub(crate) pins: Vec<(String, std::net::SocketAddr)>,
    trust: Trust,
}

impl HttpRecipe {
    fn build(
        &self,
        tls: rustls::ClientConfig,
        headers: HeaderMap,
    ) -> Result<reqwest::Client, HttpError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(self.user_agent.as_str())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .http1_only()
            // reqwest would otherwise choose a proxy of its own (from the environment, by
            // other rules): the proxy used is the one chosen for the site, which callers
            // can show.
            .no_proxy();
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy.clone());
        }
        for (host, address) in &self.pins {
            builder = builder.resolve(host, *address);
        }
        builder
            .build()
            .map_err(|e| HttpError::ClientSetup(Box::new(e)))
    }

    /// A client with the configured trust and no default headers.
    pub(crate) fn build_web(&self) -> Result<reqwest::Client, HttpError> {
        self.build(tls::client_config(&self.trust)?, HeaderMap::new())
    }
}

impl SiteClient {
    /// A client for the site at `url` (`https://…`; `user:password@` in it becomes Basic
    /// authentication).
    pub fn new(url: &str, options: ClientOptions) -> Result<Self, HttpError> {
        Self::for_site(SiteUrl::parse(url)?, options)
    }

    /// A client for an already parsed site address.
    pub fn for_site(site: SiteUrl, options: ClientOptions) -> Result<Self, HttpError> {
        let environment = options.environment.clone();
        let chosen = proxy::choose(&options.proxy, &site, &environment)?;
        let tls = if site.scheme() == "https" {
            tls::client_config(&Trust::choose(options.ca_file.as_deref(), &environment))?
        } else {
            tls::unused_config()?
        };
        let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut headers = HeaderMap::new();
        if let Some(basic) = site.authorization() {
            let mut value =
                HeaderValue::from_str(basic.expose()).map_err(|_| HttpError::InvalidSiteUrl {
                    url: site.to_string(),
                    reason: "its credentials cannot be sent in a header",
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let proxy = chosen.as_ref().map(ChosenProxy::to_reqwest).transpose()?;
        let recipe = HttpRecipe {
            user_agent: user_agent(&options.user_agents),
            timeout,
            connect_timeout: options.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            proxy,
            pins: options.pins.clone(),
            trust: Trust::choose(options.ca_file.as_deref(), &environment),
        };
        let http = recipe.build(tls, headers)?;
        let dropped_interval = match options.retry.dropped_connection_interval {
            Some(interval) => interval,
            None => retry_interval_from(&environment)?,
        };
        let plain_http_allowed = plain_http::allowed(&site, &environment, &options.pins);
        // An https site's client already trusts what the renewal's hops need; it carries no
        // default header for the site alone (the site's own Basic credentials are added per
        // request by the renewal).
        let web_http = OnceCell::new();
        if site.scheme() == "https" && site.authorization().is_none() {
            let _ = web_http.set(http.clone());
        }
        Ok(Self {
            inner: Arc::new(Inner {
                transport: Transport {
                    http,
                    site_label: site.to_string(),
                    host: site.host().to_owned(),
                    api_url: site.api_url(),
                    proxy: chosen.map(|ChosenProxy { label, .. }| label),
                    timeout,
                    max_response_bytes: options.max_response_bytes,
                },
                site,
                retry: options.retry,
                dropped_interval,
                extra_auth: options.extra_auth,
                environment,
                renewer: options.renewer,
                version: OnceCell::new(),
                use_info_cache: options.site_info_cache,
                plain_http_allowed,
                recipe,
                web_http,
            }),
        })
    }

    /// The site this client talks to.
    pub fn site(&self) -> &SiteUrl {
        &self.inner.site
    }

    /// The proxy in use, as `host:port`, if any.
    pub fn proxy(&self) -> Option<&str> {
        self.inner
            .transport
            .proxy
            .as_ref()
            .map(|p| p.host_port.as_str())
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The site as errors and logs name it (no credentials).
    pub(crate) fn site_label(&self) -> &str {
        &self.inner.transport.site_label
    }

    /// The site's `info` (unauthenticated), reused for 30 s across all clients of the
    /// process that use the same site and proxy, unless the options turned that off
    /// ([`ClientOptions::site_info_cache`]).
    pub async fn info(&self) -> Result<SiteInfo, HttpError> {
        let key = self.proxy().unwrap_or_default();
        let site = self.site_label();
        let cached = self.inner.use_info_cache;
        if cached && let Some(info) = INFO_CACHE.get(site, key) {
            tracing::debug!(site, "site info found in cache");
            return Ok(info);
        }
        tracing::debug!(site, cached, "reading the site info");
        // As the Python site-info helper does, a dropped connection is retried at once.
        let body = payload("info", Vec::new())?;
        let value = self.post("info", body, false, Duration::ZERO).await?;
        let info = SiteInfo::from_json(value);
        if cached {
            INFO_CACHE.put(site, key, info.clone());
        }
        Ok(info)
    }

    /// The site's version, read once per client (sessions and some parameters depend on it).
    pub async fn server_version(&self) -> Result<ServerVersion, HttpError> {
        self.inner
            .version
            .get_or_try_init(|| async {
                self.info()
                    .await?
                    .version()
                    .ok_or_else(|| HttpError::MalformedResponse {
                        site: self.site_label().to_owned(),
                        detail: "its info has no version number".into(),
                        source: None,
                    })
            })
            .await
            .copied()
    }

    /// Trades a login and password (and a two-factor or backup code, when the site asked
    /// for one) for a session token.
    ///
    /// Fails with [`HttpError::TwoFactorRequired`] when a code is needed, and with
    /// [`HttpError::SsoRequired`] or [`HttpError::IdentityRequired`] on sites where only the
    /// browser login works. On a plain `http://` site that is not this computer it fails
    /// with [`HttpError::InsecureSite`] before sending anything, unless
    /// `SGTK_AUTH_ALLOW_NO_HTTPS` is set.
    pub async fn generate_session_token(
        &self,
        login: &str,
        password: &Secret,
        two_factor_code: Option<&Secret>,
    ) -> Result<Secret, HttpError> {
        tracing::debug!(site = %self.site_label(), login, "generating a session token");
        let auth = Auth::password(login, password.clone(), two_factor_code.cloned());
        let result = self.call("get_session_token", None, Some(&auth)).await?;
        result
            .get("session_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(Secret::from)
            .ok_or_else(|| HttpError::MissingSessionId {
                site: self.site_label().to_owned(),
            })
    }

    /// The first active entity of `entity_type` matching `filters`, with `fields` (`id`
    /// when empty), or `None`.
    ///
    /// `filters` takes the `shotgun_api3` forms: a list of `[field, relation, value…]`, or
    /// `{"filter_operator": "all"|"any", "filters": […]}`.
    pub async fn find_one(
        &self,
        auth: &Auth,
        entity_type: &str,
        filters: &Value,
        fields: &[&str],
    ) -> Result<Option<Map<String, Value>>, HttpError> {
        // Before the version look-up, so that a refused call sends nothing at all.
        self.check_auth_secure(Some(auth))?;
        let version = self.server_version().await?;
        let params = crate::read::find_one_params(entity_type, filters, fields, Some(version))?;
        let result = self.call("read", Some(params), Some(auth)).await?;
        let entities = result
            .get("entities")
            .and_then(Value::as_array)
            .ok_or_else(|| HttpError::MalformedResponse {
                site: self.site_label().to_owned(),
                detail: "the read answer has no entity list".into(),
                source: None,
            })?;
        match entities.first() {
            None => Ok(None),
            Some(Value::Object(entity)) => Ok(Some(entity.clone())),
            Some(_) => Err(HttpError::MalformedResponse {
                site: self.site_label().to_owned(),
                detail: "an entity of the read answer is not an object".into(),
                source: None,
            }),
        }
    }

    /// Calls any API method: `params` is sent after the authentication parameters (left out
    /// when `None` or empty), `auth` `None` sends none (as for `info`). Returns `results`
    /// when the answer has it, else the whole answer.
    ///
    /// When a session token is refused and a [`SessionRenewer`] is set, the renewer is
    /// asked for a new token and the call is made once more with it. A password or script
    /// key is never sent over plain `http://` to a site other than this computer
    /// ([`HttpError::InsecureSite`]) unless `SGTK_AUTH_ALLOW_NO_HTTPS` is set.
    pub async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        auth: Option<&Auth>,
    ) -> Result<Value, HttpError> {
        self.check_auth_secure(auth)?;
        let interval = self.inner.dropped_interval;
        let first = self.exchange(method, params.as_ref(), auth, interval).await;
        let (Err(err), Some(Auth::SessionToken(expired)), Some(renewer)) =
            (&first, auth, &self.inner.renewer)
        else {
            return first;
        };
        let reason = match err {
            HttpError::SessionExpired { .. } => RenewalReason::SessionExpired,
            HttpError::SamlClaimsExpired { .. } => RenewalReason::SamlClaimsExpired,
            _ => return first,
        };
        tracing::debug!(site = %self.site_label(), ?reason, "session refused: renewing");
        let request = RenewalRequest {
            site: self.site_label().to_owned(),
            expired_token: expired.clone(),
            reason,
        };
        let token = renewer
            .renew(&request)
            .await
            .map_err(|source| HttpError::RenewalFailed {
                site: self.site_label().to_owned(),
                source,
            })?;
        self.exchange(
            method,
            params.as_ref(),
            Some(&Auth::SessionToken(token)),
            interval,
        )
        .await
    }

    /// One call with its retries, without renewal.
    async fn exchange(
        &self,
        method: &str,
        params: Option<&Value>,
        auth: Option<&Auth>,
        dropped_interval: Duration,
    ) -> Result<Value, HttpError> {
        if method.is_empty() {
            return Err(HttpError::InvalidRequest {
                reason: "method is empty".into(),
            });
        }
        self.check_auth_secure(auth)?;
        let mut call_params = Vec::with_capacity(2);
        if let Some(auth) = auth {
            let version = if needs_version(auth, &self.inner.extra_auth) {
                Some(self.server_version().await?)
            } else {
                None
            };
            call_params.push(Value::Object(auth_params(
                auth,
                &self.inner.extra_auth,
                version,
            )?));
        }
        if let Some(params) = params.filter(|p| is_truthy(p)) {
            call_params.push(params.clone());
        }
        let body = payload(method, call_params)?;
        let session_auth = auth.is_some_and(Auth::is_session_token);
        self.post(method, body, session_auth, dropped_interval)
            .await
    }

    /// Sends a built body (no site-version look-up here, so `info` can use it).
    async fn post(
        &self,
        method: &str,
        body: Vec<u8>,
        session_auth: bool,
        dropped_interval: Duration,
    ) -> Result<Value, HttpError> {
        tracing::debug!(site = %self.site_label(), method, "starting rpc call");
        let transport = &self.inner.transport;
        let exchange = Exchange {
            route: transport.route(),
            method,
            session_auth,
        };
        rpc::send(
            transport,
            &self.inner.retry,
            &exchange,
            body,
            dropped_interval,
        )
        .await
    }
}

impl std::fmt::Debug for SiteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteClient")
            .field("site", &self.site_label())
            .field("proxy", &self.proxy())
            .finish_non_exhaustive()
    }
}

/// `{"method_name": …, "params": […]}` as UTF-8 JSON.
fn payload(method: &str, params: Vec<Value>) -> Result<Vec<u8>, HttpError> {
    let mut payload = Map::new();
    payload.insert("method_name".into(), Value::String(method.to_owned()));
    payload.insert("params".into(), Value::Array(params));
    serde_json::to_vec(&payload).map_err(|source| HttpError::UnencodableParams {
        method: method.to_owned(),
        source,
    })
}

/// Python's truthiness for parameters: `None`, `{}`, `[]`, `""`, `0`, `false` are left out.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falsy_params_are_left_out_as_in_python() {
        for v in [
            Value::Null,
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!(""),
        ] {
            assert!(!is_truthy(&v));
        }
        assert!(is_truthy(&serde_json::json!({"type": "HumanUser"})));
    }

    #[test]
    fn building_a_client_needs_no_network_and_rejects_bad_input() {
        use crate::env::SHOTGUN_API_RETRY_INTERVAL;

        let quiet = Env::empty();
        let client = SiteClient::new(
            "http://127.0.0.1:9",
            ClientOptions::new().environment(quiet),
        )
        .unwrap();
        assert_eq!(client.site().to_string(), "http://127.0.0.1:9");
        assert_eq!(client.proxy(), None);
        let env = Env::from_pairs([(SHOTGUN_API_RETRY_INTERVAL, "soon")]);
        let err = SiteClient::new("http://127.0.0.1:9", ClientOptions::new().environment(env))
            .unwrap_err();
        assert!(
            err.to_string().contains("SHOTGUN_API_RETRY_INTERVAL"),
            "{err}"
        );
    }
}
