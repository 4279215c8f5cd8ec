//! The typed `info` answer, its 30-second cache, and addresses refused up front.

use tk_auth_http::{
    ClientOptions, HttpError, ServerVersion, SiteAuthMethod, SiteClient, site_info,
};
use tk_auth_site_emulator::SiteEmulator;

use crate::support;

#[tokio::test]
async fn info_is_typed() {
    let site = SiteEmulator::builder()
        .auth_method(SiteAuthMethod::Oxygen)
        .unified_login_flow(true)
        .app_session_launcher(false)
        .server_version([8, 50, 1])
        .start()
        .unwrap();
    let info = support::client(&site).info().await.unwrap();
    assert_eq!(
        info.user_authentication_method(),
        Some(SiteAuthMethod::Oxygen)
    );
    assert!(info.autodesk_identity_enabled());
    assert!(!info.sso_enabled());
    assert!(info.unified_login_flow_enabled());
    assert!(!info.app_session_launcher_enabled());
    assert_eq!(info.version(), Some(ServerVersion::new(8, 50, 1)));
}

#[tokio::test]
async fn info_is_cached_across_clients_of_the_same_site() {
    let site = SiteEmulator::builder()
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let first = support::client(&site).info().await.unwrap();
    let again = support::client(&site).info().await.unwrap();
    assert_eq!(first, again);
    assert!(again.sso_enabled());
    assert_eq!(site.calls("info"), 1);

    // Another site is another entry.
    let other = SiteEmulator::builder().start().unwrap();
    let other_info = site_info(other.url(), support::options()).await.unwrap();
    assert_eq!(
        other_info.user_authentication_method(),
        Some(SiteAuthMethod::Default)
    );
    assert_eq!(other.calls("info"), 1);
}

#[tokio::test]
async fn invalid_addresses_are_refused_before_any_request() {
    for url in [
        "",
        "mysite.shotgunstudio.com",
        "ftp://mysite",
        "https://",
        "http://https",
    ] {
        let err = site_info(url, ClientOptions::new()).await.unwrap_err();
        assert!(
            matches!(err, HttpError::InvalidSiteUrl { .. }),
            "{url}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("invalid Flow Production Tracking URL"),
            "{err}"
        );
    }
    assert!(
        SiteClient::new("https://bob:hunter2@", ClientOptions::new())
            .unwrap_err()
            .to_string()
            .contains("<redacted>")
    );
}

#[tokio::test]
async fn clients_can_opt_out_of_the_shared_info_cache() {
    let site = SiteEmulator::builder().start().unwrap();
    let uncached =
        || SiteClient::new(site.url(), support::options().site_info_cache(false)).unwrap();
    uncached().info().await.unwrap();
    uncached().info().await.unwrap();
    assert_eq!(site.calls("info"), 2);
    // What they read was not shared either: a caching client still asks once.
    support::client(&site).info().await.unwrap();
    assert_eq!(site.calls("info"), 3);
    support::client(&site).info().await.unwrap();
    assert_eq!(site.calls("info"), 3);
}
