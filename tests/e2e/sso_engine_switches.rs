//! Each switch of the emulator's identity provider and SSO routes ends a headless renewal as
//! documented, within its bound (a person needed, a timeout, a loop refused, a cookie for the
//! wrong domain refused), and no outcome puts a secret in the logs or in an error.

use std::time::Duration;

use tk_auth::http::{
    HttpError, PersonPage, Secret, WebRenewalError, WebRenewalOptions, WebSession,
};
use tk_auth_site_emulator::SiteAuthMethod;
use tk_auth_test_support::LogCapture;

use crate::sso_engine::{
    BOUND, IDP_HOST, LOGIN, SITE_HOST, client, lines, lines_of, quick, read_login, renew,
    seeded_jar, site,
};

/// The renewal's refusal, or a panic naming what came instead.
fn refusal(result: Result<WebSession, HttpError>) -> WebRenewalError {
    match result {
        Err(HttpError::WebRenewal(e)) => e,
        Err(other) => panic!("expected a web renewal refusal, got {other}"),
        Ok(session) => panic!("expected a web renewal refusal, got {session:?}"),
    }
}

/// The values of the jar's secret cookies (sessions and CSRF tokens: what must never be
/// logged), and the encoded jar itself. Expirations and the login are not secrets.
fn secret_values(jar: &Secret) -> Vec<String> {
    let secret = |name: &str| {
        ["_session_id", "csrf_token_u", "idp_"]
            .iter()
            .any(|p| name.starts_with(p))
    };
    lines(jar)
        .iter()
        .filter_map(|l| l.split(';').next()?.split_once('='))
        .filter(|(name, _)| secret(name))
        .map(|(_, v)| v.to_owned())
        .chain([jar.expose().to_owned()])
        .collect()
}

#[tokio::test]
async fn expired_identity_provider_sessions_need_a_person_at_the_login_form() {
    for method in [SiteAuthMethod::Saml2, SiteAuthMethod::Oxygen] {
        let site = site(method.clone()).start().unwrap();
        let jar = seeded_jar(&site);
        assert_eq!(site.expire_idp_sessions(), 1);
        let (result, elapsed) = renew(&client(&site), &jar, &quick()).await;
        assert!(elapsed < BOUND, "{method:?}: {elapsed:?}");
        let e = refusal(result);
        assert!(e.needs_person());
        let WebRenewalError::NeedsPerson { page, at, hops } = &e else {
            panic!("{method:?}: {e}");
        };
        assert_eq!(*page, PersonPage::LoginForm, "{method:?}: {e}");
        assert!(at.starts_with(&format!("{IDP_HOST}:")), "{at}");
        assert!(
            at.ends_with("/idp/saml/sso") || at.ends_with("/idp/authorize"),
            "{at}"
        );
        assert!(*hops <= 3, "{e}");
        let stats = site.sso_stats();
        assert_eq!(
            (
                stats.assertions_consumed,
                stats.callbacks_consumed,
                stats.idp_person_logins
            ),
            (0, 0, 0)
        );
    }
}

#[tokio::test]
async fn an_identity_provider_asking_for_a_second_factor_needs_a_person() {
    let site = site(SiteAuthMethod::Saml2)
        .idp_require_mfa(true)
        .start()
        .unwrap();
    let (result, elapsed) = renew(&client(&site), &seeded_jar(&site), &quick()).await;
    assert!(elapsed < BOUND, "{elapsed:?}");
    let e = refusal(result);
    assert!(
        matches!(
            &e,
            WebRenewalError::NeedsPerson { page: PersonPage::SecondFactor, at, .. }
                if at.starts_with(IDP_HOST)
        ),
        "{e}"
    );
    assert!(e.needs_person());
    assert_eq!(site.sso_stats().idp_auto_posts, 0);
}

#[tokio::test]
async fn a_slow_identity_provider_times_out_within_the_hop_bound() {
    let site = site(SiteAuthMethod::Saml2)
        .idp_delay(Duration::from_secs(20))
        .start()
        .unwrap();
    let jar = seeded_jar(&site);
    let hop = Duration::from_millis(300);
    let options = WebRenewalOptions::default().with_hop_timeout(hop);
    let (result, elapsed) = renew(&client(&site), &jar, &options).await;
    assert!(elapsed < BOUND, "{elapsed:?}");
    assert!(elapsed >= hop, "{elapsed:?}");
    let e = refusal(result);
    assert!(
        matches!(&e, WebRenewalError::TimedOut { after, at, hops: 3 }
            if *after == hop && at.starts_with(IDP_HOST)),
        "{e}"
    );

    // The overall bound holds as well when each hop would be allowed longer.
    let overall = Duration::from_millis(500);
    let options = WebRenewalOptions::default()
        .with_hop_timeout(Duration::from_secs(10))
        .with_overall_timeout(overall);
    let (result, elapsed) = renew(&client(&site), &jar, &options).await;
    assert!(elapsed < BOUND, "{elapsed:?}");
    let e = refusal(result);
    assert!(
        matches!(&e, WebRenewalError::TimedOut { after, .. } if *after == overall),
        "{e}"
    );
    assert!(e.needs_person());
    assert_eq!(site.sso_stats().assertions_consumed, 0);
}

#[tokio::test]
async fn a_redirect_loop_is_refused_as_a_loop() {
    let site = site(SiteAuthMethod::Saml2)
        .sso_redirect_loop(true)
        .start()
        .unwrap();
    let (result, elapsed) = renew(&client(&site), &seeded_jar(&site), &quick()).await;
    assert!(elapsed < BOUND, "{elapsed:?}");
    let e = refusal(result);
    let WebRenewalError::RedirectLoop { at, hops } = &e else {
        panic!("expected a loop: {e}");
    };
    assert!(at.starts_with(&format!("{SITE_HOST}:")), "{at}");
    assert!(*hops < 20, "found well before the hop limit: {e}");
    assert!(site.sso_stats().renew_requests <= 3);
}

#[tokio::test]
async fn a_cookie_the_identity_provider_sets_for_the_site_is_refused() {
    let site = site(SiteAuthMethod::Saml2)
        .idp_foreign_cookie(true)
        .start()
        .unwrap();
    let client = client(&site);
    let (result, elapsed) = renew(&client, &seeded_jar(&site), &quick()).await;
    assert!(elapsed < BOUND, "{elapsed:?}");
    let renewed = result.unwrap();
    assert!(lines_of(&renewed.metadata, "idp_tracker").is_empty());
    let received = site.sso_cookie_names_received();
    assert!(
        !received.contains(&"idp_tracker".to_owned()),
        "{received:?}"
    );
    assert!(received.contains(&"_session_id".to_owned()), "{received:?}");
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );
}

/// Every outcome, logged at every level: no cookie value, SAML message or query string in
/// the logs, the errors (shown or debugged) or the renewed session's debug form.
#[tokio::test]
async fn no_cookie_value_or_saml_message_reaches_logs_or_errors() {
    let logs = LogCapture::new();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let mut secrets = Vec::new();
    let mut shown = Vec::new();

    let saml = site(SiteAuthMethod::Saml2)
        .idp_foreign_cookie(true)
        .start()
        .unwrap();
    let saml_client = client(&saml);
    let jar = seeded_jar(&saml);
    secrets.extend(secret_values(&jar));
    let renewed = saml_client
        .renew_web_session_with(&jar, &quick())
        .await
        .unwrap();
    secrets.extend(secret_values(&renewed.metadata));
    shown.push(format!("{renewed:?}"));

    // A Unified Login Flow round: its authorization code travels in a query.
    let oxygen = site(SiteAuthMethod::Oxygen).start().unwrap();
    let oxygen_jar = seeded_jar(&oxygen);
    secrets.extend(secret_values(&oxygen_jar));
    let renewed = client(&oxygen)
        .renew_web_session_with(&oxygen_jar, &quick())
        .await
        .unwrap();
    secrets.extend(secret_values(&renewed.metadata));
    assert_eq!(oxygen.sso_stats().idp_codes, 1);

    let mut failures = Vec::new();
    saml.idp_require_mfa(true);
    failures.push(saml_client.renew_web_session_with(&jar, &quick()).await);
    saml.idp_require_mfa(false);
    saml.idp_delay(Duration::from_secs(20));
    let slow = quick().with_hop_timeout(Duration::from_millis(200));
    failures.push(saml_client.renew_web_session_with(&jar, &slow).await);
    saml.idp_delay(Duration::ZERO);
    saml.sso_redirect_loop(true);
    failures.push(saml_client.renew_web_session_with(&jar, &quick()).await);
    saml.sso_redirect_loop(false);
    saml.expire_idp_sessions();
    failures.push(saml_client.renew_web_session_with(&jar, &quick()).await);
    for failure in failures {
        let e = failure.unwrap_err();
        assert!(matches!(e, HttpError::WebRenewal(_)), "{e}");
        shown.push(e.to_string());
        shown.push(format!("{e:?}"));
    }

    let logged = logs.text();
    assert!(logged.contains("web session renewal"), "{logged}");
    // Two sites, old and new: `_session_id`, `csrf_token_u42`, `idp_session`, the jar.
    assert_eq!(secrets.len(), 16, "{}", secrets.len());
    for text in shown.iter().chain([&logged]) {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a cookie value in: {text}");
        }
        // base64 of `<samlp:Response`, the form fields and the renewal's query.
        for marker in [
            "PHNhbWxwOlJlc3BvbnNl",
            "SAMLResponse",
            "SAMLRequest",
            "RelayState",
            "product=",
            "code=",
            "state=",
        ] {
            assert!(!text.contains(marker), "{marker} in: {text}");
        }
    }
}
