//! One browser login's PKCE secrets (RFC 7636, S256) and the authorization page that asks
//! for it.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tk_auth_core::{FLOW_SCOPES, FlowSettings, Secret};
use url::Url;

use crate::HttpError;

/// Random bytes behind the verifier: 40, as the Python Toolkit draws (54 characters).
const VERIFIER_BYTES: usize = 40;
/// Random bytes behind the state and the nonce.
const STATE_BYTES: usize = 32;

/// The secrets of one browser login: the code verifier (kept here, sent only to the token
/// endpoint), its S256 challenge (sent with the authorization page), the `state` the
/// callback must return, and a `nonce`.
///
/// ```
/// use tk_auth_core::FlowSettings;
/// use tk_auth_http::FlowLoginRequest;
///
/// let settings = FlowSettings::resolve(&tk_auth_core::Env::empty());
/// let request = FlowLoginRequest::new()?;
/// let page = request.authorize_url(&settings, &settings.callback_url)?;
/// assert!(page.as_str().contains("code_challenge_method=S256"));
/// assert!(!page.as_str().contains(request.verifier().expose()));
/// # Ok::<(), tk_auth_http::HttpError>(())
/// ```
pub struct FlowLoginRequest {
    verifier: Secret,
    challenge: String,
    state: Secret,
    nonce: String,
}

impl FlowLoginRequest {
    /// New secrets from the system's random source.
    pub fn new() -> Result<Self, HttpError> {
        let verifier = Secret::new(random_text(VERIFIER_BYTES)?);
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.expose().as_bytes()));
        Ok(Self {
            verifier,
            challenge,
            state: Secret::new(random_text(STATE_BYTES)?),
            nonce: random_text(STATE_BYTES)?,
        })
    }

    /// The code verifier, for the code exchange.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The S256 challenge of the verifier.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The state the callback must carry back.
    pub fn state(&self) -> &Secret {
        &self.state
    }

    /// The authorization page for `settings`: `{base}/authentication/v2/authorize` with the
    /// application, the callback `redirect_uri` (the settings' callback URL, or the one a
    /// [`FlowCallback`](crate::FlowCallback) listens on), the scopes, the state, the nonce
    /// and the S256 challenge.
    pub fn authorize_url(
        &self,
        settings: &FlowSettings,
        redirect_uri: &str,
    ) -> Result<Url, HttpError> {
        let mut url =
            Url::parse(&settings.authorize_url()).map_err(|_| HttpError::InvalidSiteUrl {
                url: settings.base_url.clone(),
                reason: "the Flow authorization server's address is not a URL",
            })?;
        url.query_pairs_mut()
            .append_pair("client_id", &settings.application_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &FLOW_SCOPES.join(" "))
            .append_pair("state", self.state.expose())
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &self.challenge)
            .append_pair("nonce", &self.nonce);
        Ok(url)
    }
}

impl std::fmt::Debug for FlowLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowLoginRequest")
            .field("verifier", &self.verifier)
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

/// `bytes` random bytes as unpadded base64url, as Python's `secrets.token_urlsafe`.
fn random_text(bytes: usize) -> Result<String, HttpError> {
    let mut buffer = vec![0_u8; bytes];
    SystemRandom::new()
        .fill(&mut buffer)
        .map_err(|_| HttpError::ClientSetup("the system's random source failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_s256_of_the_verifier_as_rfc_7636_appendix_b() {
        // RFC 7636, appendix B: this verifier has this challenge.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn each_login_has_fresh_secrets_of_python_s_length() {
        let (a, b) = (
            FlowLoginRequest::new().unwrap(),
            FlowLoginRequest::new().unwrap(),
        );
        assert_eq!(a.verifier().expose().len(), 54);
        assert_ne!(a.verifier(), b.verifier());
        assert_ne!(a.state(), b.state());
        let expected = URL_SAFE_NO_PAD.encode(digest(&SHA256, a.verifier().expose().as_bytes()));
        assert_eq!(a.challenge(), expected);
    }

    #[test]
    fn the_page_carries_every_parameter_and_never_the_verifier() {
        let settings = FlowSettings::resolve(&tk_auth_core::Env::empty());
        let request = FlowLoginRequest::new().unwrap();
        let page = request
            .authorize_url(&settings, &settings.callback_url)
            .unwrap();
        assert!(
            page.as_str()
                .starts_with("https://api.aps.usa.autodesk.com/authentication/v2/authorize?")
        );
        let pairs: std::collections::HashMap<_, _> = page.query_pairs().into_owned().collect();
        assert_eq!(pairs["client_id"], settings.application_id);
        assert_eq!(pairs["redirect_uri"], "http://localhost:4201/auth/callback");
        assert_eq!(pairs["response_type"], "code");
        assert_eq!(pairs["scope"], "data:read data:write data:create");
        assert_eq!(pairs["state"], request.state().expose());
        assert_eq!(pairs["code_challenge"], request.challenge());
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert!(pairs.contains_key("nonce"));
        assert!(!page.as_str().contains(request.verifier().expose()));
        let debug = format!("{request:?}");
        assert!(!debug.contains(request.verifier().expose()));
        assert!(!debug.contains(request.state().expose()));
    }
}
