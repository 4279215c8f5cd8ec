//! The headless web-session renewal (`SiteClient::renew_web_session`) against the emulator's
//! SSO routes and identity provider, each on its own host name pinned to 127.0.0.1: a jar
//! as a browser login left it is renewed without a person, the renewed jar reads as the site
//! set it (by tk-auth's cookie helpers and by tk-core's) and works on the site. Where
//! cookies go across hosts is in `sso_engine_hosts.rs`, the switches' outcomes in
//! `sso_engine_switches.rs`.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tk_auth::Env;
use tk_auth::core::cookies;
use tk_auth::http::{
    Auth, ClientOptions, HttpError, Secret, SiteClient, WebRenewalOptions, WebSession,
};
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator, SiteEmulatorBuilder};
use tk_auth_test_support::{Python, var_or_skip};

pub(crate) const SITE_HOST: &str = "site.sso.test";
pub(crate) const IDP_HOST: &str = "idp.sso.test";
/// A login the cookies carry URL-encoded.
pub(crate) const LOGIN: &str = "jane.doe@studio.test";
pub(crate) const USER_ID: u64 = 42;
const CLAIMS_LIFETIME: Duration = Duration::from_hours(2);
const SESSION_LIFETIME: Duration = Duration::from_hours(12);
/// The generous bound every outcome must come within.
pub(crate) const BOUND: Duration = Duration::from_secs(5);

/// `auth_method` site at `SITE_HOST`, its identity provider at `IDP_HOST`, with `LOGIN`.
pub(crate) fn site(method: SiteAuthMethod) -> SiteEmulatorBuilder {
    SiteEmulator::builder()
        .human_user(HumanAccount::new(LOGIN, "pw-canary-never-sent").with_id(USER_ID))
        .auth_method(method)
        .site_host(SITE_HOST)
        .idp_host(IDP_HOST)
        .saml_claims_lifetime(CLAIMS_LIFETIME)
        .session_lifetime(SESSION_LIFETIME)
}

/// A client of `site` whose resolver sends both test names to 127.0.0.1.
pub(crate) fn client(site: &SiteEmulator) -> SiteClient {
    SiteClient::new(site.url(), options()).unwrap()
}

/// The options of [`client`].
pub(crate) fn options() -> ClientOptions {
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    ClientOptions::new()
        .environment(Env::empty())
        .resolve(SITE_HOST, loopback)
        .resolve(IDP_HOST, loopback)
        .product("tk-auth-e2e")
}

/// The jar a person's browser login left, as tk-core stores it.
pub(crate) fn seeded_jar(site: &SiteEmulator) -> Secret {
    Secret::new(site.web_login_cookies(LOGIN).unwrap())
}

/// Bounds tight enough that a hung hop fails the test quickly.
pub(crate) fn quick() -> WebRenewalOptions {
    WebRenewalOptions::default()
        .with_hop_timeout(Duration::from_secs(3))
        .with_overall_timeout(Duration::from_secs(4))
}

pub(crate) fn epoch_now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap()
}

/// Renews `jar` with `options`, timing it.
pub(crate) async fn renew(
    client: &SiteClient,
    jar: &Secret,
    options: &WebRenewalOptions,
) -> (Result<WebSession, HttpError>, Duration) {
    let started = Instant::now();
    let result = client.renew_web_session_with(jar, options).await;
    (result, started.elapsed())
}

/// The jar's lines (Qt raw cookie form).
pub(crate) fn lines(jar: &Secret) -> Vec<String> {
    cookies::decode_cookies(Some(jar.expose()))
        .expose()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The lines of the cookie `name`.
pub(crate) fn lines_of(jar: &Secret, name: &str) -> Vec<String> {
    let prefix = format!("{name}=");
    lines(jar)
        .into_iter()
        .filter(|l| l.starts_with(&prefix))
        .collect()
}

/// `LOGIN` read with `token`: the site accepts the session.
pub(crate) async fn read_login(client: &SiteClient, token: &Secret) -> Result<String, HttpError> {
    read_login_of(client, token, LOGIN).await
}

/// `login` read with `token`: the site accepts the session.
pub(crate) async fn read_login_of(
    client: &SiteClient,
    token: &Secret,
    login: &str,
) -> Result<String, HttpError> {
    let entity = client
        .find_one(
            &Auth::session_token(token.clone()),
            "HumanUser",
            &json!([["login", "is", login]]),
            &["login"],
        )
        .await?
        .expect("the user is found");
    Ok(entity["login"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_saml_session_with_lapsed_claims_is_renewed_headless_and_its_jar_reads_as_the_site_set_it()
 {
    let site = site(SiteAuthMethod::Saml2).start().unwrap();
    assert!(site.url().starts_with(&format!("http://{SITE_HOST}:")));
    let client = client(&site);
    let jar = seeded_jar(&site);
    let old = cookies::get_session_id(Some(jar.expose())).expect("the seeded jar has a session");
    site.expire_saml_claims();
    let lapsed = read_login(&client, &old).await.unwrap_err();
    assert!(
        matches!(lapsed, HttpError::SamlClaimsExpired { .. }),
        "{lapsed}"
    );
    site.reset_calls();

    let before = epoch_now();
    let (result, elapsed) = renew(&client, &jar, &quick()).await;
    let after = epoch_now();
    let renewed = result.unwrap();
    assert!(elapsed < BOUND, "{elapsed:?}");
    // renew → SAML request → IdP → its self-posting form to the consumer → landing.
    assert_eq!(renewed.hops, 5);

    // What the engine reports is what tk-auth's cookie helpers read in the renewed jar.
    let metadata = Some(renewed.metadata.expose());
    let token = cookies::get_session_id(metadata).unwrap();
    assert_eq!(token.expose(), renewed.session_token.expose());
    assert_ne!(token.expose(), old.expose(), "a new session");
    assert_eq!(lines_of(&renewed.metadata, "_session_id").len(), 1);
    let claims = cookies::get_saml_claims_expiration(metadata).unwrap();
    assert_eq!(claims, renewed.claims_expiration);
    let claims = claims.expect("the landing page set the claims' expiration");
    let lifetime = seconds(CLAIMS_LIFETIME);
    assert!(
        (before + lifetime - 1..=after + lifetime + 1).contains(&claims),
        "claims expire at {claims}, not {lifetime} s after {before}..{after}"
    );
    let session_until = cookies::get_session_expiration(metadata).unwrap();
    assert_eq!(Some(session_until), renewed.session_expiration);
    let lifetime = seconds(SESSION_LIFETIME);
    assert!((before + lifetime - 1..=after + lifetime + 1).contains(&session_until));
    assert_eq!(
        cookies::get_user_name(metadata).unwrap().as_deref(),
        Some(LOGIN)
    );
    assert_eq!(renewed.login.as_deref(), Some(LOGIN));
    assert_eq!(
        cookies::get_csrf_key(metadata).unwrap(),
        format!("csrf_token_u{USER_ID}")
    );
    assert!(cookies::get_csrf_token(metadata).unwrap().is_some());
    assert!(cookies::has_sso_info_in_cookies(metadata).unwrap());

    // The site accepts the new session; the old one still has lapsed claims.
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );
    assert!(read_login(&client, &old).await.is_err());

    // Each host kept its own cookies: the site's host-only on the site, the identity
    // provider's session on its own host, never sent to the site.
    for line in lines(&renewed.metadata) {
        let domain = line.rsplit("; domain=").next().unwrap_or_default();
        let expected = if line.starts_with("idp_session=") {
            format!("{IDP_HOST}; path=/idp")
        } else {
            format!("{SITE_HOST}; path=/")
        };
        assert_eq!(domain, expected, "{}", line.split('=').next().unwrap());
    }
    assert_eq!(lines_of(&renewed.metadata, "idp_session").len(), 1);
    let received = site.sso_cookie_names_received();
    assert!(received.contains(&"_session_id".to_owned()), "{received:?}");
    assert!(
        !received.contains(&"idp_session".to_owned()),
        "{received:?}"
    );

    let stats = site.sso_stats();
    assert_eq!(
        (
            stats.renew_requests,
            stats.saml_requests,
            stats.idp_auto_posts,
            stats.assertions_consumed,
            stats.assertions_refused,
            stats.idp_person_logins,
        ),
        (1, 1, 1, 1, 0, 0),
        "{stats:?}"
    );

    // The jar the engine wrote is itself renewable, as the next background round needs.
    let again = client
        .renew_web_session_with(&renewed.metadata, &quick())
        .await
        .unwrap();
    assert_ne!(again.session_token.expose(), renewed.session_token.expose());
    assert_eq!(
        read_login(&client, &again.session_token).await.unwrap(),
        LOGIN
    );
    assert_eq!(site.sso_stats().assertions_consumed, 2);
}

#[tokio::test]
async fn a_unified_login_flow_session_is_renewed_headless() {
    let site = site(SiteAuthMethod::Oxygen).start().unwrap();
    let client = client(&site);
    let jar = seeded_jar(&site);
    let before = epoch_now();
    let (result, elapsed) = renew(&client, &jar, &quick()).await;
    let after = epoch_now();
    let renewed = result.unwrap();
    assert!(elapsed < BOUND, "{elapsed:?}");
    // renew → the identity provider's authorization → the site's callback → landing.
    assert_eq!(renewed.hops, 4);
    let metadata = Some(renewed.metadata.expose());
    assert_eq!(
        cookies::get_session_id(metadata).unwrap().expose(),
        renewed.session_token.expose()
    );
    assert_eq!(
        renewed.claims_expiration, None,
        "no claims on Identity sites"
    );
    assert_eq!(cookies::get_saml_claims_expiration(metadata).unwrap(), None);
    let session_until = renewed.session_expiration.unwrap();
    let lifetime = seconds(SESSION_LIFETIME);
    assert!((before + lifetime - 1..=after + lifetime + 1).contains(&session_until));
    assert!(cookies::has_unified_login_flow_info_in_cookies(metadata));
    assert_eq!(renewed.login.as_deref(), Some(LOGIN));
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );
    let stats = site.sso_stats();
    assert_eq!(
        (
            stats.renew_requests,
            stats.idp_codes,
            stats.callbacks_consumed,
            stats.saml_requests
        ),
        (1, 1, 1, 0),
        "{stats:?}"
    );
}

#[tokio::test]
async fn tk_core_reads_the_renewed_jar_as_tk_auth_does() {
    // tk-core is not on any package index.
    let Some(tk_core) = var_or_skip("TK_CORE_PATH") else {
        return;
    };
    let site = site(SiteAuthMethod::Saml2).start().unwrap();
    let renewed = client(&site)
        .renew_web_session_with(&seeded_jar(&site), &quick())
        .await
        .unwrap();
    let script = "import json, sys\n\
        from tank.authentication.sso_saml2.core import utils\n\
        jar = sys.stdin.read().strip()\n\
        print(json.dumps({\n\
            'session_id': utils.get_session_id(jar),\n\
            'claims': utils.get_saml_claims_expiration(jar),\n\
            'session_expiration': utils.get_session_expiration(jar),\n\
            'login': utils.get_user_name(jar),\n\
            'csrf_token': utils.get_csrf_token(jar),\n\
            'csrf_key': utils.get_csrf_key(jar),\n\
        }))\n";
    let out = Python::code(script)
        .env("PYTHONPATH", &tk_core)
        .stdin(renewed.metadata.expose())
        .run();
    let python: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let metadata = Some(renewed.metadata.expose());
    let rust = json!({
        "session_id": renewed.session_token.expose(),
        "claims": renewed.claims_expiration,
        "session_expiration": renewed.session_expiration,
        "login": renewed.login,
        "csrf_token": cookies::get_csrf_token(metadata).unwrap().map(|t| t.expose().to_owned()),
        "csrf_key": cookies::get_csrf_key(metadata).unwrap(),
    });
    assert_eq!(python, rust);
    assert!(rust["claims"].is_i64() && rust["login"] == LOGIN);
}
