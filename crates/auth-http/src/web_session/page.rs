//! Reading an HTML answer of a web-session renewal: a form that posts itself (the SAML
//! POST binding), a `<meta http-equiv="refresh">` redirect, or a page that needs a person.
//!
//! The page is tokenized with `html5gum`, a WHATWG-conformant HTML tokenizer with no
//! dependencies: it reads tag soup as a browser does and decodes character references in
//! attribute values (`&amp;`, `&#x2F;`, named ones), which a SAML response's `action` or
//! `RelayState` may hold. A tokenizer is all this needs (forms, inputs, meta tags): a full
//! tree builder (html5ever, scraper) would add a large dependency for nothing, and lighter
//! parsers (`tl`) do not decode references.

use html5gum::{DefaultEmitter, Token, Tokenizer};
use url::Url;

use super::PersonPage;

/// What a page asks the renewal to do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Page {
    /// Submit this form as a browser would (its action resolved against the page).
    AutoPost {
        action: Url,
        fields: Vec<(String, String)>,
    },
    /// Load this address (`<meta http-equiv="refresh" content="0; url=…">`).
    Refresh(Url),
    /// A person must act.
    Person(PersonPage),
}

/// One `<form>` of the page, with what the classification needs.
#[derive(Default)]
struct Form {
    method: String,
    action: Option<String>,
    hidden: Vec<(String, String)>,
    /// Inputs that are neither hidden nor a button.
    visible: usize,
    password: bool,
    one_time_code: bool,
}

/// Classifies the HTML page fetched from `page_url`.
pub(crate) fn classify(html: &str, page_url: &Url) -> Page {
    let mut forms: Vec<Form> = Vec::new();
    let mut open_form: Option<Form> = None;
    let mut refresh: Option<String> = None;
    let mut stray_password = false;
    let mut stray_code = false;
    let mut scripts = false;
    // Script and style bodies are text, not tags, as a browser reads them.
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = lossy(&tag.name);
                let attr = |key: &str| {
                    tag.attributes
                        .get(key.as_bytes())
                        .map(|value| lossy(value).trim().to_owned())
                };
                match name.as_str() {
                    "form" => {
                        if let Some(form) = open_form.take() {
                            forms.push(form);
                        }
                        open_form = Some(Form {
                            method: attr("method").unwrap_or_default().to_ascii_lowercase(),
                            action: attr("action"),
                            ..Form::default()
                        });
                    }
                    "input" => {
                        let kind = attr("type").unwrap_or_default().to_ascii_lowercase();
                        let field_name = attr("name").unwrap_or_default();
                        let code = is_one_time_code(&field_name, attr("autocomplete").as_deref());
                        let Some(form) = open_form.as_mut() else {
                            stray_password |= kind == "password";
                            stray_code |= code && kind != "hidden";
                            continue;
                        };
                        match kind.as_str() {
                            "hidden" => {
                                if !field_name.is_empty() {
                                    // Values keep their spaces: a base64 SAML response may
                                    // be wrapped.
                                    let value = tag
                                        .attributes
                                        .get(b"value".as_slice())
                                        .map(|v| lossy(v))
                                        .unwrap_or_default();
                                    form.hidden.push((field_name, value));
                                }
                            }
                            "submit" | "button" | "image" | "reset" => {}
                            "password" => {
                                form.password = true;
                                form.visible += 1;
                            }
                            _ => {
                                form.one_time_code |= code;
                                form.visible += 1;
                            }
                        }
                    }
                    "textarea" | "select" => {
                        if let Some(form) = open_form.as_mut() {
                            form.visible += 1;
                        }
                    }
                    "script" => scripts = true,
                    "meta" => {
                        let equiv = attr("http-equiv").unwrap_or_default();
                        if equiv.eq_ignore_ascii_case("refresh") && refresh.is_none() {
                            refresh = attr("content").and_then(|c| refresh_target(&c));
                        }
                    }
                    _ => {}
                }
            }
            Token::EndTag(tag) if lossy(&tag.name) == "form" => {
                if let Some(form) = open_form.take() {
                    forms.push(form);
                }
            }
            _ => {}
        }
    }
    if let Some(form) = open_form.take() {
        forms.push(form);
    }
    let found = Found {
        forms,
        refresh,
        stray_password,
        stray_code,
        scripts,
    };
    found.decide(page_url)
}

/// What the page holds.
struct Found {
    forms: Vec<Form>,
    refresh: Option<String>,
    /// A password field outside any form.
    stray_password: bool,
    /// A one-time-code field outside any form.
    stray_code: bool,
    scripts: bool,
}

impl Found {
    fn decide(self, page_url: &Url) -> Page {
        let Self {
            forms,
            refresh,
            stray_password,
            stray_code,
            scripts,
        } = self;
        if stray_password || forms.iter().any(|f| f.password) {
            return Page::Person(PersonPage::LoginForm);
        }
        if stray_code || forms.iter().any(|f| f.one_time_code) {
            return Page::Person(PersonPage::SecondFactor);
        }
        // The SAML POST binding: one form, only hidden inputs (and buttons), posted.
        if let [form] = forms.as_slice()
            && form.visible == 0
            && form.method == "post"
            && !form.hidden.is_empty()
        {
            let action = form.action.as_deref().unwrap_or_default();
            return match page_url.join(action) {
                Ok(action) if matches!(action.scheme(), "http" | "https") => Page::AutoPost {
                    action,
                    fields: form.hidden.clone(),
                },
                _ => Page::Person(PersonPage::Unrecognised),
            };
        }
        if forms.is_empty() {
            if let Some(target) = refresh {
                return match page_url.join(&target) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") => Page::Refresh(url),
                    _ => Page::Person(PersonPage::Unrecognised),
                };
            }
            if scripts {
                return Page::Person(PersonPage::ScriptOnly);
            }
        }
        Page::Person(PersonPage::Unrecognised)
    }
}

/// A field that asks for a one-time code: `autocomplete="one-time-code"`, or named like one.
fn is_one_time_code(name: &str, autocomplete: Option<&str>) -> bool {
    if autocomplete.is_some_and(|a| {
        a.split_ascii_whitespace()
            .any(|t| t.eq_ignore_ascii_case("one-time-code"))
    }) {
        return true;
    }
    let name = name.to_ascii_lowercase();
    ["otp", "code", "totp", "mfa"]
        .iter()
        .any(|word| name == *word || name.split(['_', '-', '.']).any(|part| part == *word))
}

/// The address of a refresh's `content` (`5; url=/next`, `0;URL='/next'`); `None` for a
/// refresh of the same page.
fn refresh_target(content: &str) -> Option<String> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let value = rest
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("url"))
        .and_then(|_| rest[3..].trim_start().strip_prefix('='))
        .unwrap_or(rest)
        .trim();
    let value = value
        .strip_prefix(['\'', '"'])
        .map_or(value, |v| v.trim_end_matches(['\'', '"']));
    (!value.is_empty()).then(|| value.to_owned())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
