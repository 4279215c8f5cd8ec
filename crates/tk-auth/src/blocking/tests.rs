//! Where blocking calls run, and whose runtime they use.

use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use tk_auth_core::{Env, Format};
use tk_auth_defaults::Defaults;
use tk_auth_prompt::NonInteractivePrompter;

use super::ShotgunAuthenticator;
use crate::{AuthOptions, SessionCredentials};

const SITE: &str = "https://mysite.shotgunstudio.com";
/// A safety net only: every wait below ends at once when the code is right.
const NEVER: Duration = Duration::from_mins(2);

fn authenticator(home: &tempfile::TempDir) -> ShotgunAuthenticator {
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        NonInteractivePrompter,
        AuthOptions::new().environment(env),
    )
}

/// The handle of the runtime `authenticator`'s network calls run on (starting it).
fn runtime_of(authenticator: &ShotgunAuthenticator) -> tokio::runtime::Handle {
    authenticator
        .runtime
        .run(async { tokio::runtime::Handle::current() })
        .unwrap()
}

/// Whether a task spawned on `runtime` runs.
fn runs_tasks(runtime: &tokio::runtime::Handle) -> bool {
    let (sender, receiver) = sync_channel(1);
    runtime.spawn(async move { sender.send(()).unwrap() });
    match receiver.recv_timeout(NEVER) {
        Ok(()) => true,
        // The task was dropped without running: the runtime has ended.
        Err(RecvTimeoutError::Disconnected) => false,
        Err(RecvTimeoutError::Timeout) => panic!("the task neither ran nor was dropped"),
    }
}

#[test]
fn two_blocking_authenticators_do_not_share_a_runtime_and_a_dropped_ones_ends() {
    let home = tempfile::tempdir().unwrap();
    let (first, second) = (authenticator(&home), authenticator(&home));
    let (first_runtime, second_runtime) = (runtime_of(&first), runtime_of(&second));
    drop(first);
    assert!(
        !runs_tasks(&first_runtime),
        "the dropped authenticator's runtime ended"
    );
    assert!(runs_tasks(&second_runtime), "the other one's goes on");
}

#[test]
fn clones_users_and_connections_share_the_runtime_and_keep_it_while_any_lives() {
    let home = tempfile::tempdir().unwrap();
    let auth = authenticator(&home);
    let runtime = runtime_of(&auth);
    let clone = auth.clone();
    let user = auth
        .create_session_user(
            "jdoe",
            SessionCredentials::token("tok"),
            crate::UserOptions::new().site(SITE),
        )
        .unwrap();
    let connection = user.create_sg_connection().unwrap();
    drop(auth);
    drop(clone);
    assert!(runs_tasks(&runtime), "the user keeps it");
    drop(user);
    assert!(runs_tasks(&runtime), "the connection keeps it");
    drop(connection);
    assert!(!runs_tasks(&runtime), "the last owner ended it");
}

#[test]
fn calls_on_local_files_run_without_a_runtime() {
    let home = tempfile::tempdir().unwrap();
    let auth = authenticator(&home);
    let user = auth
        .create_session_user(
            "jdoe",
            SessionCredentials::token("tok"),
            crate::UserOptions::new().site(SITE),
        )
        .unwrap();
    auth.set_current_user(&user).unwrap();
    assert_eq!(auth.get_default_host().unwrap(), Some(SITE.into()));
    auth.get_default_http_proxy().unwrap();
    let default = auth.get_default_user().unwrap().unwrap();
    let payload = crate::serialize_user(&default, Format::Json);
    assert_eq!(auth.deserialize_user(&payload).unwrap().repr(), user.repr());
    auth.create_session_user(
        "jdoe",
        SessionCredentials::Cached,
        crate::UserOptions::new().site(SITE),
    )
    .unwrap();
    auth.create_script_user("farm", "key", crate::UserOptions::new().site(SITE))
        .unwrap();
    assert!(auth.clear_default_user().unwrap().is_some());
    user.create_sg_connection().unwrap();
    assert!(!auth.runtime.is_started(), "no call needed the runtime");
    assert!(!user.runtime.is_started());
}

#[tokio::test]
async fn a_blocking_authenticator_dropped_inside_an_async_task_does_not_panic() {
    let home = tempfile::tempdir().unwrap();
    let auth = tokio::task::spawn_blocking(move || {
        let auth = authenticator(&home);
        runtime_of(&auth);
        (auth, home)
    })
    .await
    .unwrap();
    assert!(auth.0.runtime.is_started());
    // A runtime dropped the plain way here panics: blocking is not allowed in async code.
    tokio::spawn(async move { drop(auth) }).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_blocking_call_works_inside_a_runtimes_blocking_context() {
    let home = tempfile::tempdir().unwrap();
    let answer = tokio::task::spawn_blocking(move || {
        let auth = authenticator(&home);
        auth.runtime.run(async { 42 }).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(answer, 42);
}
