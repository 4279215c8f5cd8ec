//! Reading the token endpoint's answer: the token, or the JSON:API error document
//! (`{"errors": [{"status", "code", "title", "detail", …}]}`) mapped to the error a person
//! can act on.

use std::time::{Duration, SystemTime};

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use tk_auth_core::{REDACTED, Secret};

use super::{RestAccessToken, RestGrant};
use crate::HttpError;
use crate::error::MAINTENANCE_MESSAGE;
use crate::transport::{Answer, Route};

/// The api3 codes the REST API reuses in its error objects.
const ERR_2FA: i64 = 106;
const ERR_SSO: i64 = 108;
const ERR_OXYGEN: i64 = 110;

/// The token in a 2xx answer, or the error the answer means.
pub(super) fn decode(
    route: &Route<'_>,
    grant: &RestGrant,
    answer: &Answer,
    received_at: SystemTime,
) -> Result<RestAccessToken, HttpError> {
    let site = || route.site.to_owned();
    let malformed = |detail: &str, source: Option<crate::BoxError>| HttpError::MalformedResponse {
        site: site(),
        detail: detail.to_owned(),
        source,
    };
    if !answer.status.is_success() {
        return Err(status_error(route, grant, answer));
    }
    if !is_json(answer) {
        return Err(malformed("the access token answer is not JSON", None));
    }
    // The parser's error is left out: its text could quote the body, which holds tokens.
    let value: Value = serde_json::from_slice(&answer.body)
        .map_err(|_| malformed("the access token answer is not valid JSON", None))?;
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("the answer has no access_token", None))?;
    let token_type = text("token_type").unwrap_or("Bearer");
    let expires_in = value
        .get("expires_in")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("the answer has no expires_in, in whole seconds", None))?;
    let refresh_token = text("refresh_token").map(Secret::from);
    RestAccessToken::build(
        Secret::from(access_token),
        refresh_token,
        token_type,
        Duration::from_secs(expires_in),
        received_at,
    )
    .map_err(|detail| malformed(detail, None))
}

fn is_json(answer: &Answer) -> bool {
    answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|c| {
            let c = c.to_ascii_lowercase();
            c.starts_with("application/json") || c.starts_with("application/vnd.api+json")
        })
}

/// The first error object of a JSON:API error document, if the body is one.
struct SiteError {
    code: Option<i64>,
    message: Option<String>,
}

fn site_error(answer: &Answer, grant: &RestGrant) -> SiteError {
    let first = is_json(answer)
        .then(|| serde_json::from_slice::<Value>(&answer.body).ok())
        .flatten()
        .and_then(|v| v.get("errors")?.as_array()?.first().cloned());
    let Some(first) = first else {
        return SiteError {
            code: None,
            message: None,
        };
    };
    // Some sites write the code as a string.
    let code = first.get("code").and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
    });
    let text = |key: &str| {
        first
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let message = match (text("title"), text("detail")) {
        (Some(title), Some(detail)) if title != detail => Some(format!("{title} ({detail})")),
        (Some(one), _) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    };
    SiteError {
        code,
        message: message.map(|m| scrub(&m, grant)),
    }
}

/// The site's words with any secret of the grant blotted out, in case a site repeats what
/// it was sent.
fn scrub(message: &str, grant: &RestGrant) -> String {
    let mut text = message.to_owned();
    for secret in grant.secrets() {
        text = text.replace(secret, REDACTED);
    }
    text
}

fn status_error(route: &Route<'_>, grant: &RestGrant, answer: &Answer) -> HttpError {
    let site = route.site.to_owned();
    let status = answer.status.as_u16();
    let reason = answer.status.canonical_reason().unwrap_or("unknown status");
    if let Some(error) = crate::rpc::redirect_or_proxy_error(route, answer) {
        return error;
    }
    let found = site_error(answer, grant);
    if answer.status.is_server_error() {
        let message = match (status, found.message) {
            (503, None) => MAINTENANCE_MESSAGE.to_owned(),
            (_, Some(message)) => message,
            (_, None) => format!("{reason}; try again later"),
        };
        return HttpError::SiteUnavailable {
            site,
            status,
            message,
        };
    }
    let message = found.message.unwrap_or_else(|| reason.to_owned());
    match found.code {
        Some(ERR_2FA) => return HttpError::TwoFactorRequired { site, message },
        Some(ERR_SSO) => return HttpError::SsoRequired { site, message },
        Some(ERR_OXYGEN) => return HttpError::IdentityRequired { site, message },
        _ => {}
    }
    if status == 401 {
        return match grant {
            RestGrant::Password { .. } | RestGrant::ClientCredentials { .. } => {
                HttpError::AuthenticationFailed { site, message }
            }
            RestGrant::SessionToken(_) => HttpError::SessionExpired { site, message },
            RestGrant::RefreshToken(_) => HttpError::RefreshTokenRejected { site, message },
        };
    }
    HttpError::HttpStatus {
        site,
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;

    const CANARY: &str = "canary-pw-77";

    fn route() -> Route<'static> {
        Route {
            site: "https://site.example.com",
            host: "site.example.com",
            proxy: None,
            timeout: Duration::from_secs(1),
        }
    }

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Answer {
        let mut headers = HeaderMap::new();
        if let Some(c) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(c).unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn password() -> RestGrant {
        RestGrant::Password {
            login: "alice".into(),
            password: Secret::new(CANARY),
            two_factor_code: None,
        }
    }

    fn errors(status: u16, code: &Value, title: &str, detail: &Value) -> Answer {
        let body = json!({"errors": [{"id": "x", "status": status, "code": code,
            "title": title, "source": null, "detail": detail, "meta": null}]});
        answer(status, Some("application/json"), &body.to_string())
    }

    #[test]
    fn a_token_answer_is_read_with_its_expiry_from_the_time_received() {
        let body = json!({"token_type": "Bearer", "access_token": "abc",
            "expires_in": 600, "refresh_token": "def"});
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let token = decode(
            &route(),
            &password(),
            &answer(
                200,
                Some("application/json; charset=utf-8"),
                &body.to_string(),
            ),
            at,
        )
        .unwrap();
        assert_eq!(token.access_token().expose(), "abc");
        assert_eq!(token.refresh_token().map(Secret::expose), Some("def"));
        assert_eq!(token.expires_in(), Duration::from_mins(10));
        assert_eq!(token.expires_at(), at + Duration::from_mins(10));
    }

    #[test]
    fn answers_that_are_not_tokens_are_malformed_and_quote_nothing() {
        for (content_type, body) in [
            (Some("text/html"), "<html>canary</html>".to_owned()),
            (
                Some("application/json"),
                "{\"access_token\": \"canary".to_owned(),
            ),
            (None, json!({"access_token": "canary"}).to_string()),
            (
                None,
                json!({"access_token": "", "expires_in": 5}).to_string(),
            ),
            (
                None,
                json!({"access_token": "canary x", "expires_in": 5}).to_string(),
            ),
            (
                None,
                json!({"access_token": "canary", "expires_in": -1}).to_string(),
            ),
            (
                None,
                json!({"access_token": "canary", "expires_in": 5, "token_type": "MAC"}).to_string(),
            ),
        ] {
            let err = decode(
                &route(),
                &password(),
                &answer(200, content_type, &body),
                SystemTime::now(),
            )
            .unwrap_err();
            assert!(
                matches!(err, HttpError::MalformedResponse { .. }),
                "{body}: {err:?}"
            );
            assert!(!format!("{err} {err:?}").contains("canary"), "{err:?}");
        }
    }

    #[test]
    fn refusals_map_by_code_and_grant() {
        let refused = errors(
            401,
            &json!(102),
            "Can't authenticate user 'alice'",
            &Value::Null,
        );
        let decode_as = |grant: &RestGrant, a: &Answer| {
            decode(&route(), grant, a, SystemTime::now()).unwrap_err()
        };
        let err = decode_as(&password(), &refused);
        assert!(
            matches!(err, HttpError::AuthenticationFailed { ref message, .. } if message == "Can't authenticate user 'alice'"),
            "{err:?}"
        );
        let session = RestGrant::SessionToken(Secret::new("s"));
        assert!(matches!(
            decode_as(&session, &refused),
            HttpError::SessionExpired { .. }
        ));
        let refresh = RestGrant::RefreshToken(Secret::new("r"));
        assert!(matches!(
            decode_as(&refresh, &refused),
            HttpError::RefreshTokenRejected { .. }
        ));
        let err = decode_as(
            &password(),
            &errors(401, &json!("106"), "2FA", &Value::Null),
        );
        assert!(
            matches!(err, HttpError::TwoFactorRequired { .. }),
            "{err:?}"
        );
        let err = decode_as(&password(), &errors(401, &json!(108), "SSO", &Value::Null));
        assert!(matches!(err, HttpError::SsoRequired { .. }), "{err:?}");
        let err = decode_as(
            &password(),
            &errors(401, &json!(110), "Identity", &Value::Null),
        );
        assert!(matches!(err, HttpError::IdentityRequired { .. }), "{err:?}");
        let err = decode_as(
            &password(),
            &errors(
                400,
                &json!(100),
                "Missing parameter",
                &json!("username is needed"),
            ),
        );
        assert!(
            matches!(err, HttpError::HttpStatus { status: 400, ref message, .. } if message == "Missing parameter (username is needed)"),
            "{err:?}"
        );
    }

    #[test]
    fn server_errors_are_unavailability_with_the_site_words_when_it_gave_some() {
        let decode_one =
            |a: &Answer| decode(&route(), &password(), a, SystemTime::now()).unwrap_err();
        let err = decode_one(&answer(503, Some("text/html"), "<h1>down</h1>"));
        assert!(
            matches!(err, HttpError::SiteUnavailable { status: 503, ref message, .. } if message == MAINTENANCE_MESSAGE),
            "{err:?}"
        );
        let err = decode_one(&errors(500, &json!(100), "Internal error", &Value::Null));
        assert!(
            matches!(err, HttpError::SiteUnavailable { status: 500, ref message, .. } if message == "Internal error"),
            "{err:?}"
        );
        let err = decode_one(&answer(502, None, ""));
        assert!(
            matches!(err, HttpError::SiteUnavailable { status: 502, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_site_that_repeats_a_secret_has_it_blotted_out() {
        let err = decode(
            &route(),
            &password(),
            &errors(
                401,
                &json!(102),
                &format!("bad password {CANARY}"),
                &json!(CANARY),
            ),
            SystemTime::now(),
        )
        .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains(CANARY), "{text}");
        assert!(text.contains(REDACTED), "{text}");
    }
}
