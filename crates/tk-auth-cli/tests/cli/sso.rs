//! `tk-auth status` and `tk-auth renew` on a single sign-on site, with the session a
//! Python web login left: the claims' expiry shown, a headless renewal saved for everyone,
//! and exit code 4 when the identity provider wants a person and nobody may be asked.

use std::path::Path;

use tk_auth::core::Secret;
use tk_auth::core::cookies::{get_saml_claims_expiration, get_session_id};
use tk_auth::defaults::SessionCache;
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

use crate::json_schemas::assert_matches;
use crate::support::tk_auth;

fn site() -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(42))
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap()
}

/// A `SHOTGUN_HOME` holding alice's web login as a Python process stores it (token and
/// browser cookies), alice current on the site.
fn web_login_home(site: &SiteEmulator) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let jar = Secret::new(site.web_login_cookies("alice").unwrap());
    let token = get_session_id(Some(jar.expose())).unwrap();
    let cache = SessionCache::at(home.path());
    cache
        .cache_session_data(site.url(), "alice", &token, Some(&jar))
        .unwrap();
    cache.set_current_host(site.url()).unwrap();
    cache.set_current_user(site.url(), "alice").unwrap();
    home
}

fn stored_jar(home: &Path, site: &SiteEmulator) -> Secret {
    SessionCache::at(home)
        .get_session_data(site.url(), "alice")
        .unwrap()
        .unwrap()
        .session_metadata
        .unwrap()
}

#[test]
fn status_shows_when_the_claims_expire() {
    let site = site();
    let home = web_login_home(&site);
    let claims = get_saml_claims_expiration(Some(stored_jar(home.path(), &site).expose()))
        .unwrap()
        .unwrap();
    let out = tk_auth(home.path())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let value = assert_matches("status", &out);
    assert_eq!(value["claims_expiration"], claims);
    assert_eq!(value["claims"], "valid");
    let text = tk_auth(home.path()).arg("status").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("claims expire:") && l.contains("GMT (in ")),
        "{text}"
    );
}

#[test]
fn renew_headless_renews_from_the_cookies_and_saves_the_new_session() {
    let site = site();
    let home = web_login_home(&site);
    let before = stored_jar(home.path(), &site);
    site.expire_saml_claims();
    let out = tk_auth(home.path())
        .args(["renew", "--headless", "--json"])
        .output()
        .unwrap();
    let value = assert_matches("renew", &out);
    assert_eq!(value["renewed_by"], "headless");
    assert_eq!(value["claims"], "valid");
    assert_eq!(value["login"], "alice");
    let after = stored_jar(home.path(), &site);
    assert_ne!(
        get_session_id(Some(after.expose())),
        get_session_id(Some(before.expose()))
    );
    assert_eq!(
        value["claims_expiration"],
        get_saml_claims_expiration(Some(after.expose()))
            .unwrap()
            .unwrap()
    );
    assert_eq!(site.sso_stats().assertions_consumed, 1);
    // The text form says how.
    let out = tk_auth(home.path()).arg("renew").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("by the identity provider, without a person"),
        "{text}"
    );
}

#[test]
fn renew_headless_exits_4_when_the_identity_provider_wants_a_person() {
    let site = site();
    let home = web_login_home(&site);
    let before = stored_jar(home.path(), &site);
    site.expire_idp_sessions();
    let out = tk_auth(home.path())
        .args(["renew", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // It says who, and why the cookies were not enough.
    assert!(stderr.contains("alice"), "{stderr}");
    assert!(stderr.contains("stopped at a login form"), "{stderr}");
    // Nothing stored was lost.
    assert_eq!(stored_jar(home.path(), &site), before);
}
