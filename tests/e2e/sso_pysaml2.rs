//! The headless web-session renewal judged by an identity provider nobody here wrote:
//! pysaml2 (from the Python Package Index, signing with Debian's `xmlsec1`), serving the
//! emulated site from its metadata. The engine must get through pysaml2's own HTTP-POST
//! binding page to the site's landing, and stop for a person at its login page.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tk_auth::Env;
use tk_auth::core::cookies;
use tk_auth::http::{
    ClientOptions, HttpError, PersonPage, Secret, SiteClient, WebRenewalError, WebRenewalOptions,
};
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};
use tk_auth_test_support::{IdpStats, LogCapture, PySamlIdp};

use crate::sso_engine::{epoch_now, read_login_of};

const SITE_HOST: &str = "site.pysaml.test";
const IDP_HOST: &str = "idp.pysaml.test";
const LOGIN: &str = "artist";
/// pysaml2 names the person by email (`NameID` format emailAddress); the site maps it.
const EMAIL: &str = "artist@studio.test";
const CLAIMS_LIFETIME: Duration = Duration::from_hours(3);
/// The generous bound a renewal must come within.
const BOUND: Duration = Duration::from_secs(10);

/// pysaml2 (first, under its own name), then the site sending its requests there, then
/// pysaml2 told the site's metadata. `None` (reported skipped) without pysaml2 or xmlsec1.
fn world() -> Option<(PySamlIdp, SiteEmulator, SiteClient)> {
    let idp = PySamlIdp::builder()
        .resolve(SITE_HOST, "127.0.0.1")
        .host(IDP_HOST)
        .start_or_skip()?;
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new(LOGIN, "pw-canary-never-sent").with_email(EMAIL))
        .auth_method(SiteAuthMethod::Saml2)
        .site_host(SITE_HOST)
        .saml_claims_lifetime(CLAIMS_LIFETIME)
        .saml_identity_provider(idp.sso_url())
        .start()
        .unwrap();
    idp.set_sp_metadata(&format!("{}/saml/metadata", site.url()));
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let options = ClientOptions::new()
        .environment(Env::empty())
        .resolve(SITE_HOST, loopback)
        .resolve(IDP_HOST, loopback)
        .product("tk-auth-e2e");
    let client = SiteClient::new(site.url(), options).unwrap();
    Some((idp, site, client))
}

/// The site's jar from a browser login, with pysaml2's session for `EMAIL` added as the
/// browser would have kept it.
fn seeded_jar(idp: &PySamlIdp, site: &SiteEmulator) -> Secret {
    let site_jar = site.web_login_cookies(LOGIN).unwrap();
    let mut lines: Vec<String> = cookies::decode_cookies(Some(&site_jar))
        .expose()
        .split("\r\n")
        .map(str::to_owned)
        .collect();
    lines.push(idp.session_cookie_line(EMAIL));
    Secret::new(base64::engine::general_purpose::STANDARD.encode(lines.join("\r\n")))
}

fn quick() -> WebRenewalOptions {
    WebRenewalOptions::default()
        .with_hop_timeout(Duration::from_secs(5))
        .with_overall_timeout(Duration::from_secs(8))
}

async fn read_login(client: &SiteClient, token: &Secret) -> Result<String, HttpError> {
    read_login_of(client, token, LOGIN).await
}

/// pysaml2's counters with no sign-in by a person.
fn stats(authn_requests: u64, responses: u64, login_pages: u64) -> IdpStats {
    IdpStats {
        authn_requests,
        responses,
        login_pages,
        logins: 0,
    }
}

#[tokio::test]
async fn pysaml2_signs_the_person_in_again_without_a_person() {
    let Some((idp, site, client)) = world() else {
        return;
    };
    let logs = LogCapture::new();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let jar = seeded_jar(&idp, &site);
    let old = cookies::get_session_id(Some(jar.expose())).unwrap();
    site.expire_saml_claims();
    let lapsed = read_login(&client, &old).await.unwrap_err();
    assert!(
        matches!(lapsed, HttpError::SamlClaimsExpired { .. }),
        "{lapsed}"
    );
    site.reset_calls();

    let before = epoch_now();
    let started = Instant::now();
    let renewed = client.renew_web_session_with(&jar, &quick()).await;
    let elapsed = started.elapsed();
    let after = epoch_now();
    let renewed = renewed.unwrap_or_else(|e| panic!("{e}\npysaml2's log:\n{}", idp.logs()));
    assert!(elapsed < BOUND, "{elapsed:?}");
    // renew → the site's SAML request → pysaml2 → its POST binding page to the consumer →
    // landing.
    assert_eq!(renewed.hops, 5);
    assert_ne!(renewed.session_token.expose(), old.expose());
    let metadata = Some(renewed.metadata.expose());
    assert_eq!(
        cookies::get_session_id(metadata).unwrap().expose(),
        renewed.session_token.expose()
    );
    assert_eq!(renewed.login.as_deref(), Some(LOGIN));
    let claims = renewed.claims_expiration.unwrap();
    let lifetime = i64::try_from(CLAIMS_LIFETIME.as_secs()).unwrap();
    assert!((before + lifetime - 1..=after + lifetime + 1).contains(&claims));
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );

    // Both sides saw one request, one signed answer, one assertion consumed.
    assert_eq!(idp.stats(), stats(1, 1, 0));
    let sso = site.sso_stats();
    assert_eq!(
        (
            sso.renew_requests,
            sso.saml_requests,
            sso.assertions_consumed,
            sso.assertions_refused,
            sso.idp_auto_posts,
        ),
        (1, 1, 1, 0, 0),
        "{sso:?}"
    );
    // pysaml2's session cookie stayed on its host.
    let received = site.sso_cookie_names_received();
    assert!(
        !received.contains(&idp.cookie_name().to_owned()),
        "{received:?}"
    );
    let kept = cookies::decode_cookies(metadata);
    let kept_line = kept
        .expose()
        .split("\r\n")
        .find(|l| l.starts_with(&format!("{}=", idp.cookie_name())))
        .expect("pysaml2's session is kept")
        .to_owned();
    assert!(kept_line.ends_with(&format!("; domain={IDP_HOST}; path=/")));

    // The jar the engine wrote back still carries pysaml2's session: it renews again.
    let again = client
        .renew_web_session_with(&renewed.metadata, &quick())
        .await
        .unwrap();
    assert_eq!(
        read_login(&client, &again.session_token).await.unwrap(),
        LOGIN
    );
    assert_eq!(idp.stats(), stats(2, 2, 0));
    assert_eq!(site.sso_stats().assertions_consumed, 2);

    // No cookie value and no SAML message in what was logged.
    let logged = logs.text();
    let idp_cookie = kept_line
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    for secret in [idp_cookie, renewed.session_token.expose(), old.expose()] {
        assert!(!logged.contains(secret), "a cookie value in: {logged}");
    }
    // `<?xml`, `<ns0:Response`, `<samlp:Response` in base64, and the form fields' names.
    for marker in [
        "PD94bWw",
        "PG5zMDpSZXNwb25zZ",
        "PHNhbWxwOlJlc3BvbnNl",
        "SAMLResponse",
    ] {
        assert!(!logged.contains(marker), "{marker} in: {logged}");
    }
}

#[tokio::test]
async fn pysaml2_without_a_session_shows_its_login_page_and_a_person_is_needed() {
    let Some((idp, site, client)) = world() else {
        return;
    };
    let jar = seeded_jar(&idp, &site);
    idp.expire_sessions();
    let started = Instant::now();
    let result = client.renew_web_session_with(&jar, &quick()).await;
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let Err(HttpError::WebRenewal(e)) = result else {
        panic!("expected a person to be needed: {result:?}");
    };
    assert!(e.needs_person());
    let WebRenewalError::NeedsPerson { page, at, hops } = &e else {
        panic!("{e}");
    };
    assert_eq!(*page, PersonPage::LoginForm, "{e}");
    assert_eq!(at, &format!("{IDP_HOST}:{}/sso/redirect", idp.port()));
    assert_eq!(*hops, 3);
    assert_eq!(idp.stats(), stats(1, 0, 1));
    let sso = site.sso_stats();
    assert_eq!(
        (
            sso.saml_requests,
            sso.assertions_consumed,
            sso.assertions_refused
        ),
        (1, 0, 0)
    );
}
