//! Where a headless renewal's cookies go across hosts: over https every cookie stays
//! `secure` and each host's certificate is checked by its name; an identity provider on the
//! site's own host keeps its cookie to its path; the emulator's own names (`127.0.0.1` and
//! `localhost`) need no pins.

use tk_auth::Env;
use tk_auth::http::{ClientOptions, HttpError, SiteClient};
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};
use tk_auth_test_support::TestCa;

use crate::sso_engine::{
    IDP_HOST, LOGIN, SITE_HOST, USER_ID, client, lines, lines_of, options, quick, read_login,
    seeded_jar, site,
};

#[tokio::test]
async fn over_https_every_cookie_stays_secure_and_each_host_is_checked_by_its_name() {
    let ca = TestCa::new();
    let (chain, key) = ca.leaf(&[SITE_HOST, IDP_HOST]);
    let site = site(SiteAuthMethod::Saml2).tls(chain, key).start().unwrap();
    assert!(site.url().starts_with(&format!("https://{SITE_HOST}:")));
    let client = SiteClient::new(site.url(), options().ca_file(&ca.ca_file)).unwrap();
    let jar = seeded_jar(&site);
    assert!(lines(&jar).iter().all(|l| l.contains("; secure; ")));
    let renewed = client.renew_web_session_with(&jar, &quick()).await.unwrap();
    assert_eq!(renewed.hops, 5);
    for line in lines(&renewed.metadata) {
        assert!(
            line.contains("; secure; "),
            "{}",
            line.split('=').next().unwrap()
        );
    }
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );

    // A certificate that does not name the identity provider stops the renewal there.
    let (chain, key) = ca.leaf(&[SITE_HOST]);
    let site = self::site(SiteAuthMethod::Saml2)
        .tls(chain, key)
        .start()
        .unwrap();
    let client = SiteClient::new(site.url(), options().ca_file(&ca.ca_file)).unwrap();
    let result = client
        .renew_web_session_with(&seeded_jar(&site), &quick())
        .await;
    let e = result.unwrap_err();
    assert!(
        matches!(&e, HttpError::Tls { site, .. } if site.contains(IDP_HOST)),
        "{e}"
    );
    // Message, Debug and every source name the host, never the hop's query.
    let mut text = format!("{e} / {e:?}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(" / ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    for marker in ["SAMLRequest", "RelayState", "sso?"] {
        assert!(!text.contains(marker), "{marker} in: {text}");
    }
    assert_eq!(site.sso_stats().assertions_consumed, 0);
}

#[tokio::test]
async fn the_identity_providers_cookie_keeps_to_its_path_on_a_shared_host() {
    // The identity provider on the site's own host: only `path=/idp` keeps its cookie from
    // the site's pages.
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new(LOGIN, "pw-canary-never-sent").with_id(USER_ID))
        .auth_method(SiteAuthMethod::Saml2)
        .site_host(SITE_HOST)
        .idp_host(SITE_HOST)
        .start()
        .unwrap();
    let jar = seeded_jar(&site);
    assert_eq!(lines_of(&jar, "idp_session").len(), 1);
    let renewed = client(&site)
        .renew_web_session_with(&jar, &quick())
        .await
        .unwrap();
    assert_eq!(
        site.sso_stats().idp_auto_posts,
        1,
        "the session was sent to /idp/"
    );
    let received = site.sso_cookie_names_received();
    assert!(received.contains(&"_session_id".to_owned()), "{received:?}");
    assert!(
        !received.contains(&"idp_session".to_owned()),
        "{received:?}"
    );
    assert_eq!(lines_of(&renewed.metadata, "idp_session").len(), 1);
}

#[tokio::test]
async fn the_emulators_own_names_need_no_pins_and_the_default_login_is_handed_on() {
    // Site at 127.0.0.1, identity provider at `localhost`: distinct cookie hosts with no
    // resolver set up; and `email=` / `sso_domain=` in the renewal address, as tk-core sends.
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new(LOGIN, "pw-canary-never-sent"))
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    assert_eq!(site.idp_url(), site.url().replace("127.0.0.1", "localhost"));
    let env = Env::from_pairs([
        ("TK_SHOTGRID_DEFAULT_LOGIN", LOGIN),
        ("TK_SHOTGRID_SSO_DOMAIN", "https://login.studio.test/sso"),
    ]);
    let client = SiteClient::new(site.url(), ClientOptions::new().environment(env)).unwrap();
    let renewed = client
        .renew_web_session_with(&seeded_jar(&site), &quick())
        .await
        .unwrap();
    assert_eq!(renewed.hops, 5);
    assert_eq!(renewed.login.as_deref(), Some(LOGIN));
    assert_eq!(
        read_login(&client, &renewed.session_token).await.unwrap(),
        LOGIN
    );
    let idp_line = lines_of(&renewed.metadata, "idp_session");
    assert!(
        idp_line[0].ends_with("; domain=localhost; path=/idp"),
        "kept on its host"
    );
}
