//! Renewing a web (SSO, SAML or Autodesk Identity) session without a browser: the site's
//! `/auth/renew` loaded with the stored cookie jar, redirects followed across hosts and
//! self-posting forms submitted as a browser would, until the site's `/auth/landing` sets
//! the new session's cookies.
//!
//! Most renewals need no person: the identity provider still has a session, and its pages
//! only redirect and post a SAML response back. Anything else (a login form, a second
//! factor, a page that only scripts move on) stops the renewal with
//! [`WebRenewalError::NeedsPerson`]: a person must log in through the browser.

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;
use tk_auth_core::Secret;

use crate::{HttpError, SiteClient};

mod error;
mod hops;
mod jar;
mod page;

pub use error::{PersonPage, WebRenewalError};

/// The bounds of a web-session renewal.
///
/// ```
/// use std::time::Duration;
/// use tk_auth_http::WebRenewalOptions;
///
/// let options = WebRenewalOptions::default()
///     .with_max_hops(10)
///     .with_hop_timeout(Duration::from_secs(5))
///     .with_overall_timeout(Duration::from_secs(20));
/// assert_eq!(options.max_hops, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebRenewalOptions {
    /// Requests in all, the first included (20).
    pub max_hops: usize,
    /// The limit for one request, from sending it to the answer's last byte (10 s).
    pub hop_timeout: Duration,
    /// The limit for the whole renewal (30 s).
    pub overall_timeout: Duration,
    /// The product named to the site (`product=`); when `None`, the client's
    /// [`ClientOptions::product`](crate::ClientOptions::product), else
    /// [`product_name`](crate::product_name).
    pub product: Option<String>,
}

impl Default for WebRenewalOptions {
    fn default() -> Self {
        Self {
            max_hops: 20,
            hop_timeout: Duration::from_secs(10),
            overall_timeout: Duration::from_secs(30),
            product: None,
        }
    }
}

impl WebRenewalOptions {
    /// The same options with at most `max_hops` requests.
    #[must_use]
    pub fn with_max_hops(mut self, max_hops: usize) -> Self {
        self.max_hops = max_hops;
        self
    }

    /// The same options with this limit for each request.
    #[must_use]
    pub fn with_hop_timeout(mut self, timeout: Duration) -> Self {
        self.hop_timeout = timeout;
        self
    }

    /// The same options with this limit for the whole renewal.
    #[must_use]
    pub fn with_overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = timeout;
        self
    }

    /// The same options naming this product to the site.
    #[must_use]
    pub fn with_product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into());
        self
    }
}

/// A renewed web session: the new token, and the cookie jar to store in its place.
#[derive(Clone)]
#[non_exhaustive]
pub struct WebSession {
    /// The new session token (cookie `_session_id`).
    pub session_token: Secret,
    /// The renewed jar, encoded as the session metadata (base64 of Qt's raw cookie lines):
    /// every cookie of the old jar the renewal kept, changed or not, then the new ones.
    pub metadata: Secret,
    /// When the SSO claims expire, in seconds since the epoch, if the cookies say.
    pub claims_expiration: Option<i64>,
    /// When the web (Unified Login Flow) session expires, if the cookies say.
    pub session_expiration: Option<i64>,
    /// The login the cookies name, if any.
    pub login: Option<String>,
    /// The number of requests the renewal made.
    pub hops: usize,
}

impl fmt::Debug for WebSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSession")
            .field("session_token", &self.session_token)
            .field("metadata", &self.metadata)
            .field("claims_expiration", &self.claims_expiration)
            .field("session_expiration", &self.session_expiration)
            .field("login", &self.login)
            .field("hops", &self.hops)
            .finish()
    }
}

impl SiteClient {
    /// Renews a web (SSO) session from its stored cookie jar `metadata` (as the Python
    /// Toolkit stores it), with the default bounds: see
    /// [`renew_web_session_with`](Self::renew_web_session_with).
    pub async fn renew_web_session(&self, metadata: &Secret) -> Result<WebSession, HttpError> {
        self.renew_web_session_with(metadata, &WebRenewalOptions::default())
            .await
    }

    /// Renews a web (SSO) session from its stored cookie jar `metadata`, as a browser would:
    /// loads `<site>/auth/renew?product=…` (with `email=` from `TK_SHOTGRID_DEFAULT_LOGIN` and
    /// `sso_domain=` from `TK_SHOTGRID_SSO_DOMAIN` when set), follows redirects across hosts
    /// (a 303, or a 301/302 after a form, becomes a GET), submits forms that post themselves
    /// (the SAML POST binding) and `<meta http-equiv="refresh">` redirects, keeping cookies
    /// by the rules of RFC 6265, until it has loaded `<site>/auth/landing`. The new session
    /// token, expirations and login are then read from the cookies.
    ///
    /// Every request goes through the client's proxy, TLS trust, pinned names
    /// ([`ClientOptions::resolve`](crate::ClientOptions::resolve)) and answer size limit.
    /// Plain `http://` is allowed only to this computer (or with `SGTK_AUTH_ALLOW_NO_HTTPS`);
    /// the site's own Basic credentials go to the site only.
    ///
    /// Every outcome that is not a new session and not a network failure is an
    /// [`HttpError::WebRenewal`]: a page that needs a person, no cookies, a loop, too many
    /// hops, a timeout, an insecure hop, or a landing without a session.
    pub async fn renew_web_session_with(
        &self,
        metadata: &Secret,
        options: &WebRenewalOptions,
    ) -> Result<WebSession, HttpError> {
        let jar = jar::WebJar::load(metadata, self.site().host(), OffsetDateTime::now_utc());
        if jar.is_empty() {
            return Err(WebRenewalError::NoCookies.into());
        }
        let start = hops::renew_url(self, options)?;
        tracing::debug!(site = %self.site_label(), "renewing the web session headless");
        hops::walk(self, jar, start, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{TK_SHOTGRID_DEFAULT_LOGIN, TK_SHOTGRID_SSO_DOMAIN};
    use crate::{ClientOptions, Env};

    fn client(env: Env) -> SiteClient {
        SiteClient::new(
            "https://site.example.com",
            ClientOptions::new().environment(env),
        )
        .unwrap()
    }

    #[test]
    fn the_renew_address_is_built_as_the_python_toolkit_builds_it() {
        let env = Env::from_pairs([
            (TK_SHOTGRID_DEFAULT_LOGIN, "jane doe+x@example.com"),
            (TK_SHOTGRID_SSO_DOMAIN, "HTTPS://Login.Studio.example/path"),
        ]);
        let options = WebRenewalOptions::default().with_product("My Tool~1*");
        let url = hops::renew_url(&client(env), &options).unwrap();
        assert_eq!(
            url.as_str(),
            "https://site.example.com/auth/renew?product=My+Tool~1%2A\
             &email=jane+doe%2Bx%40example.com&sso_domain=login.studio.example"
        );
        let quiet = Env::empty();
        let url = hops::renew_url(
            &client(quiet),
            &WebRenewalOptions::default().with_product("rv"),
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://site.example.com/auth/renew?product=rv"
        );
    }

    #[test]
    fn the_product_comes_from_the_client_options_when_not_given() {
        let client = SiteClient::new(
            "https://site.example.com",
            ClientOptions::new().environment(Env::empty()).product("rv"),
        )
        .unwrap();
        let url = hops::renew_url(&client, &WebRenewalOptions::default()).unwrap();
        assert_eq!(url.query(), Some("product=rv"));
    }

    #[test]
    fn a_web_session_shows_no_secret() {
        let session = WebSession {
            session_token: Secret::new("token-canary"),
            metadata: Secret::new("jar-canary"),
            claims_expiration: Some(1),
            session_expiration: None,
            login: Some("jane".into()),
            hops: 4,
        };
        let text = format!("{session:?}");
        assert!(!text.contains("canary"), "{text}");
        assert!(text.contains("hops: 4"), "{text}");
    }

    #[tokio::test]
    async fn an_empty_jar_is_refused_before_anything_is_sent() {
        let err = client(Env::empty())
            .renew_web_session(&Secret::new(""))
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::WebRenewal(WebRenewalError::NoCookies)),
            "{err}"
        );
    }
}
