//! The authorization endpoint and its approval page.

use std::time::SystemTime;

use http::StatusCode;

use super::{AUTHORIZE_PATH, Authorization, Reply, form_value, with_query};
use crate::launcher::escape;
use crate::state::Shared;

/// `GET /authentication/v2/authorize?client_id&redirect_uri&response_type=code&scope&state
/// &code_challenge_method=S256&code_challenge[&nonce]`.
///
/// An unknown client or a redirect URI that is not loopback is answered with a page (never
/// a redirect to an unchecked address); other faults of the request are sent to the
/// redirect URI as `error=…`, as RFC 6749 §4.1.2.1 has it.
pub(super) fn start(shared: &Shared, query: &str) -> Reply {
    shared.count("flow:authorize");
    let query = query.as_bytes();
    let param = |name: &str| form_value(query, name).filter(|v| !v.is_empty());
    let Some(client_id) = param("client_id") else {
        return refuse(
            "Missing client",
            "The request names no <code>client_id</code>.",
        );
    };
    if !shared.state().flow.clients.contains(&client_id) {
        return refuse(
            "Unknown application",
            &format!(
                "No application with client id <code>{}</code> is registered on this site.",
                escape(&client_id)
            ),
        );
    }
    let Some(redirect_uri) = param("redirect_uri").filter(|uri| is_loopback_redirect(uri)) else {
        return refuse(
            "Redirect URI refused",
            "The <code>redirect_uri</code> must be a loopback address: \
             <code>http://localhost</code>, <code>http://127.0.0.1</code> or \
             <code>http://[::1]</code>, with any port.",
        );
    };
    let state = param("state");
    let error = |code: &str, description: &str| {
        Reply::Redirect(with_query(
            &redirect_uri,
            &[
                ("error", Some(code)),
                ("error_description", Some(description)),
                ("state", state.as_deref()),
            ],
        ))
    };
    if param("response_type").as_deref() != Some("code") {
        return error(
            "unsupported_response_type",
            "Only response_type=code is supported",
        );
    }
    if param("code_challenge_method").as_deref() != Some("S256") {
        return error("invalid_request", "code_challenge_method must be S256");
    }
    let Some(code_challenge) = param("code_challenge").filter(|c| is_s256_challenge(c)) else {
        return error(
            "invalid_request",
            "code_challenge must be a base64url SHA-256 digest (43 characters)",
        );
    };
    let id = shared.random_hex();
    let auto_approve = {
        let mut guard = shared.state();
        guard.flow.authorizations.insert(
            id.clone(),
            Authorization {
                client_id,
                redirect_uri,
                scope: param("scope").unwrap_or_default(),
                state,
                code_challenge,
                created: shared.now(),
                created_at: SystemTime::now(),
            },
        );
        guard.flow.auto_approve.clone()
    };
    tracing::debug!(authorization = %id, "flow authorization requested");
    match auto_approve {
        Some(login) => match shared.approve_authorization(&id, &login) {
            Ok(location) => Reply::Redirect(location),
            Err(e) => refuse("Not possible", &escape(&e.to_string())),
        },
        None => page(shared, &id),
    }
}

/// Whether `uri` is an `http` loopback address (RFC 8252 §7.3): `localhost`, `127.0.0.1`
/// or `[::1]`, any port and path, no user information or fragment.
pub(super) fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    if uri.contains('#') {
        return false;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') => (host, Some(port)),
        _ => (authority, None),
    };
    let port_ok = port.is_none_or(|p| p.is_empty() || p.parse::<u16>().is_ok());
    let host_ok = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]";
    port_ok && host_ok
}

/// Whether `challenge` has the shape of an S256 challenge: 43 base64url characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn refuse(title: &str, message_html: &str) -> Reply {
    Reply::Html(
        StatusCode::BAD_REQUEST,
        html_page(title, &format!("<p>{message_html}</p>")),
    )
}

/// The approval page of a pending authorization.
pub(super) fn page(shared: &Shared, id: &str) -> Reply {
    let Some(request) = shared
        .pending_authorizations()
        .into_iter()
        .find(|a| a.id == id)
    else {
        return Reply::Html(
            StatusCode::NOT_FOUND,
            html_page(
                "Authorization not found",
                "<p>This authorization does not exist, was already decided, or has expired.</p>",
            ),
        );
    };
    let logins =
        shared
            .state()
            .humans
            .iter()
            .filter(|u| u.active)
            .fold(String::new(), |mut options, u| {
                use std::fmt::Write;
                let _ = write!(
                    options,
                    "<option value=\"{0}\">{0}</option>",
                    escape(&u.login)
                );
                options
            });
    let body = format!(
        "<p>The application <strong>{client}</strong> asks for access to your data \
         (<code>{scope}</code>). Your answer goes to <code>{redirect}</code>.</p>\n\
         <form method=\"post\" action=\"{AUTHORIZE_PATH}/{id}\">\n\
         <label>Sign in as <select name=\"login\">{logins}</select></label>\n\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n\
         </form>",
        client = escape(&request.client_id),
        scope = escape(&request.scope),
        redirect = escape(&request.redirect_uri),
        id = escape(id),
    );
    Reply::Html(StatusCode::OK, html_page("Allow access", &body))
}

/// `POST /authentication/v2/authorize/{id}` with `action=approve&login=…` or `action=deny`:
/// the decision goes to the application's redirect URI.
pub(super) fn decide(shared: &Shared, id: &str, form: &[u8]) -> Reply {
    let outcome = match form_value(form, "action").as_deref() {
        Some("approve") => match form_value(form, "login").filter(|l| !l.is_empty()) {
            Some(login) => shared.approve_authorization(id, &login),
            None => {
                return refuse("Missing login", "Approving needs a <code>login</code>.");
            }
        },
        Some("deny") => shared.deny_authorization(id),
        _ => {
            return refuse(
                "Unknown action",
                "The form needs <code>action=approve</code> (with <code>login</code>) or \
                 <code>action=deny</code>.",
            );
        }
    };
    match outcome {
        Ok(location) => Reply::Redirect(location),
        Err(e) => Reply::Html(
            StatusCode::NOT_FOUND,
            html_page(
                "Not possible",
                &format!("<p>{}</p>", escape(&e.to_string())),
            ),
        ),
    }
}

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
         <body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_redirects_are_accepted() {
        for uri in [
            "http://localhost",
            "http://localhost:4201/auth/callback",
            "http://LOCALHOST:1/",
            "http://127.0.0.1:53682/cb?x=1",
            "http://[::1]:8080/callback",
            "http://[::1]",
        ] {
            assert!(is_loopback_redirect(uri), "{uri}");
        }
        for uri in [
            "https://localhost:4201/",
            "http://localhost.example.com/",
            "http://127.0.0.2/",
            "http://evil.example/?http://localhost",
            "http://localhost@evil.example/",
            "http://localhost:4201/#frag",
            "http://localhost:99999/",
            "http://[::2]:80/",
            "http://::1/",
            "localhost:4201",
            "",
        ] {
            assert!(!is_loopback_redirect(uri), "{uri}");
        }
    }

    #[test]
    fn challenges_must_have_the_s256_shape() {
        assert!(is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_s256_challenge("short"));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
