//! The site's single sign-on routes: `/auth/renew`, the SAML service provider
//! (`/saml/saml_login_request`, `/saml/metadata`, `/saml/saml_acs`), the Unified Login Flow
//! callback and `/auth/landing`, which sets the cookies Python Toolkit reads.

use http::{Method, StatusCode};
use tk_auth_core::SiteAuthMethod;

use super::cookies::{self, Cookie};
use super::saml::{self, AuthnRequest};
use super::{Reply, SsoRequest, Urls, dates, idp, pages};
use crate::state::{Principal, Shared, State};
use crate::wire::SAML_LOGIN_PATH;

/// Where renewal starts.
pub(crate) const RENEW_PATH: &str = "/auth/renew";
/// The service provider's metadata, also its entity id.
pub(crate) const METADATA_PATH: &str = "/saml/metadata";
/// The assertion consumer.
pub(crate) const ACS_PATH: &str = "/saml/saml_acs";
/// Where the Unified Login Flow's identity provider sends the browser back.
pub(crate) const CALLBACK_PATH: &str = "/auth/sso_callback";
/// Where a signed-in browser ends.
pub(crate) const LANDING_PATH: &str = "/auth/landing";
/// The site's session cookie.
pub(crate) const SESSION_COOKIE: &str = "_session_id";

/// The site's SSO routes.
pub(crate) const PATHS: [&str; 6] = [
    RENEW_PATH,
    SAML_LOGIN_PATH,
    METADATA_PATH,
    ACS_PATH,
    CALLBACK_PATH,
    LANDING_PATH,
];

pub(crate) fn handle(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let get = matches!(*request.method, Method::GET | Method::HEAD);
    match request.path {
        RENEW_PATH if get => renew(shared, urls, request),
        SAML_LOGIN_PATH if get => login_request(shared, urls, request),
        METADATA_PATH if get => metadata(urls),
        ACS_PATH if *request.method == Method::POST => {
            let reply = consume_assertion(shared, urls, request);
            let mut state = shared.state();
            if reply.status.is_redirection() {
                state.sso.stats.assertions_consumed += 1;
            } else {
                state.sso.stats.assertions_refused += 1;
            }
            reply
        }
        CALLBACK_PATH if get => callback(shared, urls, request),
        LANDING_PATH if get => landing(shared, urls, request),
        _ => Reply::html(
            StatusCode::METHOD_NOT_ALLOWED,
            pages::refusal(&format!(
                "{} does not answer {}",
                request.path, request.method
            )),
        ),
    }
}

fn redirect_with_query(base: String, query: &str) -> String {
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

fn renew(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let mut state = shared.state();
    state.sso.stats.renew_requests += 1;
    if state.sso.switches.redirect_loop {
        return Reply::redirect(format!("{}{SAML_LOGIN_PATH}", urls.site));
    }
    match shared.settings.auth_method {
        SiteAuthMethod::Saml2 => Reply::redirect(redirect_with_query(
            format!("{}{SAML_LOGIN_PATH}", urls.site),
            request.query,
        )),
        SiteAuthMethod::Oxygen => {
            let oauth_state = shared.random_hex();
            state.sso.oauth_states.insert(oauth_state.clone());
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", &urls.entity_id())
                .append_pair("redirect_uri", &format!("{}{CALLBACK_PATH}", urls.site))
                .append_pair("state", &oauth_state)
                .finish();
            Reply::redirect(format!("{}{}?{query}", urls.idp, idp::AUTHORIZE_PATH))
        }
        _ => {
            let token = cookies::get(request.cookie, SESSION_COOKIE).unwrap_or_default();
            if live_login(shared, &state, token).is_some() {
                Reply::redirect(format!("{}{LANDING_PATH}", urls.site))
            } else {
                Reply::html(StatusCode::OK, pages::site_login())
            }
        }
    }
}

fn login_request(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let mut state = shared.state();
    if state.sso.switches.redirect_loop {
        let query = if request.query.is_empty() {
            "product=loop"
        } else {
            request.query
        };
        return Reply::redirect(redirect_with_query(
            format!("{}{RENEW_PATH}", urls.site),
            query,
        ));
    }
    if shared.settings.auth_method != SiteAuthMethod::Saml2 {
        return Reply::html(StatusCode::OK, pages::no_saml());
    }
    let destination = urls.idp_sso(shared);
    let authn = AuthnRequest {
        id: format!("_{}", shared.random_hex()),
        issue_instant: dates::xml_datetime(dates::epoch_now(shared)),
        destination: destination.clone(),
        acs_url: urls.acs(),
        issuer: urls.entity_id(),
    };
    state.sso.authn_requests.insert(authn.id.clone());
    state.sso.stats.saml_requests += 1;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLRequest", &saml::encode_redirect(&authn.to_xml()))
        .append_pair("RelayState", &format!("{}{LANDING_PATH}", urls.site))
        .finish();
    let separator = if destination.contains('?') { '&' } else { '?' };
    Reply::redirect(format!("{destination}{separator}{query}"))
}

fn metadata(urls: &Urls) -> Reply {
    let e = crate::launcher::escape;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{}\">\
         <md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"false\" \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
         <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>\
         <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" \
         Location=\"{}\" index=\"0\" isDefault=\"true\"/>\
         </md:SPSSODescriptor></md:EntityDescriptor>\n",
        e(&urls.entity_id()),
        e(&urls.acs()),
    );
    Reply {
        content_type: "application/samlmetadata+xml",
        ..Reply::html(StatusCode::OK, body)
    }
}

fn refuse(what: &str) -> Reply {
    tracing::debug!(reason = what, "single sign-on refused");
    Reply::html(StatusCode::FORBIDDEN, pages::refusal(what))
}

fn consume_assertion(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let Some(encoded) = request.form_param("SAMLResponse") else {
        return refuse("the form has no SAMLResponse");
    };
    let xml = match saml::decode_base64(&encoded).map(String::from_utf8) {
        Ok(Ok(xml)) => xml,
        Ok(Err(_)) => return refuse("the SAMLResponse is not UTF-8 text"),
        Err(e) => return refuse(&e),
    };
    let parsed = match saml::parse_response(&xml) {
        Ok(p) => p,
        Err(e) => return refuse(&e),
    };
    let mut state = shared.state();
    // The request it answers is used up whatever else is wrong with the answer.
    let Some(in_response_to) = parsed.in_response_to.as_deref() else {
        return refuse("the Response answers no request (no InResponseTo)");
    };
    if !state.sso.authn_requests.remove(in_response_to) {
        return refuse(
            "the Response answers a request this site did not issue, or one already answered",
        );
    }
    if parsed.status.as_deref() != Some(saml::SUCCESS) {
        return refuse(&format!(
            "the identity provider did not sign the person in (status {})",
            parsed.status.as_deref().unwrap_or("missing")
        ));
    }
    if parsed
        .destination
        .as_deref()
        .is_some_and(|d| d != urls.acs())
    {
        return refuse("the Response is addressed to another assertion consumer (Destination)");
    }
    let entity = urls.entity_id();
    if !parsed.audiences.is_empty() && !parsed.audiences.contains(&entity) {
        return refuse("the assertion is meant for another service provider (Audience)");
    }
    let now = dates::epoch_now(shared);
    for limit in &parsed.not_on_or_after {
        match dates::parse_xml_datetime(limit) {
            Some(at) if at > now => {}
            Some(_) => return refuse("the assertion has expired (NotOnOrAfter)"),
            None => return refuse("the assertion's NotOnOrAfter is not a date"),
        }
    }
    let Some(name_id) = parsed.name_id.as_deref().filter(|n| !n.is_empty()) else {
        return refuse("the assertion names nobody (no NameID)");
    };
    let Some(login) = state
        .humans
        .iter()
        .find(|u| u.login.eq_ignore_ascii_case(name_id) || u.email.eq_ignore_ascii_case(name_id))
        .filter(|u| u.active)
        .map(|u| u.login.clone())
    else {
        return refuse("the assertion names no active user of this site");
    };
    let token = shared.new_session(&mut state, Principal::Human(login));
    signed_in(urls, token)
}

/// `302 /auth/landing` setting the new session's cookie.
fn signed_in(urls: &Urls, token: String) -> Reply {
    let cookie = Cookie::new(SESSION_COOKIE, token, urls.secure).http_only();
    Reply::redirect(format!("{}{LANDING_PATH}", urls.site)).with_cookie(&cookie)
}

fn callback(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let mut state = shared.state();
    let oauth_state = request.query_param("state").unwrap_or_default();
    if !state.sso.oauth_states.remove(&oauth_state) {
        return refuse("the callback's state is not one this site issued, or was already used");
    }
    let code = request.query_param("code").unwrap_or_default();
    let Some(login) = state.sso.codes.remove(&code) else {
        return refuse("the authorization code is unknown or already used");
    };
    if !state.human(&login).is_some_and(|u| u.active) {
        return refuse("the authorization code names no active user of this site");
    }
    let token = shared.new_session(&mut state, Principal::Human(login));
    state.sso.stats.callbacks_consumed += 1;
    signed_in(urls, token)
}

/// The login of the live session `token` belongs to (a person's, not expired, active).
fn live_login(shared: &Shared, state: &State, token: &str) -> Option<String> {
    let session = state.sessions.get(token)?;
    let now = shared.now();
    if session.expired || now.duration_since(session.last_used) >= shared.settings.session_lifetime
    {
        return None;
    }
    let Principal::Human(login) = &session.owner else {
        return None;
    };
    state
        .human(login)
        .filter(|u| u.active)
        .map(|u| u.login.clone())
}

/// The cookies a browser holds for the site once signed in with session `token`:
/// `_session_id`, then what `/auth/landing` sets.
pub(crate) fn session_cookies(
    shared: &Shared,
    urls: &Urls,
    state: &State,
    token: &str,
) -> Option<Vec<Cookie>> {
    let login = live_login(shared, state, token)?;
    let user = state.human(&login)?;
    let session = state.sessions.get(token)?;
    let secure = urls.secure;
    let session_until = session
        .last_used
        .checked_add(shared.settings.session_lifetime)
        .map_or(i64::MAX, |at| dates::epoch_of(shared, at));
    let encoded_login: String = form_urlencoded::byte_serialize(login.as_bytes()).collect();
    let id = user.id;
    let mut out = vec![
        Cookie::new(SESSION_COOKIE, token, secure).http_only(),
        Cookie::new(format!("csrf_token_u{id}"), shared.random_hex(), secure),
        Cookie::new("shotgun_current_user_login", encoded_login.clone(), secure),
        Cookie::new(
            "shotgun_current_session_expiration",
            session_until.to_string(),
            secure,
        )
        .expires(session_until),
    ];
    if let Some(claims) = session.claims_expire_at {
        let claims_until = dates::epoch_of(shared, claims);
        let claims_text = claims_until.to_string();
        out.push(
            Cookie::new(
                "shotgun_current_user_sso_claims_expiration",
                claims_text.clone(),
                secure,
            )
            .expires(claims_until),
        );
        out.push(
            Cookie::new(
                format!("shotgun_sso_session_expiration_u{id}"),
                claims_text,
                secure,
            )
            .expires(claims_until),
        );
        out.push(
            Cookie::new(
                format!("shotgun_sso_session_userid_u{id}"),
                encoded_login,
                secure,
            )
            .expires(claims_until),
        );
    }
    Some(out)
}

fn landing(shared: &Shared, urls: &Urls, request: &SsoRequest<'_>) -> Reply {
    let state = shared.state();
    let token = cookies::get(request.cookie, SESSION_COOKIE).unwrap_or_default();
    let Some(cookies) = session_cookies(shared, urls, &state, token) else {
        return Reply::html(StatusCode::OK, pages::landing(None));
    };
    let login = live_login(shared, &state, token);
    let mut reply = Reply::html(StatusCode::OK, pages::landing(login.as_deref()));
    // The session cookie is already the browser's.
    for cookie in cookies.iter().skip(1) {
        reply = reply.with_cookie(cookie);
    }
    reply
}
