//! Logs a person in to a local site through a scripted prompter, lets the session expire,
//! and makes a call that renews it — the whole life of a session in one run.
//!
//! ```text
//! cargo run -p tk-auth --example login_and_renew
//! ```
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::sync::Arc;

use tk_auth::{Answer, AuthOptions, Defaults, Env, ScriptedPrompter, ShotgunAuthenticator};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "correct horse"))
        .app_session_launcher(false)
        .start()?;
    let home = tempfile::tempdir()?;
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap_or_default())]);

    // The answers a person would type: the site, the login, the password — and the
    // password again when the session has expired.
    let prompter = Arc::new(ScriptedPrompter::new([
        Answer::site(site.url()),
        Answer::login("alice"),
        Answer::password("correct horse"),
        Answer::password("correct horse"),
    ]));
    let authenticator = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env)?,
        Arc::clone(&prompter),
        AuthOptions::new().environment(env),
    );

    let user = authenticator.get_user().await?;
    println!("logged in: {}", user.repr());
    let me = user.resolve_entity().await?;
    println!("resolved: {}", serde_json::Value::Object(me));

    site.expire_all_sessions();
    println!("the site expired every session");
    let connection = user.create_sg_connection()?;
    let anyone = connection
        .find_one("HumanUser", &serde_json::json!([]), &["login"])
        .await?;
    println!("call after renewal: {}", serde_json::json!(anyone));
    println!("questions asked: {:?}", prompter.asked_kinds());
    Ok(())
}
