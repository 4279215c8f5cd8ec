//! The login flow through the login dialog (feature `gui`), drawn headless: a login, then one
//! renewal for many callers, typed through the dialog's accessibility tree.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tk_auth::{Defaults, GuiPrompter, ShotgunAuthenticator};

use crate::support::{ALICE_PASSWORD, Home, builder, options};

fn on_a_thread<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> JoinHandle<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
}

fn wait_for(harness: &mut Harness<'_>, label: &str) {
    let start = Instant::now();
    loop {
        harness.step();
        if harness.query_by_label_contains(label).is_some() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no {label:?} in {:#?}",
            harness.root()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn type_into(harness: &mut Harness<'_>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.step();
    harness.get_by_label(label).type_text(text);
    harness.step();
    harness.step();
}

fn click(harness: &mut Harness<'_>, label: &str) {
    harness.get_by_label(label).click();
    harness.step();
    harness.step();
}

fn done<T>(handle: JoinHandle<T>, harness: &mut Harness<'_>) -> T {
    let start = Instant::now();
    while !handle.is_finished() {
        harness.step();
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no answer; the dialog: {:#?}",
            harness.root()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    handle.join().unwrap()
}

#[test]
fn a_login_then_one_renewal_for_many_callers_go_through_the_login_dialog() {
    let site = builder().start().unwrap();
    let home = Home::new();
    let (prompter, dialog) = GuiPrompter::embedded(|_| true);
    let authenticator = Arc::new(ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&home.env).unwrap(),
        prompter,
        options(&home.env),
    ));
    let drawn = dialog.clone();
    let mut harness = Harness::builder()
        .with_size([520.0, 380.0])
        .build_ui(move |ui| drawn.ui(ui));

    let url = site.url().to_owned();
    let auth = Arc::clone(&authenticator);
    let login = on_a_thread(async move {
        auth.get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(&url)
                .host_fixed(tk_auth::HostFixed::Asked),
        )
        .await
    });
    wait_for(&mut harness, "Login:");
    type_into(&mut harness, "Login:", "alice");
    type_into(&mut harness, "Password:", ALICE_PASSWORD);
    click(&mut harness, "Sign In");
    let user = done(login, &mut harness).unwrap();
    assert_eq!(user.login().as_deref(), Some("alice"));
    assert!(!dialog.is_open(), "the dialog closes when the login ends");

    site.expire_all_sessions();
    let connection = Arc::new(user.create_sg_connection().unwrap());
    let calls = on_a_thread(async move {
        let calls: Vec<_> = (0..6)
            .map(|_| {
                let connection = Arc::clone(&connection);
                tokio::spawn(async move {
                    connection
                        .find_one("HumanUser", &serde_json::json!([]), &["login"])
                        .await
                })
            })
            .collect();
        let mut answered = 0;
        for call in calls {
            if call.await.unwrap().is_ok() {
                answered += 1;
            }
        }
        answered
    });
    wait_for(
        &mut harness,
        "Your session has expired. Please enter your password.",
    );
    // The site and login come from the session, not from the fields.
    assert_eq!(
        harness.get_by_label("Login:").value().as_deref(),
        Some("alice")
    );
    type_into(&mut harness, "Password:", ALICE_PASSWORD);
    click(&mut harness, "Sign In");
    // One password answers every caller: a second question would leave them waiting.
    assert_eq!(done(calls, &mut harness), 6);
    assert!(!dialog.is_open());
}
