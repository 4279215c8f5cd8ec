//! The Flow authorization server's token endpoint: a login's code, or a refresh token,
//! exchanged for an access token.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use tk_auth_core::{FlowSettings, Secret};

use crate::transport::Failure;
use crate::{ClientOptions, FlowError, HttpError, SiteClient};

/// What the token endpoint answered: an access token (a JWT) and, usually, the refresh
/// token that replaces the one spent.
#[derive(Clone, Debug)]
pub struct FlowTokenAnswer {
    /// The access token.
    pub access_token: Secret,
    /// The new refresh token, when one was sent.
    pub refresh_token: Option<Secret>,
    /// Its lifetime in seconds, as announced.
    pub expires_in: Option<u64>,
}

/// A client of one Flow authorization server, for one application: proxy, CA file and
/// timeouts as for a site ([`ClientOptions`]).
///
/// Neither request is ever sent twice: a refresh token is single-use, so a request whose
/// answer was lost cannot be repeated safely.
#[derive(Clone, Debug)]
pub struct FlowTokenClient {
    client: SiteClient,
    token_url: String,
    application_id: String,
}

impl FlowTokenClient {
    /// A client for the server and application of `settings` (already validated).
    pub fn new(settings: &FlowSettings, options: ClientOptions) -> Result<Self, HttpError> {
        Ok(Self {
            client: SiteClient::new(&settings.base_url, options)?,
            token_url: settings.token_url(),
            application_id: settings.application_id.clone(),
        })
    }

    /// Exchanges a login's `code` (with its PKCE `verifier`, and the `redirect_uri` the
    /// login used) for tokens.
    pub async fn exchange_code(
        &self,
        code: &Secret,
        verifier: &Secret,
        redirect_uri: &str,
    ) -> Result<FlowTokenAnswer, HttpError> {
        let form = [
            ("code", code.expose()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri),
            ("client_id", &self.application_id),
            ("code_verifier", verifier.expose()),
        ];
        self.request("authorization_code", &form).await
    }

    /// Spends `refresh_token` for a new access token (and a new refresh token).
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<FlowTokenAnswer, HttpError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", &self.application_id),
        ];
        self.request("refresh_token", &form).await
    }

    async fn request(
        &self,
        grant: &'static str,
        form: &[(&str, &str)],
    ) -> Result<FlowTokenAnswer, HttpError> {
        let transport = &self.client.inner().transport;
        tracing::debug!(url = %self.token_url, grant, "asking the Flow authorization server for a token");
        let request = transport
            .http
            .post(&self.token_url)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .form(form);
        let answer = transport
            .read(request)
            .await
            .map_err(|failure| match failure {
                Failure::Dropped(err) => HttpError::ConnectionDropped {
                    site: transport.site_label.clone(),
                    attempts: 1,
                    source: Box::new(err),
                },
                Failure::Fatal(err) => err,
            })?;
        let malformed =
            |detail: String, source: Option<serde_json::Error>| HttpError::MalformedResponse {
                site: transport.site_label.clone(),
                detail,
                source: source.map(|e| Box::new(e) as crate::BoxError),
            };
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if !answer.status.is_success() {
            if answer.status.is_server_error() {
                return Err(HttpError::SiteUnavailable {
                    site: transport.site_label.clone(),
                    status: answer.status.as_u16(),
                    message: answer
                        .status
                        .canonical_reason()
                        .unwrap_or("server error")
                        .to_owned(),
                });
            }
            let text = |key: &str| {
                body.as_ref()
                    .and_then(|b| b.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            return Err(FlowError::TokenRefused {
                url: self.token_url.clone(),
                grant,
                status: answer.status.as_u16(),
                error: text("error")
                    .or_else(|| text("errorCode"))
                    .unwrap_or_else(|| "no error code".to_owned()),
                description: text("error_description").or_else(|| text("developerMessage")),
            }
            .into());
        }
        let body = match serde_json::from_slice::<Value>(&answer.body) {
            Ok(Value::Object(body)) => body,
            Ok(_) => {
                return Err(malformed(
                    "the token answer is not a JSON object".into(),
                    None,
                ));
            }
            Err(e) => return Err(malformed("the token answer is not JSON".into(), Some(e))),
        };
        let token = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(Secret::from)
        };
        let access_token = token("access_token").ok_or_else(|| FlowError::NoAccessToken {
            url: self.token_url.clone(),
            grant,
        })?;
        Ok(FlowTokenAnswer {
            access_token,
            refresh_token: token("refresh_token"),
            expires_in: body.get("expires_in").and_then(Value::as_u64),
        })
    }
}
