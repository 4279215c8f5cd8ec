//! The login window on its own, without a site: it asks for a site, a login, a password and
//! a two-factor code, as a login would, and prints what was answered (never the secrets).
//!
//! ```text
//! cargo run -p tk-auth-prompt --features gui --example login_window
//! TK_AUTH_THEME=dark cargo run -p tk-auth-prompt --features gui --example login_window
//! ```
//!
//! Small enough to cross-build for Windows and run under Wine (`cargo xtask gui-smoke
//! --windows`). `RUST_LOG=tk_auth_prompt=debug` logs each page the window shows to stderr.
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::io::Write as _;

use tk_auth_prompt::{
    GuiPrompter, LoginQuestion, PasswordQuestion, Prompter, SiteQuestion, TwoFactorQuestion,
};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(filter) = tk_auth_core::Env::process().var(tk_auth_core::env::RUST_LOG) {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish()
            .with(filter.parse::<Targets>()?)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let prompter = GuiPrompter::new()?;
    let outcome = runtime.block_on(ask(&prompter));
    runtime.block_on(prompter.finished());
    outcome
}

async fn ask(prompter: &GuiPrompter) -> Result<(), Box<dyn std::error::Error>> {
    let site = tk_auth_core::Site::new(prompter.site(&SiteQuestion::default()).await?);
    say(&format!("site: {site}"))?;
    let question = LoginQuestion {
        site: site.clone(),
        ..Default::default()
    };
    let login = prompter.login(&question).await?;
    say(&format!("login: {login}"))?;
    let question = PasswordQuestion {
        site: site.clone(),
        login: login.clone(),
        renewal: false,
        attempt: 1,
    };
    let password = prompter.password(&question).await?;
    say(&format!(
        "password: {} typed",
        if password.is_empty() { "none" } else { "one" }
    ))?;
    let code = prompter
        .two_factor_code(&TwoFactorQuestion { site, login })
        .await?;
    say(&format!(
        "code: {} typed",
        if code.is_empty() { "none" } else { "one" }
    ))?;
    Ok(())
}

fn say(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}
