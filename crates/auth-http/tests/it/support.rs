//! What every test module uses: quiet options, emulators, a test certificate authority.

use std::time::Duration;

use serde_json::{Map, Value, json};
use tk_auth_http::{Auth, ClientOptions, Env, HttpError, RetryPolicy, SiteClient};
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteEmulator, SiteEmulatorBuilder};
pub(crate) use tk_auth_test_support::TestCa;

pub(crate) const ALICE_PASSWORD: &str = "pw-Alice-canary-1";
pub(crate) const SCRIPT_KEY: &str = "key-canary-123";

/// No proxy or CA variables, whatever the machine running the tests has set.
pub(crate) fn quiet_env() -> Env {
    Env::empty()
}

/// Options for tests: a quiet environment, short timeouts, quick retries.
pub(crate) fn options() -> ClientOptions {
    ClientOptions::new()
        .environment(quiet_env())
        .timeout(Duration::from_secs(20))
        .retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_status_backoff(Duration::from_millis(5))
                .with_dropped_connection_interval(Duration::from_millis(5)),
        )
}

/// A site with `alice` (a person) and `farm_script` (a script).
pub(crate) fn builder() -> SiteEmulatorBuilder {
    SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", ALICE_PASSWORD).with_id(42))
        .script_user(ScriptAccount::new("farm_script", SCRIPT_KEY).with_id(7))
}

pub(crate) fn start() -> SiteEmulator {
    builder().start().expect("the emulator starts")
}

pub(crate) fn client(site: &SiteEmulator) -> SiteClient {
    SiteClient::new(site.url(), options()).expect("a client for the emulator")
}

/// Looks up the `HumanUser` named `login`, as most tests' one authenticated call.
pub(crate) async fn find_person(
    client: &SiteClient,
    auth: &Auth,
    login: &str,
) -> Result<Option<Map<String, Value>>, HttpError> {
    client
        .find_one(auth, "HumanUser", &json!([["login", "is", login]]), &[])
        .await
}

/// Looks up any `HumanUser` (empty filters): a call that only has to be authenticated.
pub(crate) async fn find_anyone(
    client: &SiteClient,
    auth: &Auth,
) -> Result<Option<Map<String, Value>>, HttpError> {
    client.find_one(auth, "HumanUser", &json!([]), &[]).await
}

/// Asserts that no secret used by the tests shows in `text`.
pub(crate) fn assert_no_secret(text: &str) {
    for secret in ["canary", ALICE_PASSWORD, SCRIPT_KEY] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// The full text of an error: its message, its sources and its `Debug`.
pub(crate) fn full_text(err: &tk_auth_http::HttpError) -> String {
    let mut text = format!("{err} / {err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(" / ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
