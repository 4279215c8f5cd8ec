//! What a caller gets back when renewing does not help: the renewal's own error, without
//! repeating the call; the site's refusal after one repeat; other failures as they are.

use std::sync::Arc;
use std::time::Duration;

use tk_auth::{Answer, ScriptedPrompter};
use tk_auth_site_emulator::Fault;

use crate::support::{ALICE_PASSWORD, Home, builder, expired_user, whoami};

/// The error and its causes, one per line.
fn chain(err: &tk_auth::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push('\n');
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn a_failed_renewal_is_returned_as_it_is_and_the_call_is_not_repeated() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::Cancel]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    site.reset_calls();
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(err.to_string(), "Authentication was cancelled by the user.");
    assert_eq!(site.calls("read"), 1, "only the refused call");
    assert_eq!(site.calls("get_session_token"), 0);
}

#[tokio::test]
async fn a_site_that_refuses_the_renewed_session_too_gets_its_refusal_back_after_one_repeat() {
    // Sessions expire as soon as they are issued: the renewed one is refused as well.
    let site = builder().session_lifetime(Duration::ZERO).start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    site.reset_calls();
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    assert!(
        chain(&err).contains("has expired or is no longer valid: log in again"),
        "{}",
        chain(&err)
    );
    assert_eq!(prompter.asked_kinds(), ["session_expired", "password"]);
    assert_eq!(site.calls("get_session_token"), 1, "one renewal");
    assert_eq!(site.calls("read"), 2, "the refused call and one repeat");
}

#[tokio::test]
async fn wrong_passwords_fail_the_renewal_and_the_next_call_asks_again() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([
        Answer::password("wrong-1"),
        Answer::password("wrong-2"),
        Answer::password("wrong-3"),
    ]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let user = expired_user(&auth, &site, "alice").await;
    let connection = user.create_sg_connection().unwrap();
    let err = whoami(&connection, "alice").await.unwrap_err();
    assert_eq!(err.python_class(), "AuthenticationError", "{err}");
    assert_eq!(
        prompter.asked_kinds(),
        [
            "session_expired",
            "password",
            "error",
            "password",
            "error",
            "password"
        ]
    );
    prompter.push([Answer::password(ALICE_PASSWORD)]);
    whoami(&connection, "alice").await.unwrap();
    assert_eq!(
        prompter.asked_kinds()[6..],
        ["session_expired", "password"],
        "a new renewal"
    );
}

#[tokio::test]
async fn a_site_in_trouble_is_reported_as_such_and_never_renews() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let prompter = Arc::new(ScriptedPrompter::new([Answer::password(ALICE_PASSWORD)]));
    let auth = home.authenticator(Arc::clone(&prompter));
    let (user, _) = crate::support::session_user(&auth, &site, "alice").await;
    // More than the client's tries.
    site.queue_fault(Fault::Status(503), 10);
    let err = whoami(&user.create_sg_connection().unwrap(), "alice")
        .await
        .unwrap_err();
    site.clear_faults();
    assert!(err.is_unreachable(), "{err}");
    assert!(
        chain(&err).contains("is unavailable (HTTP 503)"),
        "{}",
        chain(&err)
    );
    assert!(prompter.asked().is_empty(), "{:?}", prompter.asked_kinds());
    assert_eq!(site.calls("get_session_token"), 0);
}
