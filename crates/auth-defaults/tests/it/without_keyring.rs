//! Built without the feature `keyring`: asking for the keyring gives the file store, which
//! says the keyring is not built in.

use tk_auth_core::Secret;
use tk_auth_defaults::{Env, SessionCache, StoreBackend};

use crate::support::yaml_data;

const SITE: &str = "https://mysite.shotgunstudio.com";

#[test]
fn without_the_feature_the_keyring_asked_for_falls_back_to_the_file_store_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([
        ("SHOTGUN_HOME", dir.path().to_str().unwrap()),
        ("TK_AUTH_STORE", "keyring"),
    ]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    let backend = cache.backend();
    let StoreBackend::File {
        fallback_reason: Some(why),
    } = &backend
    else {
        panic!("expected the file store with a reason, got {backend:?}");
    };
    assert!(why.contains("not built in"), "{why}");
    assert!(why.contains("feature `keyring`"), "{why}");
    assert!(
        backend
            .to_string()
            .starts_with("file (keyring unavailable: "),
        "{backend}"
    );
    cache
        .cache_session_data(SITE, "bob", &Secret::new("t"), None)
        .unwrap();
    let text = std::fs::read_to_string(cache.site_file(SITE).unwrap()).unwrap();
    assert_eq!(yaml_data(&text)["users"][0]["session_token"], "t");
}
