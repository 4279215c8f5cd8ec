use super::*;

const SECRET: &str = "canary-7f3e";

/// Which kind an error is. Exhaustive on purpose: a new kind does not compile until it is
/// added to the canary below.
fn kind_name(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::Authentication => "Authentication",
        ErrorKind::IncompleteCredentials { .. } => "IncompleteCredentials",
        ErrorKind::Cancelled => "Cancelled",
        ErrorKind::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupported",
        ErrorKind::UnresolvableHumanUser => "UnresolvableHumanUser",
        ErrorKind::UnresolvableScriptUser => "UnresolvableScriptUser",
        ErrorKind::NonInteractive { .. } => "NonInteractive",
        ErrorKind::Prompt => "Prompt",
        ErrorKind::Unreachable => "Unreachable",
        ErrorKind::Request => "Request",
        ErrorKind::Approval => "Approval",
        ErrorKind::InsecureSite => "InsecureSite",
        ErrorKind::LoginMismatch { .. } => "LoginMismatch",
        ErrorKind::Defaults => "Defaults",
        ErrorKind::InvalidUser => "InvalidUser",
        ErrorKind::FlowAuth => "FlowAuth",
        ErrorKind::FlowAuthConfiguration { .. } => "FlowAuthConfiguration",
        ErrorKind::RestToken => "RestToken",
        ErrorKind::Runtime { .. } => "Runtime",
    }
}

fn full_text(e: &Error) -> String {
    let mut text = format!("{e} / {e:?} / {e:#?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(" / ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[test]
fn no_error_kind_shows_a_secret() {
    // The site itself carries the canary as a password: no message may show it.
    let site = Site::new(format!("https://bob:{SECRET}@mysite.shotgunstudio.com"));
    let http = || {
        tk_auth_http::SiteClient::new(
            &format!("https://bob:{SECRET}@mysite.shotgunstudio.com:99999"),
            tk_auth_http::ClientOptions::new().environment(tk_auth_core::Env::empty()),
        )
        .unwrap_err()
    };
    let payload = format!(r#"{{"type": "SessionUser", "data": {{"session_token": "{SECRET}"}}}}"#);
    let alice = Some("alice");
    let errors = vec![
        Error::new(ErrorKind::Authentication).at(&site).of(alice),
        Error::new(ErrorKind::IncompleteCredentials {
            what: "missing host".into(),
        }),
        Error::from_prompt(&site, None, PromptError::Cancelled),
        Error::new(ErrorKind::ConsoleLoginNotSupported {
            site_auth_type: "Single Sign-On".into(),
        })
        .at(&site),
        Error::new(ErrorKind::UnresolvableHumanUser)
            .at(&site)
            .of(Some("jf")),
        Error::new(ErrorKind::UnresolvableScriptUser)
            .at(&site)
            .of(Some("robot")),
        Error::from_prompt(
            &site,
            alice,
            PromptError::NonInteractive {
                what: "a password",
                site: Some(site.clone()),
                login: None,
            },
        ),
        Error::from_prompt(
            &site,
            None,
            PromptError::Unscripted {
                asked: "password",
                expected: None,
            },
        ),
        Error::new(ErrorKind::Unreachable)
            .at(&site)
            .caused_by(http()),
        Error::from_http(&site, None, http()),
        Error::new(ErrorKind::Approval).at(&site).caused_by(http()),
        Error::new(ErrorKind::InsecureSite).at(&site),
        Error::new(ErrorKind::LoginMismatch {
            actual: "bob".into(),
        })
        .at(&site)
        .of(alice),
        Error::defaults(None, None, DefaultsError::NoHost),
        Error::from(tk_auth_core::deserialize_user(payload.as_str()).unwrap_err()),
        Error::new(ErrorKind::FlowAuth)
            .at(&site)
            .of(Some("artist"))
            .caused_by(http()),
        Error::new(ErrorKind::FlowAuthConfiguration {
            details: "Required setting 'auth_base_url' is not configured.".into(),
        }),
        Error::new(ErrorKind::RestToken)
            .at(&site)
            .of(alice)
            .caused_by(http()),
        Error::runtime("blocking call"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for e in &errors {
        let text = full_text(e);
        assert!(!text.contains(SECRET), "{text}");
        seen.insert(kind_name(e));
    }
    assert_eq!(seen.len(), 19, "every kind is covered: {seen:?}");
}

#[test]
fn every_waiter_of_a_shared_renewal_gets_the_renewals_own_error() {
    let site = Site::new("https://s");
    let cancelled = Error::from_prompt(&site, Some("alice"), PromptError::Cancelled);
    let waiter = cancelled.clone();
    assert!(waiter.is_cancelled());
    assert_eq!(waiter.python_class(), "AuthenticationCancelled");
    assert_eq!(waiter.site(), Some(&site));
    assert_eq!(waiter.login(), Some("alice"));
}

#[test]
fn a_message_that_is_its_causes_is_said_once_in_the_chain() {
    let e = Error::from(tk_auth_core::deserialize_user("not a payload").unwrap_err());
    let cause = e.get_ref().expect("the cause is kept").to_string();
    assert_eq!(e.to_string(), cause);
    let mut chain = vec![e.to_string()];
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    assert_eq!(
        chain.iter().filter(|m| **m == cause).count(),
        1,
        "{chain:?}"
    );
    assert!(e.get_ref().unwrap().is::<tk_auth_core::Error>());
}

#[test]
fn python_classes_come_from_the_kind_and_the_lower_crates_own_mapping() {
    let site = Site::new("https://s");
    let tank = Error::defaults(Some(&site), None, DefaultsError::NoPipelineConfiguration);
    assert_eq!(tank.python_class(), "TankError");
    assert!(!tank.is_shotgun_authentication_error());
    let other = Error::defaults(Some(&site), None, DefaultsError::NoHost);
    assert_eq!(other.python_class(), "ShotgunAuthenticationError");
    assert!(other.is_shotgun_authentication_error());
    let incomplete = Error::from_http(
        &site,
        None,
        tk_auth_http::HttpError::IncompleteCredentials {
            what: "missing login.",
        },
    );
    assert_eq!(incomplete.python_class(), "IncompleteCredentials");
    assert!(
        incomplete
            .get_ref()
            .unwrap()
            .is::<tk_auth_http::HttpError>()
    );
}
