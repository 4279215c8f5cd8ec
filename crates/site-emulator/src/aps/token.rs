//! The token endpoint (authorization code with PKCE, rotating refresh tokens) and token
//! introspection.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::{constant_time, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::{Value, json};

use super::{CODE_LIFETIME, REFRESH_LIFETIME, RefreshGrant, RefreshStatus, Reply, form_value};
use crate::state::{Shared, State};

/// The `aud` claim of the access tokens.
const AUDIENCE: &str = "tk-auth-site-emulator";

/// An OAuth 2 error answer (RFC 6749 §5.2).
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
}

fn invalid_grant(description: &'static str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        error: "invalid_grant",
        description,
    }
}

fn invalid_request(description: &'static str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        error: "invalid_request",
        description,
    }
}

/// `POST /authentication/v2/token`, form-urlencoded.
pub(super) fn exchange(shared: &Shared, form: &[u8], site: &str) -> Reply {
    let field = |name: &str| form_value(form, name).filter(|v| !v.is_empty());
    let result = match field("grant_type").as_deref() {
        Some("authorization_code") => redeem_code(shared, &field, site),
        Some("refresh_token") => refresh(shared, &field, site),
        Some(_) => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: "grant_type must be authorization_code or refresh_token",
        }),
        None => Err(invalid_request("grant_type is missing")),
    };
    match result {
        Ok(tokens) => Reply::Token(StatusCode::OK, tokens),
        Err(refusal) => {
            shared.count("flow:refused");
            tracing::debug!(error = refusal.error, "flow token request refused");
            Reply::Token(
                refusal.status,
                json!({"error": refusal.error, "error_description": refusal.description}),
            )
        }
    }
}

/// The registered client the request names, or the refusal.
fn client(state: &State, field: &impl Fn(&str) -> Option<String>) -> Result<String, Refusal> {
    let client_id = field("client_id").ok_or_else(|| invalid_request("client_id is missing"))?;
    if state.flow.clients.contains(&client_id) {
        Ok(client_id)
    } else {
        Err(Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "the client is not registered on this site",
        })
    }
}

fn redeem_code(
    shared: &Shared,
    field: &impl Fn(&str) -> Option<String>,
    site: &str,
) -> Result<Value, Refusal> {
    let now = shared.now();
    let mut guard = shared.state();
    let state = &mut *guard;
    let client_id = client(state, field)?;
    let code = field("code").ok_or_else(|| invalid_request("code is missing"))?;
    let Some(grant) = state.flow.codes.get_mut(&code) else {
        return Err(invalid_grant("the authorization code is not valid"));
    };
    if grant.used {
        // A replayed code may be a stolen one: what it gave is withdrawn (RFC 6749 §4.1.2).
        if let Some(family) = grant.family.take() {
            state
                .flow
                .refresh_tokens
                .values_mut()
                .filter(|r| r.family == family)
                .for_each(|r| r.status = RefreshStatus::Revoked);
        }
        return Err(invalid_grant("the authorization code was already used"));
    }
    // Single use: whatever this attempt's outcome, the code is spent.
    grant.used = true;
    if now.saturating_duration_since(grant.issued) >= CODE_LIFETIME {
        return Err(invalid_grant("the authorization code has expired"));
    }
    if grant.client_id != client_id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if field("redirect_uri").as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    let verifier =
        field("code_verifier").ok_or_else(|| invalid_grant("code_verifier is missing"))?;
    if !pkce_s256_matches(&verifier, &grant.code_challenge) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    let family = shared.random_hex();
    grant.family = Some(family.clone());
    let grant = Grant {
        family,
        client_id,
        login: grant.login.clone(),
        scope: grant.scope.clone(),
    };
    Ok(issue(shared, state, grant, site))
}

fn refresh(
    shared: &Shared,
    field: &impl Fn(&str) -> Option<String>,
    site: &str,
) -> Result<Value, Refusal> {
    let now = shared.now();
    let mut guard = shared.state();
    let state = &mut *guard;
    let client_id = client(state, field)?;
    let token =
        field("refresh_token").ok_or_else(|| invalid_request("refresh_token is missing"))?;
    let Some(grant) = state.flow.refresh_tokens.get_mut(&token) else {
        return Err(invalid_grant("the refresh token is not valid"));
    };
    match grant.status {
        RefreshStatus::Active => {}
        RefreshStatus::Used => {
            return Err(invalid_grant(
                "the refresh token was already used; use the one that replaced it",
            ));
        }
        RefreshStatus::Revoked => return Err(invalid_grant("the refresh token was revoked")),
    }
    if now.saturating_duration_since(grant.issued) >= REFRESH_LIFETIME {
        return Err(invalid_grant("the refresh token has expired"));
    }
    if grant.client_id != client_id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    grant.status = RefreshStatus::Used;
    let grant = Grant {
        family: grant.family.clone(),
        client_id,
        login: grant.login.clone(),
        scope: grant.scope.clone(),
    };
    Ok(issue(shared, state, grant, site))
}

/// Whom and what tokens are issued for.
struct Grant {
    family: String,
    client_id: String,
    login: String,
    scope: String,
}

/// A new access token and refresh token: the token endpoint's answer.
fn issue(shared: &Shared, state: &mut State, grant: Grant, site: &str) -> Value {
    let lifetime = state.flow.token_lifetime;
    let iat = unix_now();
    let claims = json!({
        "iss": site,
        "sub": grant.login,
        "aud": AUDIENCE,
        "client_id": grant.client_id,
        "scope": grant.scope.split_whitespace().collect::<Vec<_>>(),
        "iat": iat,
        "exp": iat.saturating_add(lifetime.as_secs()),
        "jti": shared.random_hex(),
    });
    let access_token = state.flow.signer.sign(&claims);
    let refresh_token = format!("{}{}", shared.random_hex(), shared.random_hex());
    let answer = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh_token,
    });
    state.flow.refresh_tokens.insert(
        refresh_token,
        RefreshGrant {
            family: grant.family,
            client_id: grant.client_id,
            login: grant.login,
            scope: grant.scope,
            issued: shared.now(),
            status: RefreshStatus::Active,
        },
    );
    answer
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(verifier)) == challenge`, for a verifier of 43 to 128
/// unreserved characters.
pub(super) fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    well_formed
        && constant_time::verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes()).is_ok()
}

/// Seconds since the Unix epoch by the machine's clock, which clients compare `exp` with.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `POST /authentication/v2/introspect` with form `token` (RFC 7662): whether the access
/// token is this site's and not expired, and what it grants.
pub(super) fn introspect(shared: &Shared, form: &[u8]) -> Reply {
    let claims = form_value(form, "token").and_then(|t| shared.state().flow.signer.verify(&t));
    let Some(claims) = claims else {
        return Reply::Json(StatusCode::OK, json!({"active": false}));
    };
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    let scope = claims
        .get("scope")
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Reply::Json(
        StatusCode::OK,
        json!({
            "active": exp > unix_now(),
            "exp": exp,
            "client_id": claims.get("client_id"),
            "scope": scope,
            "sub": claims.get("sub"),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_follows_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_s256_matches(verifier, challenge));
        assert!(!pkce_s256_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
        // The plain method's "challenge = verifier" is not S256.
        assert!(!pkce_s256_matches(challenge, challenge));
        assert!(!pkce_s256_matches("short", challenge));
        assert!(!pkce_s256_matches(&format!("{verifier} "), challenge));
    }
}
