//! The Flow (APS-like) authorization server: the authorization endpoint and its page,
//! approval and denial, refusals of unknown clients and non-loopback redirects, JWTs and
//! introspection; and the helpers the other Flow tests share.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::client;

pub(crate) const CLIENT: &str = "flow-test-client";
pub(crate) const REDIRECT: &str = "http://127.0.0.1:4201/auth/callback";

pub(crate) fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .human_user(HumanAccount::new("carol", "pw").inactive())
        .flow_application(CLIENT)
        .start()
        .unwrap()
}

/// A PKCE pair: the verifier and its S256 challenge, computed here independently.
pub(crate) fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("{seed}-verifier-0123456789abcdefghijklmnopqrstuvwxyz");
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    (verifier, challenge)
}

pub(crate) fn authorize_url(site: &SiteEmulator, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}/authentication/v2/authorize?{query}", site.url())
}

/// The standard request of `CLIENT` with this challenge and state.
pub(crate) fn standard_request(site: &SiteEmulator, challenge: &str, state: &str) -> String {
    authorize_url(
        site,
        &[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "data:read data:write data:create"),
            ("state", state),
            ("code_challenge_method", "S256"),
            ("code_challenge", challenge),
            ("nonce", "n-0S6_WzA2Mj"),
        ],
    )
}

/// The query parameters of a `Location`.
pub(crate) fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn param(location: &str, name: &str) -> Option<String> {
    query_of(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Authorizes through the control API as alice; returns the code and the verifier.
pub(crate) async fn code(http: &reqwest::Client, site: &SiteEmulator) -> (String, String) {
    let (verifier, challenge) = pkce("code");
    let response = http
        .get(standard_request(site, &challenge, "st-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let id = site.pending_authorizations().pop().unwrap().id;
    let location = site.approve_authorization(&id, "alice").unwrap();
    (param(&location, "code").unwrap(), verifier)
}

/// Posts a form to the token endpoint; returns the status and the JSON answer.
pub(crate) async fn token(
    http: &reqwest::Client,
    site: &SiteEmulator,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = http
        .post(format!("{}/authentication/v2/token", site.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    // A fault's answer is an HTML page: kept as a JSON string.
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub(crate) async fn redeem(
    http: &reqwest::Client,
    site: &SiteEmulator,
    code: &str,
    verifier: &str,
) -> (u16, Value) {
    token(
        http,
        site,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

pub(crate) async fn refresh(
    http: &reqwest::Client,
    site: &SiteEmulator,
    refresh_token: &str,
) -> (u16, Value) {
    token(
        http,
        site,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT),
        ],
    )
    .await
}

pub(crate) async fn introspect(
    http: &reqwest::Client,
    site: &SiteEmulator,
    access_token: &str,
) -> Value {
    http.post(format!("{}/authentication/v2/introspect", site.url()))
        .form(&[("token", access_token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The payload of a JWT, decoded without checking the signature, as clients read it.
pub(crate) fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The status and the OAuth `error` of a token endpoint answer.
pub(crate) fn error_of(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"].as_str().unwrap_or("<none>"))
}

#[tokio::test]
async fn approving_on_the_page_redirects_with_a_code_that_buys_a_jwt() {
    let site = site();
    let http = client();
    let (verifier, challenge) = pkce("page");
    let response = http
        .get(standard_request(&site, &challenge, "state-xyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let pending = site.pending_authorizations();
    assert_eq!(pending.len(), 1);
    let request = &pending[0];
    assert_eq!(
        (
            request.client_id.as_str(),
            request.redirect_uri.as_str(),
            request.scope.as_str()
        ),
        (CLIENT, REDIRECT, "data:read data:write data:create")
    );
    let action = format!("action=\"/authentication/v2/authorize/{}\"", request.id);
    assert!(page.contains(&action), "{page}");
    assert!(page.contains("<option value=\"alice\">") && !page.contains("carol"));

    // The browser submits the page's form.
    let response = http
        .post(format!(
            "{}/authentication/v2/authorize/{}",
            site.url(),
            request.id
        ))
        .form(&[("action", "approve"), ("login", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(param(&location, "state").as_deref(), Some("state-xyz"));
    assert!(site.pending_authorizations().is_empty());

    let code = param(&location, "code").unwrap();
    let before = unix_now();
    let (status, tokens) = redeem(&http, &site, &code, &verifier).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3599);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 32);
    let access = tokens["access_token"].as_str().unwrap();
    let claims = claims(access);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["client_id"], CLIENT);
    assert_eq!(claims["iss"], site.url());
    assert_eq!(
        claims["scope"],
        serde_json::json!(["data:read", "data:write", "data:create"])
    );
    let exp = claims["exp"].as_u64().unwrap();
    assert!(
        (before + 3599..=unix_now() + 3599).contains(&exp),
        "{claims}"
    );
    assert_eq!(exp - claims["iat"].as_u64().unwrap(), 3599);
    assert!(claims["aud"].is_string() && claims["jti"].is_string());

    let live = introspect(&http, &site, access).await;
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(
        (&live["sub"], &live["client_id"], &live["exp"]),
        (&"alice".into(), &CLIENT.into(), &exp.into())
    );
    assert_eq!(live["scope"], "data:read data:write data:create");
    // A token with a changed payload, or from another site, is not this site's.
    let mut forged: Vec<&str> = access.split('.').collect();
    let other = URL_SAFE_NO_PAD.encode(claims.to_string().replace("alice", "mallory"));
    forged[1] = &other;
    assert_eq!(
        introspect(&http, &site, &forged.join(".")).await["active"],
        false
    );
    let other_site = self::site();
    assert_eq!(
        introspect(&http, &other_site, access).await["active"],
        false
    );

    assert_eq!(site.calls("flow:authorize"), 1);
    assert_eq!(site.calls("flow:authorization_code"), 1);
    assert_eq!(site.calls("flow:refused"), 0);
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_the_state() {
    let site = site();
    let http = client();
    let (_, challenge) = pkce("deny");
    for via_page in [true, false] {
        http.get(standard_request(&site, &challenge, "s-deny"))
            .send()
            .await
            .unwrap();
        let id = site.pending_authorizations().pop().unwrap().id;
        let location = if via_page {
            let response = http
                .post(format!("{}/authentication/v2/authorize/{id}", site.url()))
                .form(&[("action", "deny")])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 302);
            response.headers()["location"].to_str().unwrap().to_owned()
        } else {
            site.deny_authorization(&id).unwrap()
        };
        assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
        assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
        assert_eq!(param(&location, "state").as_deref(), Some("s-deny"));
        assert_eq!(param(&location, "code"), None);
        // Decided once: a second decision is refused.
        assert!(site.deny_authorization(&id).is_err());
        assert!(site.approve_authorization(&id, "alice").is_err());
    }
}

#[tokio::test]
async fn unknown_clients_and_other_redirects_get_a_page_never_a_redirect() {
    let site = site();
    let http = client();
    let (_, challenge) = pkce("refuse");
    let mut cases = vec![
        ("unknown-client", REDIRECT),
        // Python Toolkit's application id is refused unless the site registers it.
        ("8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV", REDIRECT),
        ("", REDIRECT),
    ];
    for redirect in [
        "https://127.0.0.1:4201/auth/callback",
        "http://evil.example/callback",
        "http://localhost.evil.example/",
        "http://127.0.0.1.evil.example/",
        "http://localhost@evil.example/",
        "",
    ] {
        cases.push((CLIENT, redirect));
    }
    for (client_id, redirect) in cases {
        let url = authorize_url(
            &site,
            &[
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("response_type", "code"),
                ("state", "s"),
                ("code_challenge_method", "S256"),
                ("code_challenge", &challenge),
            ],
        );
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 400, "{client_id} {redirect}");
        assert!(response.headers().get("location").is_none());
        assert!(response.text().await.unwrap().contains("<html>"));
    }
    assert!(site.pending_authorizations().is_empty());

    // Every loopback form, any port, is accepted for a registered client.
    for redirect in [
        "http://localhost:4201/auth/callback",
        "http://127.0.0.1:1/",
        "http://[::1]:65535/cb",
        "http://localhost",
    ] {
        let url = authorize_url(
            &site,
            &[
                ("client_id", CLIENT),
                ("redirect_uri", redirect),
                ("response_type", "code"),
                ("code_challenge_method", "S256"),
                ("code_challenge", &challenge),
            ],
        );
        assert_eq!(
            http.get(url).send().await.unwrap().status(),
            200,
            "{redirect}"
        );
    }
    assert_eq!(site.pending_authorizations().len(), 4);

    let python_site = SiteEmulator::builder()
        .flow_application("8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV")
        .start()
        .unwrap();
    let url = authorize_url(
        &python_site,
        &[
            ("client_id", "8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV"),
            ("redirect_uri", "http://localhost:4201/auth/callback"),
            ("response_type", "code"),
            ("code_challenge_method", "S256"),
            ("code_challenge", &challenge),
        ],
    );
    assert_eq!(http.get(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_missing_or_plain_challenge_is_sent_back_as_invalid_request() {
    let site = site();
    let http = client();
    let (verifier, challenge) = pkce("plain");
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[
            ("code_challenge_method", "plain"),
            ("code_challenge", &verifier),
        ],
        &[("code_challenge", &challenge)],
        &[
            ("code_challenge_method", "S256"),
            ("code_challenge", "too-short"),
        ],
    ];
    for extra in cases {
        let mut pairs = vec![
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "s-pkce"),
        ];
        pairs.extend_from_slice(extra);
        let response = http.get(authorize_url(&site, &pairs)).send().await.unwrap();
        assert_eq!(response.status(), 302, "{extra:?}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(REDIRECT));
        assert_eq!(param(location, "error").as_deref(), Some("invalid_request"));
        assert_eq!(param(location, "state").as_deref(), Some("s-pkce"));
    }
    let token_flow = authorize_url(
        &site,
        &[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "token"),
            ("code_challenge_method", "S256"),
            ("code_challenge", &challenge),
        ],
    );
    let response = http.get(token_flow).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        param(location, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert!(site.pending_authorizations().is_empty());
}
