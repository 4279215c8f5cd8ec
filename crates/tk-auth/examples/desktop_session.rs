//! A desktop tool whose session expires while it runs: the login window asks for the
//! password once, in renewal mode, however many of the tool's threads were calling the site.
//!
//! ```text
//! cargo run -p tk-auth --features gui --example desktop_session [-- --threads 8] [--two-factor] [--browser-approval]
//! ```
//!
//! A local site is started for the run (user `alice`, password `correct horse`; with
//! `--two-factor`, backup codes `1111-2222` and `3333-4444` too). The window first logs in (site filled in:
//! type the login and password), then the site expires every session and the threads'
//! calls wait for the one renewal. `RUST_LOG` (e.g. `tk_auth=debug`) logs to stderr.
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::io::Write as _;
use std::sync::Arc;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use tk_auth::{AuthOptions, Defaults, Env, GuiPrompter, ShotgunAuthenticator};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(filter) = Env::process().var(tk_auth::env::RUST_LOG) {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish()
            .with(filter.parse::<Targets>()?)
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(6), |n| n.parse::<usize>())?;
    let mut alice = HumanAccount::new("alice", "correct horse");
    if args.iter().any(|a| a == "--two-factor") {
        alice = alice
            .with_totp_secret("JBSWY3DPEHPK3PXP")
            .with_backup_codes(["1111-2222", "3333-4444"]);
    }
    let site = SiteEmulator::builder()
        .human_user(alice)
        .app_session_launcher(args.iter().any(|a| a == "--browser-approval"))
        .start()?;
    let home = tempfile::tempdir()?;
    // This process's environment (the display, above all), with a session cache of its own.
    let home = home.path().to_str().unwrap_or_default().to_owned();
    let env = Env::from_pairs(
        Env::process()
            .vars()
            .into_iter()
            .filter(|(name, _)| name != "SHOTGUN_HOME")
            .chain([("SHOTGUN_HOME".to_owned(), home)]),
    );

    let prompter = GuiPrompter::new()?;
    let authenticator = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env)?,
        prompter,
        // The approval page of the local site is not opened in a real browser.
        AuthOptions::new().environment(env).open_browser(|_| true),
    );
    println!("site: {}", site.url());
    std::io::stdout().flush()?;

    let user = authenticator
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .host_fixed(tk_auth::HostFixed::Asked),
        )
        .await?;
    println!("logged in: {}", user.repr());

    let expired = site.expire_all_sessions();
    println!("the site expired {expired} session(s); {threads} threads call it now");
    std::io::stdout().flush()?;
    let connection = Arc::new(user.create_sg_connection()?);
    let calls: Vec<_> = (0..threads)
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
        if call.await?.is_ok() {
            answered += 1;
        }
    }
    println!("renewed: {answered} of {threads} calls answered after one renewal");
    Ok(())
}
