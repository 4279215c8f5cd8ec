//! The token a grant gives: the access token, the refresh token that came with it, and when
//! the access token expires.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use tk_auth_core::Secret;

use crate::HttpError;

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
    pub(super) fn build(
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

#[cfg(test)]
mod tests {
    use super::*;

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
