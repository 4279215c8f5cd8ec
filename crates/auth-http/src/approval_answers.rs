//! Reading the site's answers during a browser approval: the created request, each poll,
//! and whether the page it names may be opened.

use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;
use tk_auth_core::Secret;
use url::Url;

use crate::site_url::redact_userinfo;
use crate::transport::Answer;
use crate::{ApprovalError, ApprovedSession, HttpError, SiteUrl};

/// An answer of the wrong shape.
pub(crate) fn unexpected(site: &str, detail: String) -> HttpError {
    ApprovalError::UnexpectedResponse {
        site: site.to_owned(),
        detail,
    }
    .into()
}

/// Accepts the approval page only on the site's own host, over `https` (or `http` when the
/// site itself is served over `http` on this computer): a page elsewhere could ask for the
/// person's credentials. The page comes back parsed: only the re-serialised address is ever
/// handed on, never the site's text.
pub(crate) fn check_page(site: &SiteUrl, site_label: &str, page: &str) -> Result<Url, HttpError> {
    let untrusted = |reason: &'static str| -> HttpError {
        ApprovalError::UntrustedPage {
            site: site_label.to_owned(),
            url: redact_userinfo(page),
            reason,
        }
        .into()
    };
    let parsed = Url::parse(page).map_err(|_| untrusted("it is not a valid URL"))?;
    let host = parsed.host_str().unwrap_or_default();
    if !host.eq_ignore_ascii_case(site.host()) {
        return Err(untrusted("it is on another host"));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if site.scheme() == "http" && crate::plain_http::is_loopback(site.host()) => {
            Ok(parsed)
        }
        _ => Err(untrusted("it is not an https:// page")),
    }
}

/// The body as JSON when the answer says it is JSON, as `http_request` in Python reads it.
pub(crate) fn approval_json(site: &str, answer: &Answer) -> Result<Option<Value>, HttpError> {
    let is_json = answer
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Ok(None);
    }
    serde_json::from_slice(&answer.body)
        .map(Some)
        .map_err(|source| {
            ApprovalError::UndecodableJson {
                site: site.to_owned(),
                source,
            }
            .into()
        })
}

/// Reads one poll: `Some` when approved, `None` to keep waiting, or the error.
pub(crate) fn poll_outcome(
    site: &str,
    answer: &Answer,
) -> Result<Option<ApprovedSession>, HttpError> {
    let json = approval_json(site, answer)?;
    let status = answer.status.as_u16();
    if answer.status.is_server_error() {
        return Err(ApprovalError::SiteUnstable {
            site: site.to_owned(),
            status,
        }
        .into());
    }
    if answer.status.is_redirection() {
        let location = answer
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("None")
            .to_owned();
        return Err(ApprovalError::Redirected {
            site: site.to_owned(),
            location,
        }
        .into());
    }
    if answer.status.is_client_error() {
        if status == 404 && json.is_some() {
            return Err(ApprovalError::Rejected {
                site: site.to_owned(),
            }
            .into());
        }
        return Err(unexpected(site, format!("HTTP {status}")));
    }
    if status != 200 {
        return Err(ApprovalError::Denied {
            site: site.to_owned(),
            status,
        }
        .into());
    }
    let Some(Value::Object(body)) = json else {
        return Err(unexpected(site, "expected a JSON object".into()));
    };
    let approved = match body.get("approved") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if !approved {
        return Ok(None);
    }
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match (text("sessionToken"), text("userLogin")) {
        (Some(token), Some(login)) => Ok(Some(ApprovedSession {
            site: site.to_owned(),
            login,
            session_token: Secret::new(token),
        })),
        _ => Err(unexpected(
            site,
            "an approval without sessionToken or userLogin".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> Answer {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    #[test]
    fn polls_map_every_python_outcome() {
        let outcome = |status, ct, body| poll_outcome("https://s", &answer(status, ct, body));
        assert!(outcome(200, JSON, "{}").unwrap().is_none());
        assert!(
            outcome(200, JSON, r#"{"approved": false}"#)
                .unwrap()
                .is_none()
        );
        let ok = outcome(
            200,
            JSON,
            r#"{"approved": true, "sessionToken": "t", "userLogin": "al"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!((ok.login.as_str(), ok.session_token.expose()), ("al", "t"));
        assert!(matches!(
            outcome(404, JSON, "{}"),
            Err(HttpError::Approval(ApprovalError::Rejected { .. }))
        ));
        assert!(matches!(
            outcome(404, Some("text/html"), "gone"),
            Err(HttpError::Approval(
                ApprovalError::UnexpectedResponse { .. }
            ))
        ));
        assert!(matches!(
            outcome(500, None, ""),
            Err(HttpError::Approval(ApprovalError::SiteUnstable {
                status: 500,
                ..
            }))
        ));
        assert!(matches!(
            outcome(302, None, ""),
            Err(HttpError::Approval(ApprovalError::Redirected { .. }))
        ));
        assert!(matches!(
            outcome(204, None, ""),
            Err(HttpError::Approval(ApprovalError::Denied {
                status: 204,
                ..
            }))
        ));
        assert!(matches!(
            outcome(200, JSON, "[1]"),
            Err(HttpError::Approval(
                ApprovalError::UnexpectedResponse { .. }
            ))
        ));
        assert!(matches!(
            outcome(200, JSON, "{"),
            Err(HttpError::Approval(ApprovalError::UndecodableJson { .. }))
        ));
        assert!(matches!(
            outcome(200, JSON, r#"{"approved": true, "userLogin": "al"}"#),
            Err(HttpError::Approval(
                ApprovalError::UnexpectedResponse { .. }
            ))
        ));
    }

    #[test]
    fn error_messages_are_the_python_ones() {
        let rejected = poll_outcome("https://s", &answer(404, JSON, "{}")).unwrap_err();
        assert_eq!(
            rejected.to_string(),
            "The request has been rejected or has expired."
        );
    }

    #[test]
    fn approval_pages_are_trusted_only_on_the_site_host_over_https() {
        let site = SiteUrl::parse("https://studio.example.com").unwrap();
        let check = |page: &str| check_page(&site, "https://studio.example.com", page);
        assert!(check("https://studio.example.com/app_session_request/1").is_ok());
        assert!(check("https://STUDIO.example.com:8443/app_session_request/1").is_ok());
        for page in [
            "http://studio.example.com/app_session_request/1",
            "https://evil.example.net/app_session_request/1",
            "https://studio.example.com.evil.net/x",
            "https://studio.example.com@evil.example.net/x",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "/app_session_request/1",
        ] {
            let err = check(page).unwrap_err();
            assert!(
                matches!(
                    err,
                    HttpError::Approval(ApprovalError::UntrustedPage { .. })
                ),
                "{page}: {err}"
            );
        }
        let local = SiteUrl::parse("http://127.0.0.1:8000").unwrap();
        assert!(check_page(&local, "http://127.0.0.1:8000", "http://127.0.0.1:8000/a").is_ok());
        let err = check("https://bob:canary-pw@evil.example.net/x").unwrap_err();
        assert!(!err.to_string().contains("canary"), "{err}");
    }
}
