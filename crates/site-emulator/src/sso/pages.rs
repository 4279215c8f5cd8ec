//! The HTML pages of single sign-on: the identity provider's login and one-time-code pages,
//! the auto-posting SAML form, the site's login page, landing page and refusals.

use crate::launcher::escape;

fn page(title: &str, body_attributes: &str, content: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body{body_attributes}>\n{content}\n</body></html>\n",
        escape(title)
    )
}

fn hidden(fields: &[(&str, String)]) -> String {
    use std::fmt::Write as _;
    fields.iter().fold(String::new(), |mut out, (name, value)| {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
        out
    })
}

/// The identity provider's sign-in page; `pending` rides along as hidden fields.
pub(crate) fn idp_login(pending: &[(&str, String)], message: Option<&str>) -> String {
    let message = message.map_or_else(String::new, |m| {
        format!("<p class=\"error\">{}</p>", escape(m))
    });
    page(
        "Sign in",
        "",
        &format!(
            "<h1>Sign in (emulated identity provider)</h1>{message}\n\
             <form method=\"post\" action=\"/idp/login\">{}\n\
             <label>Username <input name=\"username\" autocomplete=\"username\"></label>\n\
             <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
             <button type=\"submit\">Sign in</button></form>",
            hidden(pending)
        ),
    )
}

/// The identity provider's one-time-code page (no password field).
pub(crate) fn idp_mfa(pending: &[(&str, String)], message: Option<&str>) -> String {
    let message = message.map_or_else(String::new, |m| {
        format!("<p class=\"error\">{}</p>", escape(m))
    });
    page(
        "Verification code",
        "",
        &format!(
            "<h1>Enter your verification code</h1>{message}\n\
             <form method=\"post\" action=\"/idp/login\">{}\n\
             <label>Code <input name=\"otp\" autocomplete=\"one-time-code\" inputmode=\"numeric\"></label>\n\
             <button type=\"submit\">Verify</button></form>",
            hidden(pending)
        ),
    )
}

/// The SAML HTTP-POST binding: a form that posts itself to the assertion consumer.
pub(crate) fn auto_post(action: &str, saml_response: &str, relay_state: Option<&str>) -> String {
    let mut fields = vec![("SAMLResponse", saml_response.to_owned())];
    if let Some(relay) = relay_state {
        fields.push(("RelayState", relay.to_owned()));
    }
    page(
        "Signing in",
        " onload=\"document.forms[0].submit()\"",
        &format!(
            "<form method=\"post\" action=\"{}\">{}\n\
             <noscript><p>Your browser does not run scripts: press Continue.</p>\
             <button type=\"submit\">Continue</button></noscript></form>",
            escape(action),
            hidden(&fields)
        ),
    )
}

/// The site's own login page (sites without single sign-on).
pub(crate) fn site_login() -> String {
    page(
        "Log in",
        "",
        "<h1>Log in</h1>\n<form method=\"post\" action=\"/user/login\">\n\
         <label>Login <input name=\"user[login]\"></label>\n\
         <label>Password <input type=\"password\" name=\"user[password]\"></label>\n\
         <button type=\"submit\">Log in</button></form>",
    )
}

/// The page the site shows once a person is signed in.
pub(crate) fn landing(login: Option<&str>) -> String {
    let text = login.map_or_else(
        || "No session: nobody is signed in.".to_owned(),
        |l| format!("Signed in as {}.", escape(l)),
    );
    page(
        "Flow Production Tracking",
        "",
        &format!("<h1>Welcome</h1><p>{text}</p>"),
    )
}

/// A refusal naming what was wrong.
pub(crate) fn refusal(what: &str) -> String {
    page(
        "Single sign-on refused",
        "",
        &format!("<h1>Single sign-on refused</h1><p>{}</p>", escape(what)),
    )
}

/// The page of `/saml/saml_login_request` on a site without SAML.
pub(crate) fn no_saml() -> String {
    page(
        "Single sign-on",
        "",
        "<p>This site does not use SAML single sign-on.</p>",
    )
}
