//! Page classification on pages shaped as identity providers send them
//! (`tests/fixtures/pages/`).

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/pages/", $name))
    };
}

fn page_url() -> Url {
    Url::parse("https://idp.sso.test/idp/saml/sso?SAMLRequest=abc").unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn a_pysaml2_post_form_posts_itself() {
    assert_eq!(
        classify(fixture!("pysaml2_post.html"), &page_url()),
        Page::AutoPost {
            action: Url::parse("https://site.sso.test:8443/saml/saml_acs").unwrap(),
            fields: fields(&[
                ("SAMLResponse", "PHNhbWxwOlJlc3BvbnNlIElEPSJpZC0xIiAvPg=="),
                (
                    "RelayState",
                    "/auth/renew?product=rv&email=jane%40example.com"
                ),
            ]),
        }
    );
}

#[test]
fn entities_are_decoded_and_relative_actions_resolved() {
    assert_eq!(
        classify(fixture!("azure_style_post.html"), &page_url()),
        Page::AutoPost {
            action: Url::parse("https://idp.sso.test/saml/saml_acs?tenant=studio&x=%2F").unwrap(),
            fields: fields(&[
                ("SAMLResponse", "PHNhbWxwOlJlc3BvbnNlIC8+\nPHNhbWw+"),
                ("RelayState", "a<b\"c"),
            ]),
        }
    );
}

#[test]
fn a_meta_refresh_is_followed() {
    assert_eq!(
        classify(fixture!("meta_refresh.html"), &page_url()),
        Page::Refresh(Url::parse("https://idp.sso.test/saml/saml_login_request?a=1&b=2").unwrap())
    );
    for content in ["0;url=/next", "5, URL = \"/next\"", "0; /next"] {
        let html = format!("<meta http-equiv=refresh content='{content}'>");
        assert_eq!(
            classify(&html, &page_url()),
            Page::Refresh(Url::parse("https://idp.sso.test/next").unwrap()),
            "{content}"
        );
    }
}

#[test]
fn pages_that_need_a_person_say_which() {
    let cases = [
        (fixture!("idp_login.html"), PersonPage::LoginForm),
        (fixture!("idp_mfa.html"), PersonPage::SecondFactor),
        (fixture!("script_only.html"), PersonPage::ScriptOnly),
        (fixture!("search_form.html"), PersonPage::Unrecognised),
    ];
    for (html, expected) in cases {
        assert_eq!(
            classify(html, &page_url()),
            Page::Person(expected),
            "{html}"
        );
    }
}

#[test]
fn second_factor_fields_are_known_by_name_or_autocomplete() {
    for input in [
        r#"<input name="code">"#,
        r#"<input name="totp_code">"#,
        r#"<input name="mfa-token">"#,
        r#"<input name="x" autocomplete="one-time-code">"#,
        r#"<input name="OTP" type="tel">"#,
    ] {
        let html = format!(r#"<form method="post" action="/v">{input}</form>"#);
        assert_eq!(
            classify(&html, &page_url()),
            Page::Person(PersonPage::SecondFactor),
            "{input}"
        );
    }
    // A password beside a code field is a login form.
    let html = r"<form method=post><input name=code><input type=password name=p></form>";
    assert_eq!(
        classify(html, &page_url()),
        Page::Person(PersonPage::LoginForm)
    );
}

#[test]
fn forms_a_browser_would_not_post_by_themselves_are_not_posted() {
    let cases = [
        // A GET form, even of hidden inputs.
        r#"<form method="get" action="/x"><input type="hidden" name="a" value="1"></form>"#,
        // Two forms.
        r#"<form method="post"><input type="hidden" name="a"></form><form method="post"><input type="hidden" name="b"></form>"#,
        // A form with nothing to send.
        r#"<form method="post" action="/x"><input type="submit"></form>"#,
        // A form whose action is not a web address.
        r#"<form method="post" action="javascript:go()"><input type="hidden" name="a"></form>"#,
        // A visible field.
        r#"<form method="post"><input type="hidden" name="a"><textarea name="t"></textarea></form>"#,
    ];
    for html in cases {
        assert_eq!(
            classify(html, &page_url()),
            Page::Person(PersonPage::Unrecognised),
            "{html}"
        );
    }
}

#[test]
fn a_post_form_without_an_action_posts_to_the_page_itself() {
    let html = r"<FORM METHOD=POST><INPUT TYPE=HIDDEN NAME=SAMLResponse VALUE=x></FORM>";
    assert_eq!(
        classify(html, &page_url()),
        Page::AutoPost {
            action: page_url(),
            fields: fields(&[("SAMLResponse", "x")]),
        }
    );
}

#[test]
fn broken_html_and_empty_pages_do_not_panic() {
    for html in [
        "",
        "<",
        "<form",
        "<<<>>>&&&#;",
        "<input type=password",
        "\u{0}<form>",
    ] {
        let _ = classify(html, &page_url());
    }
    assert_eq!(
        classify("", &page_url()),
        Page::Person(PersonPage::Unrecognised)
    );
    assert_eq!(
        classify("<p>Please wait</p><script>go()</script>", &page_url()),
        Page::Person(PersonPage::ScriptOnly)
    );
}
