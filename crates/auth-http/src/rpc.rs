//! One JSON-RPC exchange with `/api3/json`: sending with retries, and reading the answer
//! the way `shotgun_api3` reads it.

use std::time::Duration;

use reqwest::header::{CONNECTION, CONTENT_TYPE, LOCATION};
use serde_json::Value;

use crate::error::MAINTENANCE_MESSAGE;
use crate::transport::{Answer, Failure, Route, Transport};
use crate::{HttpError, RetryPolicy};

/// Where the SSO redirect of an expired claims session goes.
const SAML_LOGIN_PATH: &str = "/saml/saml_login_request";

/// What reading one call's answer needs to know besides the answer.
pub(crate) struct Exchange<'a> {
    pub(crate) route: Route<'a>,
    pub(crate) method: &'a str,
    /// Whether the call was made with a session token (error 102 then means "expired").
    pub(crate) session_auth: bool,
}

/// Sends `body`, retrying 502/504 and dropped connections, and decodes the answer.
pub(crate) async fn send(
    transport: &Transport,
    retry: &RetryPolicy,
    exchange: &Exchange<'_>,
    body: Vec<u8>,
    dropped_interval: Duration,
) -> Result<Value, HttpError> {
    let max_attempts = retry.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        let request = transport
            .http
            .post(transport.api_url.clone())
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .header(CONNECTION, "keep-alive")
            .body(body.clone());
        match transport.read(request).await {
            Ok(answer) if matches!(answer.status.as_u16(), 502 | 504) && attempt < max_attempts => {
                tracing::debug!(
                    site = exchange.route.site,
                    method = exchange.method,
                    status = answer.status.as_u16(),
                    attempt,
                    "bad gateway or gateway timeout: waiting and retrying"
                );
                tokio::time::sleep(retry.status_backoff * attempt).await;
            }
            Ok(answer) => return decode(exchange, &answer),
            Err(Failure::Dropped(err)) if attempt < max_attempts => {
                tracing::debug!(
                    site = exchange.route.site,
                    method = exchange.method,
                    attempt,
                    max_attempts,
                    error = %err,
                    "connection dropped before an answer: retrying"
                );
                tokio::time::sleep(dropped_interval).await;
            }
            Err(Failure::Dropped(err)) => {
                return Err(HttpError::ConnectionDropped {
                    site: exchange.route.site.to_owned(),
                    attempts: attempt,
                    source: Box::new(err),
                });
            }
            Err(Failure::Fatal(err)) => return Err(err),
        }
        attempt += 1;
    }
}

/// The error for an HTTP status of 300 or more, as `_parse_http_status` and tk-core read it.
fn status_error(exchange: &Exchange<'_>, answer: &Answer) -> HttpError {
    let site = exchange.route.site.to_owned();
    let status = answer.status.as_u16();
    let reason = answer
        .status
        .canonical_reason()
        .unwrap_or("unknown status")
        .to_owned();
    if let Some(error) = redirect_or_proxy_error(&exchange.route, answer) {
        return error;
    }
    if status == 503 {
        return HttpError::SiteUnavailable {
            site,
            status,
            message: MAINTENANCE_MESSAGE.to_owned(),
        };
    }
    if answer.status.is_server_error() {
        return HttpError::SiteUnavailable {
            site,
            status,
            message: format!("{reason}; try again later"),
        };
    }
    let message = if status == 403 {
        // As `shotgun_api3` does: a 403 page says why API access is blocked.
        format!("{reason}: {}", excerpt(&answer.body))
    } else {
        reason
    };
    HttpError::HttpStatus {
        site,
        status,
        message,
    }
}

/// The error for a redirect (the SSO one means expired claims; no other is followed) or for
/// a proxy asking for credentials (407), whatever the request was; `None` for any other
/// status.
pub(crate) fn redirect_or_proxy_error(route: &Route<'_>, answer: &Answer) -> Option<HttpError> {
    let site = route.site.to_owned();
    if answer.status.is_redirection() {
        let location = answer
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if location.ends_with(SAML_LOGIN_PATH) {
            return Some(HttpError::SamlClaimsExpired { site, location });
        }
        return Some(HttpError::Redirected {
            site,
            status: answer.status.as_u16(),
            location,
        });
    }
    let proxy = route.proxy.filter(|_| answer.status.as_u16() == 407)?;
    Some(HttpError::ProxyAuthenticationRequired {
        proxy: proxy.host_port.clone(),
        credentials_given: proxy.has_credentials,
    })
}

/// The start of a body, as text, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Reads an answer: HTTP errors, the body's JSON, the site's error codes, `results`.
pub(crate) fn decode(exchange: &Exchange<'_>, answer: &Answer) -> Result<Value, HttpError> {
    let site = || exchange.route.site.to_owned();
    if answer.status.as_u16() >= 300 {
        return Err(status_error(exchange, answer));
    }
    let malformed = |detail: String| HttpError::MalformedResponse {
        site: site(),
        detail,
        source: None,
    };
    let content_type = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    if !(content_type.starts_with("application/json")
        || content_type.starts_with("text/javascript"))
    {
        return Err(malformed(format!(
            "expected JSON, got '{content_type}' to `{}`",
            exchange.method
        )));
    }
    if answer.body.is_empty() {
        return Err(malformed(format!("empty answer to `{}`", exchange.method)));
    }
    let value: Value =
        serde_json::from_slice(&answer.body).map_err(|e| HttpError::MalformedResponse {
            site: site(),
            detail: format!("the answer to `{}` is not JSON", exchange.method),
            source: Some(Box::new(e)),
        })?;
    if let Some(error) = api_error(exchange, &value) {
        return Err(error);
    }
    match value {
        Value::Object(mut map) if map.contains_key("results") => {
            Ok(map.remove("results").unwrap_or(Value::Null))
        }
        other => Ok(other),
    }
}

/// The site's `{"exception": true, "error_code": …, "message": …}`, mapped by code.
fn api_error(exchange: &Exchange<'_>, value: &Value) -> Option<HttpError> {
    let map = value.as_object()?;
    let raised = match map.get("exception") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if !raised {
        return None;
    }
    let site = exchange.route.site.to_owned();
    let code = map.get("error_code").and_then(Value::as_i64);
    let message = |default: &str| {
        map.get("message").map_or_else(
            || default.to_owned(),
            |m| match m {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        )
    };
    Some(match code {
        Some(102) if exchange.session_auth => HttpError::SessionExpired {
            site,
            message: message("Unknown Authentication Error"),
        },
        Some(102) => HttpError::AuthenticationFailed {
            site,
            message: message("Unknown Authentication Error"),
        },
        Some(106) => HttpError::TwoFactorRequired {
            site,
            message: message("Unknown 2FA Authentication Error"),
        },
        Some(108) => HttpError::SsoRequired {
            site,
            message: message(
                "Authentication using username/password is not allowed for an SSO-enabled Flow Production Tracking site",
            ),
        },
        Some(110) => HttpError::IdentityRequired {
            site,
            message: message(
                "Authentication using username/password is not allowed for an Autodesk Identity enabled Flow Production Tracking site",
            ),
        },
        code => HttpError::Fault {
            site,
            code,
            message: message("Unknown Error"),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;
    use crate::transport::ProxyLabel;

    fn decode_as(
        session_auth: bool,
        proxy: Option<&ProxyLabel>,
        answer: &Answer,
    ) -> Result<Value, HttpError> {
        let exchange = Exchange {
            route: Route {
                site: "https://site.example.com",
                host: "site.example.com",
                proxy,
                timeout: Duration::from_secs(1),
            },
            method: "read",
            session_auth,
        };
        decode(&exchange, answer)
    }

    fn decode_with(session_auth: bool, answer: &Answer) -> Result<Value, HttpError> {
        decode_as(session_auth, None, answer)
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn json_is_the_default_and_results_are_unwrapped() {
        let got = decode_with(false, &answer(200, &[], r#"{"results": {"entities": []}}"#));
        assert_eq!(got.unwrap(), json!({"entities": []}));
        let got = decode_with(
            false,
            &answer(
                200,
                &[("content-type", "text/javascript")],
                r#"{"version": [8]}"#,
            ),
        );
        assert_eq!(got.unwrap(), json!({"version": [8]}));
        let err = decode_with(
            false,
            &answer(200, &[("content-type", "text/html")], "<html>"),
        )
        .unwrap_err();
        assert!(matches!(err, HttpError::MalformedResponse { .. }), "{err}");
        let err = decode_with(false, &answer(200, &[], "")).unwrap_err();
        assert!(matches!(err, HttpError::MalformedResponse { .. }), "{err}");
    }

    #[test]
    fn error_codes_map_to_their_variants_with_python_default_messages() {
        let fault = |session, body: Value| {
            decode_with(session, &answer(200, &[], &body.to_string())).unwrap_err()
        };
        let err = fault(false, json!({"exception": true, "error_code": 102}));
        assert_eq!(
            err.to_string(),
            "Authentication failed: Unknown Authentication Error"
        );
        let err = fault(
            true,
            json!({"exception": true, "error_code": 102, "message": "gone"}),
        );
        assert!(matches!(err, HttpError::SessionExpired { ref message, .. } if message == "gone"));
        let err = fault(false, json!({"exception": true, "error_code": 108}));
        assert!(
            matches!(err, HttpError::SsoRequired { ref message, .. } if message.contains("SSO-enabled"))
        );
        let err = fault(false, json!({"exception": true, "error_code": 110}));
        assert!(matches!(err, HttpError::IdentityRequired { .. }));
        let err = fault(false, json!({"exception": true, "error_code": 106}));
        assert!(matches!(err, HttpError::TwoFactorRequired { .. }));
        let err = fault(false, json!({"exception": true}));
        assert!(
            matches!(err, HttpError::Fault { code: None, ref message, .. } if message == "Unknown Error")
        );
        // `exception: false` is an ordinary answer.
        let ok = decode_with(false, &answer(200, &[], r#"{"exception": false, "x": 1}"#));
        assert_eq!(ok.unwrap(), json!({"exception": false, "x": 1}));
    }

    #[test]
    fn redirects_are_claims_expiry_only_towards_the_saml_login() {
        let saml = answer(
            302,
            &[(
                "location",
                "https://site.example.com/saml/saml_login_request",
            )],
            "",
        );
        assert!(matches!(
            decode_with(true, &saml),
            Err(HttpError::SamlClaimsExpired { .. })
        ));
        let other = answer(301, &[("location", "https://elsewhere.example.com/")], "");
        let err = decode_with(true, &other).unwrap_err();
        assert!(
            matches!(err, HttpError::Redirected { status: 301, ref location, .. } if location == "https://elsewhere.example.com/")
        );
    }

    #[test]
    fn a_407_without_a_proxy_is_an_ordinary_status() {
        let err = decode_with(false, &answer(407, &[], "")).unwrap_err();
        assert!(
            matches!(err, HttpError::HttpStatus { status: 407, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_407_through_a_proxy_names_the_proxy_and_whether_credentials_were_sent() {
        let proxy = ProxyLabel {
            host_port: "proxy.local:3128".into(),
            has_credentials: true,
        };
        let err = decode_as(false, Some(&proxy), &answer(407, &[], "")).unwrap_err();
        assert!(
            matches!(
                err,
                HttpError::ProxyAuthenticationRequired {
                    ref proxy,
                    credentials_given: true
                } if proxy == "proxy.local:3128"
            ),
            "{err:?}"
        );
    }

    #[test]
    fn server_errors_are_unavailability_with_the_maintenance_message_for_503() {
        let err = decode_with(false, &answer(503, &[], "")).unwrap_err();
        assert!(
            matches!(err, HttpError::SiteUnavailable { status: 503, ref message, .. } if message == MAINTENANCE_MESSAGE),
            "{err:?}"
        );
        let err = decode_with(false, &answer(500, &[], "")).unwrap_err();
        assert!(
            matches!(err, HttpError::SiteUnavailable { status: 500, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_403_shows_the_start_of_the_page_and_nothing_more() {
        let page = format!("API access blocked {}", "x".repeat(1000));
        let err = decode_with(false, &answer(403, &[], &page)).unwrap_err();
        let HttpError::HttpStatus { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(
            message.starts_with("Forbidden: API access blocked"),
            "{message}"
        );
        assert!(message.chars().count() < 340, "{message}");
    }

    #[test]
    fn json_that_does_not_parse_keeps_the_parser_error_as_its_source() {
        let err = decode_with(false, &answer(200, &[], "{\"results\": ")).unwrap_err();
        let source = std::error::Error::source(&err).expect("the parser's error is chained");
        assert!(source.is::<serde_json::Error>(), "{source:?}");
        // The message says what failed; the parser's words are left to the source.
        assert!(!err.to_string().contains(&source.to_string()), "{err}");
    }

    #[test]
    fn null_and_missing_results_are_returned_as_the_site_sent_them() {
        let got = decode_with(false, &answer(200, &[], r#"{"results": null}"#));
        assert_eq!(got.unwrap(), Value::Null);
        let got = decode_with(false, &answer(200, &[], "[1, 2]"));
        assert_eq!(got.unwrap(), json!([1, 2]));
    }
}
