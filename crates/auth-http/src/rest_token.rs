//! Access tokens for the site's REST API: `POST {site}/api/v1/auth/access_token` with a
//! form-encoded grant (`password`, `client_credentials`, `session_token`, `refresh_token`),
//! answered with a Bearer token that lives `expires_in` seconds and, usually, a refresh
//! token that is good once. See `docs/network.md`.

mod answer;

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use tk_auth_core::Secret;

use crate::transport::Failure;
use crate::{HttpError, SiteClient};

/// Where a site grants REST access tokens.
pub const REST_TOKEN_PATH: &str = "/api/v1/auth/access_token";

/// What is traded for a REST access token.
///
/// `Debug` shows the login or script name, never a password, key or token.
#[derive(Clone, Debug)]
pub enum RestGrant {
    /// A person's login and password, with the two-factor (or backup) code when the site
    /// asked for one ([`HttpError::TwoFactorRequired`]). Refused on SSO and Autodesk
    /// Identity sites, as the JSON-RPC login is.
    Password {
        /// The login.
        login: String,
        /// The password.
        password: Secret,
        /// The two-factor or backup code, sent as `auth_token`.
        two_factor_code: Option<Secret>,
    },
    /// A script's name and API key (sent as `client_id` and `client_secret`).
    ClientCredentials {
        /// The script name.
        script_name: String,
        /// The script's API key.
        api_key: Secret,
    },
    /// A session token from a JSON-RPC login or a browser approval. The session is not
    /// used up: it can be traded again.
    SessionToken(Secret),
    /// A refresh token from an earlier grant. It is good once: the answer carries the next
    /// one. Refused with [`HttpError::RefreshTokenRejected`].
    RefreshToken(Secret),
}

impl RestGrant {
    /// The grant's name on the wire, the form's `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::ClientCredentials { .. } => "client_credentials",
            Self::SessionToken(_) => "session_token",
            Self::RefreshToken(_) => "refresh_token",
        }
    }

    /// The form fields, secrets included.
    fn fields(&self) -> Vec<(&'static str, &str)> {
        let mut fields = vec![("grant_type", self.grant_type())];
        match self {
            Self::Password {
                login,
                password,
                two_factor_code,
            } => {
                fields.push(("username", login));
                fields.push(("password", password.expose()));
                if let Some(code) = two_factor_code {
                    fields.push(("auth_token", code.expose()));
                }
            }
            Self::ClientCredentials {
                script_name,
                api_key,
            } => {
                fields.push(("client_id", script_name));
                fields.push(("client_secret", api_key.expose()));
            }
            Self::SessionToken(token) => fields.push(("session_token", token.expose())),
            Self::RefreshToken(token) => fields.push(("refresh_token", token.expose())),
        }
        fields
    }

    /// The secret values the grant carries, so that none is repeated from an answer.
    fn secrets(&self) -> Vec<&str> {
        match self {
            Self::Password {
                password,
                two_factor_code,
                ..
            } => std::iter::once(password)
                .chain(two_factor_code)
                .map(Secret::expose)
                .collect(),
            Self::ClientCredentials { api_key, .. } => vec![api_key.expose()],
            Self::SessionToken(t) | Self::RefreshToken(t) => vec![t.expose()],
        }
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
    }

    /// Refuses a grant with an empty part before anything is sent.
    fn check_complete(&self) -> Result<(), HttpError> {
        let missing = match self {
            Self::Password { login, .. } if login.is_empty() => Some("the login is empty"),
            Self::Password { password, .. } if password.is_empty() => Some("the password is empty"),
            Self::ClientCredentials { script_name, .. } if script_name.is_empty() => {
                Some("the script name is empty")
            }
            Self::ClientCredentials { api_key, .. } if api_key.is_empty() => {
                Some("the script key is empty")
            }
            Self::SessionToken(t) if t.is_empty() => Some("the session token is empty"),
            Self::RefreshToken(t) if t.is_empty() => Some("the refresh token is empty"),
            _ => None,
        };
        missing.map_or(Ok(()), |what| {
            Err(HttpError::IncompleteCredentials { what })
        })
    }
}

/// A REST access token, with when it expires and the refresh token that came with it.
///
/// `Debug` shows the type and expiry, never a token.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use tk_auth_http::{RestAccessToken, Secret};
///
/// let received = SystemTime::now();
/// let token = RestAccessToken::new(
///     Secret::new("a1b2c3"),
///     Some(Secret::new("r4e5f6")),
///     "Bearer",
///     Duration::from_mins(10),
///     received,
/// )?;
/// assert_eq!(token.authorization().expose(), "Bearer a1b2c3");
/// assert!(token.bearer().is_sensitive());
/// assert!(!token.expires_within(Duration::from_mins(1), received));
/// assert!(token.expires_within(Duration::from_mins(1), received + Duration::from_secs(550)));
/// assert!(!format!("{token:?}").contains("a1b2c3"));
/// # Ok::<(), tk_auth_http::HttpError>(())
/// ```
#[derive(Clone)]
pub struct RestAccessToken {
    access_token: Secret,
    refresh_token: Option<Secret>,
    token_type: String,
    expires_in: Duration,
    expires_at: SystemTime,
}

impl RestAccessToken {
    /// A token as a site granted it: `expires_in` counted from `received_at`, the time the
    /// answer arrived. Fails with [`HttpError::InvalidRequest`] when the token cannot be
    /// sent in a header, the type is not `Bearer`, or the expiry is out of range.
    pub fn new(
        access_token: Secret,
        refresh_token: Option<Secret>,
        token_type: &str,
        expires_in: Duration,
        received_at: SystemTime,
    ) -> Result<Self, HttpError> {
        Self::build(
            access_token,
            refresh_token,
            token_type,
            expires_in,
            received_at,
        )
        .map_err(|reason| HttpError::InvalidRequest {
            reason: reason.to_owned(),
        })
    }

    /// [`new`](Self::new), with the problem in words (no secret in them).
    fn build(
        access_token: Secret,
        refresh_token: Option<Secret>,
        token_type: &str,
        expires_in: Duration,
        received_at: SystemTime,
    ) -> Result<Self, &'static str> {
        if access_token.is_empty() {
            return Err("the access token is empty");
        }
        if !header_safe(access_token.expose()) {
            return Err("the access token has characters a header cannot carry");
        }
        if refresh_token
            .as_ref()
            .is_some_and(|t| !header_safe(t.expose()))
        {
            return Err("the refresh token has characters a form cannot carry as sent");
        }
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err("the token type is not Bearer");
        }
        let expires_at = received_at
            .checked_add(expires_in)
            .ok_or("the token's lifetime is out of range")?;
        Ok(Self {
            access_token,
            refresh_token: refresh_token.filter(|t| !t.is_empty()),
            token_type: token_type.to_owned(),
            expires_in,
            expires_at,
        })
    }

    /// The access token itself.
    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    /// The refresh token that came with it, if the site sent one: good once.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// The token type, as the site wrote it (`Bearer`).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The lifetime the site announced (`expires_in`).
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// When the token expires: the time its answer arrived plus `expires_in`.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether the token has expired by `now + margin` (renew it when so).
    pub fn expires_within(&self, margin: Duration, now: SystemTime) -> bool {
        now.checked_add(margin)
            .is_none_or(|deadline| deadline >= self.expires_at)
    }

    /// The `Authorization` header value, `Bearer <token>`, marked sensitive so that HTTP
    /// clients leave it out of their logs.
    pub fn bearer(&self) -> HeaderValue {
        // `build` checked that the token is visible ASCII, so this cannot fail.
        let mut value = HeaderValue::from_str(self.authorization().expose())
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }

    /// The `Authorization` header's text, `Bearer <token>`, for any HTTP client.
    pub fn authorization(&self) -> Secret {
        Secret::new(format!("Bearer {}", self.access_token.expose()))
    }
}

impl fmt::Debug for RestAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestAccessToken")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Visible ASCII only: what a header (and a token) may hold.
fn header_safe(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_graphic())
}

impl SiteClient {
    /// Trades `grant` for a REST API access token, through the client's proxy and TLS
    /// settings.
    ///
    /// Dropped connections and 502/504 answers are retried as for JSON-RPC calls, except
    /// for a refresh token: it is good once, and the site may have used it up before the
    /// answer was lost, so a retry would only be refused.
    ///
    /// Errors: [`HttpError::AuthenticationFailed`] (bad login, password or script key,
    /// disabled account), [`HttpError::TwoFactorRequired`], [`HttpError::SsoRequired`] /
    /// [`HttpError::IdentityRequired`], [`HttpError::SessionExpired`] (the session token was
    /// refused), [`HttpError::RefreshTokenRejected`], [`HttpError::SiteUnavailable`] (5xx),
    /// [`HttpError::MalformedResponse`] (not a token answer), the network errors, and
    /// [`HttpError::InsecureSite`] for a password or script key on plain `http://` to a
    /// site that is not this computer (nothing is sent then).
    pub async fn rest_access_token(&self, grant: &RestGrant) -> Result<RestAccessToken, HttpError> {
        grant.check_complete()?;
        match grant {
            RestGrant::Password { .. } => self.check_secure("a password")?,
            RestGrant::ClientCredentials { .. } => self.check_secure("a script key")?,
            RestGrant::SessionToken(_) | RestGrant::RefreshToken(_) => {}
        }
        let grant_type = grant.grant_type();
        tracing::debug!(site = %self.site_label(), grant_type, "requesting a REST access token");
        let inner = self.inner();
        let transport = &inner.transport;
        let url = inner.site.absolute(REST_TOKEN_PATH);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(grant.fields())
            .finish();
        let max_attempts = match grant {
            RestGrant::RefreshToken(_) => 1,
            _ => inner.retry.max_attempts.max(1),
        };
        let mut attempt = 1;
        loop {
            let request = transport
                .http
                .post(url.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(body.clone());
            match transport.read(request).await {
                Ok(answer)
                    if matches!(answer.status.as_u16(), 502 | 504) && attempt < max_attempts =>
                {
                    tracing::debug!(
                        site = %self.site_label(),
                        grant_type,
                        status = answer.status.as_u16(),
                        attempt,
                        "bad gateway or gateway timeout: waiting and retrying"
                    );
                    tokio::time::sleep(inner.retry.status_backoff * attempt).await;
                }
                Ok(answer) => {
                    let route = transport.route();
                    let token = answer::decode(&route, grant, &answer, SystemTime::now());
                    if token.is_ok() {
                        tracing::debug!(site = %self.site_label(), grant_type, "REST access token granted");
                    }
                    return token;
                }
                Err(Failure::Dropped(err)) if attempt < max_attempts => {
                    tracing::debug!(
                        site = %self.site_label(),
                        grant_type,
                        attempt,
                        max_attempts,
                        error = %err,
                        "connection dropped before an answer: retrying"
                    );
                    tokio::time::sleep(inner.dropped_interval).await;
                }
                Err(Failure::Dropped(err)) => {
                    return Err(HttpError::ConnectionDropped {
                        site: self.site_label().to_owned(),
                        attempts: attempt,
                        source: Box::new(err),
                    });
                }
                Err(Failure::Fatal(err)) => return Err(err),
            }
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-secret-9";

    #[test]
    fn debug_of_grants_and_tokens_shows_no_secret() {
        let grants = [
            RestGrant::Password {
                login: "alice".into(),
                password: Secret::new(CANARY),
                two_factor_code: Some(Secret::new(CANARY)),
            },
            RestGrant::ClientCredentials {
                script_name: "farm".into(),
                api_key: Secret::new(CANARY),
            },
            RestGrant::SessionToken(Secret::new(CANARY)),
            RestGrant::RefreshToken(Secret::new(CANARY)),
        ];
        for grant in &grants {
            let text = format!("{grant:?}");
            assert!(!text.contains(CANARY), "{text}");
        }
        assert!(format!("{:?}", grants[0]).contains("alice"));
        let token = RestAccessToken::new(
            Secret::new(CANARY),
            Some(Secret::new(CANARY)),
            "Bearer",
            Duration::from_mins(10),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let text = format!("{token:?} {:?} {:?}", token.bearer(), token.authorization());
        assert!(!text.contains(CANARY), "{text}");
    }

    #[test]
    fn the_form_names_the_fields_as_the_site_expects() {
        let grant = RestGrant::Password {
            login: "alice".into(),
            password: Secret::new("p&w"),
            two_factor_code: Some(Secret::new("123456")),
        };
        assert_eq!(
            grant.fields(),
            [
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "p&w"),
                ("auth_token", "123456"),
            ]
        );
        let grant = RestGrant::ClientCredentials {
            script_name: "farm".into(),
            api_key: Secret::new("k"),
        };
        assert_eq!(
            grant.fields(),
            [
                ("grant_type", "client_credentials"),
                ("client_id", "farm"),
                ("client_secret", "k"),
            ]
        );
        assert_eq!(
            RestGrant::RefreshToken(Secret::new("r")).fields(),
            [("grant_type", "refresh_token"), ("refresh_token", "r")]
        );
    }

    #[test]
    fn empty_parts_are_refused_before_sending() {
        let err = RestGrant::SessionToken(Secret::new(""))
            .check_complete()
            .unwrap_err();
        assert!(
            matches!(err, HttpError::IncompleteCredentials { .. }),
            "{err}"
        );
        let err = RestGrant::Password {
            login: String::new(),
            password: Secret::new("x"),
            two_factor_code: None,
        }
        .check_complete()
        .unwrap_err();
        assert!(err.to_string().contains("login"), "{err}");
    }

    #[test]
    fn tokens_a_header_cannot_carry_or_other_types_are_refused() {
        let make = |token: &str, kind: &str, life: Duration| {
            RestAccessToken::new(Secret::new(token), None, kind, life, SystemTime::UNIX_EPOCH)
        };
        assert!(make("a b", "Bearer", Duration::ZERO).is_err());
        assert!(make("a\nb", "Bearer", Duration::ZERO).is_err());
        assert!(make("", "Bearer", Duration::ZERO).is_err());
        assert!(make("ab", "MAC", Duration::ZERO).is_err());
        assert!(make("ab", "bearer", Duration::MAX).is_err());
        let token = make("ab", "bearer", Duration::from_secs(10)).unwrap();
        assert_eq!(
            token.expires_at(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(10)
        );
        assert!(token.expires_within(
            Duration::ZERO,
            SystemTime::UNIX_EPOCH + Duration::from_secs(10)
        ));
        assert!(!token.expires_within(Duration::from_secs(9), SystemTime::UNIX_EPOCH));
        assert!(token.expires_within(Duration::MAX, SystemTime::UNIX_EPOCH));
    }
}
