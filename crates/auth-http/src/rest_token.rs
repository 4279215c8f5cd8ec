//! Access tokens for the site's REST API: `POST {site}/api/v1/auth/access_token` with a
//! form-encoded grant (`password`, `client_credentials`, `session_token`, `refresh_token`),
//! answered with a Bearer token that lives `expires_in` seconds and, usually, a refresh
//! token that is good once. See `docs/network.md`.

mod access_token;
mod answer;

use std::time::SystemTime;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use tk_auth_core::Secret;

pub use self::access_token::RestAccessToken;
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
    use std::time::Duration;

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
}
