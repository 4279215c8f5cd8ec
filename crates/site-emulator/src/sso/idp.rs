//! The emulator's identity provider: SAML single sign-on (`/idp/saml/sso`), an OAuth-style
//! authorization endpoint for the Unified Login Flow (`/idp/authorize`), and the person's
//! sign-in (`/idp/login`), with its own session cookie on its own host name.

use base64::Engine as _;
use http::{Method, StatusCode};

use super::cookies::{self, Cookie};
use super::saml::{self, AuthnRequest, ResponseParams};
use super::{Reply, SsoRequest, Urls, dates, pages, site};
use crate::state::{Shared, State};
use crate::totp;

/// SAML single sign-on, HTTP-Redirect binding.
pub(crate) const SSO_PATH: &str = "/idp/saml/sso";
/// The person's sign-in form posts here.
pub(crate) const LOGIN_PATH: &str = "/idp/login";
/// The Unified Login Flow's authorization endpoint.
pub(crate) const AUTHORIZE_PATH: &str = "/idp/authorize";
/// The identity provider's session cookie.
pub(crate) const SESSION_COOKIE: &str = "idp_session";
/// How long an assertion may be used after it is made.
const ASSERTION_LIFETIME_SECONDS: i64 = 300;

/// What the browser asked the identity provider for, carried through sign-in.
enum Pending {
    Saml {
        request: String,
        relay_state: Option<String>,
    },
    Authorize {
        client_id: String,
        redirect_uri: String,
        state: String,
    },
}

impl Pending {
    /// From a query (`GET`) or a sign-in form (`POST`): `read` gives a parameter.
    fn read(read: impl Fn(&str) -> Option<String>) -> Option<Self> {
        if let Some(request) = read("SAMLRequest") {
            return Some(Self::Saml {
                request,
                relay_state: read("RelayState"),
            });
        }
        Some(Self::Authorize {
            client_id: read("client_id")?,
            redirect_uri: read("redirect_uri")?,
            state: read("state").unwrap_or_default(),
        })
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Saml {
                request,
                relay_state,
            } => {
                let mut fields = vec![("SAMLRequest", request.clone())];
                if let Some(relay) = relay_state {
                    fields.push(("RelayState", relay.clone()));
                }
                fields
            }
            Self::Authorize {
                client_id,
                redirect_uri,
                state,
            } => vec![
                ("client_id", client_id.clone()),
                ("redirect_uri", redirect_uri.clone()),
                ("state", state.clone()),
            ],
        }
    }

    /// Refuses requests from anyone but this site.
    fn check(&self, urls: &Urls) -> Result<(), String> {
        match self {
            Self::Saml { request, .. } => {
                let authn = AuthnRequest::parse(&saml::decode_redirect(request)?)?;
                if authn.acs_url != urls.acs() || authn.issuer != urls.entity_id() {
                    return Err(
                        "the AuthnRequest comes from an unknown service provider".to_owned()
                    );
                }
                Ok(())
            }
            Self::Authorize {
                client_id,
                redirect_uri,
                ..
            } => {
                if *client_id != urls.entity_id()
                    || *redirect_uri != format!("{}{}", urls.site, site::CALLBACK_PATH)
                {
                    return Err("unknown client_id or redirect_uri".to_owned());
                }
                Ok(())
            }
        }
    }
}

fn bad_request(what: &str) -> Reply {
    Reply::html(StatusCode::BAD_REQUEST, pages::refusal(what))
}

pub(crate) fn handle(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    match (request.method.clone(), request.path) {
        (Method::GET | Method::HEAD, SSO_PATH | AUTHORIZE_PATH) => {
            let pending = Pending::read(|name| request.query_param(name)).filter(|p| {
                matches!(
                    (p, request.path),
                    (Pending::Saml { .. }, SSO_PATH) | (Pending::Authorize { .. }, AUTHORIZE_PATH)
                )
            });
            let Some(pending) = pending else {
                return bad_request(if request.path == SSO_PATH {
                    "the request has no SAMLRequest"
                } else {
                    "the request has no client_id or no redirect_uri"
                });
            };
            if let Err(e) = pending.check(urls) {
                return bad_request(&e);
            }
            let session_id = cookies::get(request.cookie, SESSION_COOKIE).unwrap_or_default();
            let mut state = shared.state();
            let Some(session) = state.sso.idp_sessions.get(session_id) else {
                return Reply::html(StatusCode::OK, pages::idp_login(&pending.fields(), None));
            };
            if state.sso.switches.require_mfa {
                return Reply::html(StatusCode::OK, pages::idp_mfa(&pending.fields(), None));
            }
            let login = session.login.clone();
            answer(shared, urls, &mut state, &pending, &login)
        }
        (Method::POST, LOGIN_PATH) => sign_in(shared, urls, request),
        _ => Reply::html(
            StatusCode::NOT_FOUND,
            pages::refusal(&format!(
                "the identity provider has no page {}",
                request.path
            )),
        ),
    }
}

/// The answer to the site once the person is known: the auto-posting SAML Response, or the
/// redirect with an authorization code.
fn answer(
    shared: &Shared,
    urls: &Urls,
    state: &mut State,
    pending: &Pending,
    login: &str,
) -> Reply {
    match pending {
        Pending::Saml {
            request,
            relay_state,
        } => {
            let authn = match saml::decode_redirect(request).and_then(|x| AuthnRequest::parse(&x)) {
                Ok(a) => a,
                Err(e) => return bad_request(&e),
            };
            let now = dates::epoch_now(shared);
            let xml = saml::response_xml(&ResponseParams {
                id: &format!("_{}", shared.random_hex()),
                assertion_id: &format!("_{}", shared.random_hex()),
                in_response_to: &authn.id,
                destination: &authn.acs_url,
                issuer: &format!("{}{}", urls.idp, "/idp/saml/metadata"),
                audience: &authn.issuer,
                name_id: login,
                issue_instant: &dates::xml_datetime(now),
                not_on_or_after: &dates::xml_datetime(now + ASSERTION_LIFETIME_SECONDS),
            });
            state.sso.stats.idp_auto_posts += 1;
            let encoded = base64::engine::general_purpose::STANDARD.encode(xml);
            Reply::html(
                StatusCode::OK,
                pages::auto_post(&authn.acs_url, &encoded, relay_state.as_deref()),
            )
        }
        Pending::Authorize {
            redirect_uri,
            state: oauth_state,
            ..
        } => {
            let code = shared.random_hex();
            state.sso.codes.insert(code.clone(), login.to_owned());
            state.sso.stats.idp_codes += 1;
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("code", &code)
                .append_pair("state", oauth_state)
                .finish();
            Reply::redirect(format!("{redirect_uri}?{query}"))
        }
    }
}

/// A page for after sign-in when nothing was pending.
fn signed_in_page(login: &str) -> Reply {
    Reply::html(StatusCode::OK, pages::landing(Some(login)))
}

fn sign_in(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let pending = Pending::read(|name| request.form_param(name));
    if let Some(Err(e)) = pending.as_ref().map(|p| p.check(urls)) {
        return bad_request(&e);
    }
    let fields = pending.as_ref().map(Pending::fields).unwrap_or_default();
    let mut state = shared.state();
    if let Some(otp) = request.form_param("otp") {
        // The second step: the session the first step made, and a code.
        let session_id = cookies::get(request.cookie, SESSION_COOKIE).unwrap_or_default();
        let Some(login) = state
            .sso
            .idp_sessions
            .get(session_id)
            .map(|s| s.login.clone())
        else {
            return Reply::html(
                StatusCode::UNAUTHORIZED,
                pages::idp_login(&fields, Some("Sign in first.")),
            );
        };
        let good = match state.human(&login).and_then(|u| u.totp_secret.as_deref()) {
            Some(secret) => totp::verify(secret, &otp, totp::now_unix()),
            None => otp.trim().len() == 6 && otp.trim().bytes().all(|b| b.is_ascii_digit()),
        };
        if !good {
            return Reply::html(
                StatusCode::UNAUTHORIZED,
                pages::idp_mfa(&fields, Some("That code is not valid.")),
            );
        }
        return match &pending {
            Some(p) => answer(shared, urls, &mut state, p, &login),
            None => signed_in_page(&login),
        };
    }
    let username = request.form_param("username").unwrap_or_default();
    let password = request.form_param("password").unwrap_or_default();
    let Some(login) = state
        .humans
        .iter()
        .find(|u| {
            u.active && u.login.eq_ignore_ascii_case(username.trim()) && u.password == password
        })
        .map(|u| u.login.clone())
    else {
        return Reply::html(
            StatusCode::UNAUTHORIZED,
            pages::idp_login(&fields, Some("Wrong username or password.")),
        );
    };
    state.sso.stats.idp_person_logins += 1;
    let session_id = start_session(shared, &mut state, &login);
    let cookie = session_cookie(urls, session_id);
    let reply = if state.sso.switches.require_mfa {
        Reply::html(StatusCode::OK, pages::idp_mfa(&fields, None))
    } else {
        match &pending {
            Some(p) => answer(shared, urls, &mut state, p, &login),
            None => signed_in_page(&login),
        }
    };
    reply.with_cookie(&cookie)
}

/// Starts an identity-provider session for `login`; returns its id.
pub(crate) fn start_session(shared: &Shared, state: &mut State, login: &str) -> String {
    let id = shared.random_hex();
    state.sso.idp_sessions.insert(
        id.clone(),
        super::state::IdpSession {
            login: login.to_owned(),
        },
    );
    id
}

/// The identity provider's session cookie: host-only, `path=/idp`, `HttpOnly`.
pub(crate) fn session_cookie(urls: &Urls, id: String) -> Cookie {
    Cookie::new(SESSION_COOKIE, id, urls.secure)
        .http_only()
        .path("/idp")
}
