//! Browser approval (the App Session Launcher): the site shows the person a page asking to
//! approve this program; once they do, the program gets a session token.

use std::future::Future;
use std::time::Instant;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use reqwest::Method;
use serde_json::Value;
use tk_auth_core::Secret;
use url::Url;

use crate::approval_answers::{approval_json, check_page, poll_outcome, unexpected};
use crate::transport::{Answer, Failure};
use crate::{
    ApprovalError, ApprovalOptions, CancelHandle, HttpError, SiteClient, machine_id, product_name,
};

/// The path where approval requests are created, then polled (`…/<id>`).
const REQUEST_PATH: &str = "/internal_api/app_session_request";

/// The outcome of an approved request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApprovedSession {
    /// The site, as [`SiteUrl`](crate::SiteUrl) displays it.
    pub site: String,
    /// The login of the person who approved (whoever was logged in to the browser).
    pub login: String,
    /// The session token, used as an ordinary `session_token`.
    pub session_token: Secret,
}

impl SiteClient {
    /// Asks the site for a browser approval: creates the request, hands its page's URL to
    /// `open_browser` (which returns whether it could open it), then polls until the person
    /// approves, rejects, `cancel` is cancelled, or the time limit passes. The URL handed on
    /// is the parsed and re-serialised one, never the site's text.
    ///
    /// Each outcome is its own [`HttpError::Approval`], with the Python Toolkit's message:
    /// [`ApprovalError::FeatureDisabled`], [`ApprovalError::Rejected`],
    /// [`ApprovalError::TimedOut`], [`ApprovalError::Cancelled`] and the others; network
    /// failures are the client's usual errors.
    ///
    /// The page is handed to `open_browser` only if it is an `https://` page of the site's
    /// own host (or `http://` when the site itself is this computer):
    /// [`ApprovalError::UntrustedPage`] otherwise. On a plain `http://` site that is not this
    /// computer nothing is sent ([`HttpError::InsecureSite`]) unless `SGTK_AUTH_ALLOW_NO_HTTPS`
    /// is set.
    pub async fn request_browser_approval<F>(
        &self,
        options: &ApprovalOptions,
        cancel: &CancelHandle,
        open_browser: F,
    ) -> Result<ApprovedSession, HttpError>
    where
        F: FnOnce(&Url) -> bool + Send,
    {
        self.check_secure("a browser approval request")?;
        let site = self.site_label().to_owned();
        let executable = options
            .executable
            .clone()
            .or_else(|| std::env::current_exe().ok());
        let product = product_name(
            options.product.as_deref(),
            &self.inner().environment,
            executable.as_deref(),
        );
        tracing::debug!(site = %site, product = %product, "creating a browser approval request");
        let form = [("appName", product), ("machineId", machine_id())];
        let create = self
            .with_cancel(
                cancel,
                self.approval_request(Method::POST, REQUEST_PATH.to_owned(), Some(&form), options),
            )
            .await??;
        let json = approval_json(&site, &create)?;
        let status = create.status.as_u16();
        if create.status.is_server_error() {
            return Err(ApprovalError::SiteUnstable { site, status }.into());
        }
        if create.status.is_client_error() {
            if status == 403 && json.is_some() {
                return Err(ApprovalError::FeatureDisabled { site }.into());
            }
            return Err(ApprovalError::RequestFailed { site, status }.into());
        }
        if status != 200 {
            return Err(unexpected(&site, format!("HTTP {status}")));
        }
        let Some(Value::Object(created)) = json else {
            return Err(unexpected(&site, "expected a JSON object".into()));
        };
        let request_id = match created.get("sessionRequestId") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return Err(unexpected(&site, "no sessionRequestId".into())),
        };
        let url = created
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| unexpected(&site, "no url".into()))?;
        let page = check_page(&self.inner().site, &site, url)?;
        if !open_browser(&page) {
            return Err(ApprovalError::BrowserFailed {
                url: page.to_string(),
            }
            .into());
        }
        tracing::debug!(site = %site, "awaiting the approval in the browser");
        let poll_path = format!("{REQUEST_PATH}/{request_id}");
        let started = Instant::now();
        let timed_out = || -> HttpError {
            ApprovalError::TimedOut {
                site: site.clone(),
                waited: options.time_limit,
            }
            .into()
        };
        loop {
            let remaining = options.time_limit.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return Err(timed_out());
            }
            self.with_cancel(
                cancel,
                tokio::time::sleep(options.poll_interval.min(remaining)),
            )
            .await?;
            let remaining = options.time_limit.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return Err(timed_out());
            }
            let poll = self.approval_request(Method::PUT, poll_path.clone(), None, options);
            let answer = self
                .with_cancel(cancel, tokio::time::timeout(remaining, poll))
                .await?
                .map_err(|_| timed_out())??;
            if let Some(approved) = poll_outcome(&site, &answer)? {
                tracing::debug!(site = %site, login = %approved.login, "request approved");
                return Ok(approved);
            }
        }
    }

    /// Runs `work` unless `cancel` fires first.
    async fn with_cancel<T>(
        &self,
        cancel: &CancelHandle,
        work: impl Future<Output = T>,
    ) -> Result<T, HttpError> {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(ApprovalError::Cancelled { site: self.site_label().to_owned() }.into()),
            out = work => Ok(out),
        }
    }

    /// One approval request with its retries (5xx, refused or dropped connections).
    async fn approval_request(
        &self,
        method: Method,
        path: String,
        form: Option<&[(&str, String); 2]>,
        options: &ApprovalOptions,
    ) -> Result<Answer, HttpError> {
        let inner = self.inner();
        let transport = &inner.transport;
        let url = inner.site.absolute(&path);
        let max_attempts = options.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let mut request = transport.http.request(method.clone(), url.clone());
            if let Some(form) = form {
                request = request.form(form);
            }
            let outcome = transport.read(request).await;
            let retry = match &outcome {
                Ok(answer) => answer.status.is_server_error(),
                Err(Failure::Dropped(_) | Failure::Fatal(HttpError::ConnectionRefused { .. })) => {
                    true
                }
                Err(Failure::Fatal(_)) => false,
            };
            if !retry || attempt >= max_attempts {
                return match outcome {
                    Ok(answer) => Ok(answer),
                    Err(Failure::Dropped(err)) => Err(HttpError::ConnectionDropped {
                        site: transport.site_label.clone(),
                        attempts: attempt,
                        source: Box::new(err),
                    }),
                    Err(Failure::Fatal(err)) => Err(err),
                };
            }
            tracing::debug!(site = %transport.site_label, attempt, max_attempts, "approval request failed: retrying");
            tokio::time::sleep(options.backoff.mul_f64(f64::from(attempt) * jitter())).await;
            attempt += 1;
        }
    }
}

/// A random factor in [1, 3), so that many clients do not retry in step.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 2.0;
    }
    1.0 + 2.0 * f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((1.0..3.0).contains(&j), "{j}");
        }
    }
}
