//! The keyring store: used when it works here, otherwise the file store with the reason.

use tk_auth_core::Secret;
use tk_auth_defaults::{Env, SecretStore, SessionCache, StoreBackend};

use crate::support::yaml_data;

const SITE: &str = "https://mysite.shotgunstudio.com";

#[test]
fn ci_never_tries_the_keyring_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([
        ("SHOTGUN_HOME", dir.path().to_str().unwrap()),
        ("TK_AUTH_STORE", "keyring"),
        ("CI", "true"),
    ]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    assert_eq!(
        cache.backend(),
        StoreBackend::File {
            fallback_reason: Some("CI is set".to_owned())
        }
    );
    cache
        .cache_session_data(SITE, "bob", &Secret::new("t"), None)
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    assert_eq!(
        yaml_data(&text)["users"][0]["session_token"],
        "t",
        "the fallback stores in the file"
    );
}

#[test]
fn keyring_store_keeps_tokens_out_of_the_file_or_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecretStore::keyring(&Env::from_pairs::<&str, &str>([]));
    let backend = store.backend();
    let cache = SessionCache::at(dir.path()).with_secret_store(store);
    let login = format!("kr-{}", std::process::id());
    cache
        .cache_session_data(
            SITE,
            &login,
            &Secret::new("kr-token"),
            Some(&Secret::new("kr-meta")),
        )
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    let data = yaml_data(&text);
    assert_eq!(data["users"][0]["login"], login.as_str());
    let got = cache.get_session_data(SITE, &login).unwrap().unwrap();
    assert_eq!(got.session_token.expose(), "kr-token");
    assert_eq!(got.session_metadata.unwrap().expose(), "kr-meta");
    match backend {
        StoreBackend::Keyring { .. } => {
            assert!(!text.contains("kr-token"), "the file keeps the login only");
        }
        StoreBackend::File { fallback_reason } => {
            assert!(fallback_reason.is_some(), "a fallback says why");
            assert!(text.contains("kr-token"));
        }
        other => panic!("unexpected backend {other:?}"),
    }
    cache.delete_session_data(SITE, &login).unwrap();
    assert!(cache.get_session_data(SITE, &login).unwrap().is_none());
}
