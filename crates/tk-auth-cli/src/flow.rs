//! `tk-auth flow`: Flow (Autodesk Platform Services) access tokens, shared with the Python
//! Toolkit through its token file.

use std::io::IsTerminal;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tk_auth::blocking::FlowAuth;
use tk_auth::prompt::terminal_safe;
use tk_auth::{FlowStatus, Secret};

use crate::authenticator::Setup;
use crate::exit::{Failure, Outcome};
use crate::output::print;

/// The `tk-auth flow` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum FlowCommand {
    /// Log in through the browser now and store new tokens.
    Login(FlowArgs),
    /// Print an access token with at least 5 minutes left (refreshed, or a browser login,
    /// when needed), for scripts.
    Token(FlowTokenArgs),
    /// Show the stored tokens' state (no network).
    Status(FlowStatusArgs),
    /// Forget the profile's stored tokens.
    Logout(FlowArgs),
}

/// Options every `tk-auth flow` command takes.
#[derive(Debug, Args)]
pub(crate) struct FlowArgs {
    /// The profile the tokens are stored under (default: your account name, as the Python
    /// Toolkit chooses it).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// How long a browser login waits for the browser to come back.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Do not open a browser: print the login page's address instead.
    #[arg(long)]
    no_browser: bool,
}

/// Options of `tk-auth flow token`.
#[derive(Debug, Args)]
pub(crate) struct FlowTokenArgs {
    #[command(flatten)]
    common: FlowArgs,
    /// Print JSON (schema: docs/schemas/flow-token.schema.json).
    #[arg(long)]
    json: bool,
}

/// Options of `tk-auth flow status`.
#[derive(Debug, Args)]
pub(crate) struct FlowStatusArgs {
    #[command(flatten)]
    common: FlowArgs,
    /// Print JSON (schema: docs/schemas/flow-status.schema.json).
    #[arg(long)]
    json: bool,
}

/// Runs a `tk-auth flow` command.
pub(crate) fn run(command: &FlowCommand) -> Outcome {
    match command {
        FlowCommand::Login(args) => {
            let flow = handle(args, true)?;
            let token = flow.login().map_err(Failure::from_auth)?;
            let valid = match expiry(&token).map(|at| at.duration_since(SystemTime::now())) {
                Some(Ok(left)) => format!("access token valid for {} min", left.as_secs() / 60),
                Some(Err(_)) => "the access token has already expired".to_owned(),
                None => "the access token says no expiry".to_owned(),
            };
            print(&terminal_safe(&format!(
                "Logged in to Flow as profile {} ({valid}).",
                flow.profile()
            )));
            Ok(())
        }
        FlowCommand::Token(args) => token(args),
        FlowCommand::Status(args) => status(args),
        FlowCommand::Logout(args) => {
            let flow = handle(args, false)?;
            let removed = flow.logout().map_err(Failure::from_auth)?;
            let what = if removed {
                "Forgot the Flow tokens of profile"
            } else {
                "No Flow tokens were stored for profile"
            };
            print(&terminal_safe(&format!("{what} {}.", flow.profile())));
            Ok(())
        }
    }
}

/// The Flow handle of `args`, on the process's authenticator and prompter; for a `login`
/// asked for, without a terminal, the page is shown on stderr and the browser awaited.
fn handle(args: &FlowArgs, login: bool) -> Result<FlowAuth, Failure> {
    let setup = Setup::from_process()?;
    let open_browser = setup.can_open_browser(args.no_browser);
    let mut prompter = setup.prompter(open_browser, None)?;
    if login {
        prompter = crate::login::browser_wait::or_browser_wait(&setup, prompter, open_browser);
    }
    let authenticator = setup.authenticator(prompter, open_browser, |o| o);
    let mut flow = authenticator
        .flow_auth()
        .map_err(Failure::from_auth)?
        .with_login_timeout(Duration::from_secs(args.timeout.max(1)));
    if let Some(profile) = &args.profile {
        flow = flow.with_profile(profile.clone());
    }
    Ok(flow)
}

#[allow(clippy::print_stderr)] // the command's warning
fn token(args: &FlowTokenArgs) -> Outcome {
    let flow = handle(&args.common, false)?;
    let token = flow.access_token().map_err(Failure::from_auth)?;
    if args.json {
        print(&token_json(&flow, &token).to_string());
        return Ok(());
    }
    if std::io::stdout().is_terminal() {
        eprintln!("warning: this token acts as you on Flow; do not share it");
    }
    print(token.expose());
    Ok(())
}

fn token_json(flow: &FlowAuth, token: &Secret) -> Value {
    json!({
        "access_token": token.expose(),
        "token_type": "Bearer",
        "expires_at": expiry(token).map(epoch_seconds),
        "profile": flow.profile(),
        "application_id": flow.settings().application_id,
    })
}

fn status(args: &FlowStatusArgs) -> Outcome {
    let flow = handle(&args.common, false)?;
    let status = flow.status().map_err(Failure::from_auth)?;
    if args.json {
        print(&status_json(&status).to_string());
        return Ok(());
    }
    let access = match status
        .access_token_expires_at
        .map(|at| at.duration_since(SystemTime::now()))
    {
        Some(Ok(left)) if status.access_token_usable => {
            format!("valid for {} min", left.as_secs() / 60)
        }
        Some(Ok(left)) => format!(
            "expiring in {} s (under 5 minutes left: refreshed before use)",
            left.as_secs()
        ),
        Some(Err(past)) => format!("expired {} min ago", past.duration().as_secs() / 60),
        None => "none".to_owned(),
    };
    let text = format!(
        "Flow application: {}\nAuthorization server: {}\nProfile: {}\nToken file: {}\nAccess token: {access}\nRefresh token: {}",
        status.application_id,
        status.base_url,
        status.profile,
        status.token_file.display(),
        if status.has_refresh_token {
            "stored"
        } else {
            "none"
        },
    );
    // Line by line: a line is kept whole, its control characters shown.
    for line in text.lines() {
        print(&terminal_safe(line));
    }
    Ok(())
}

fn status_json(status: &FlowStatus) -> Value {
    json!({
        "application_id": status.application_id,
        "base_url": status.base_url,
        "profile": status.profile,
        "token_file": status.token_file.display().to_string(),
        "access_token_expires_at": status.access_token_expires_at.map(epoch_seconds),
        "access_token_usable": status.access_token_usable,
        "has_refresh_token": status.has_refresh_token,
    })
}

/// When `token` expires, from its JWT `exp` (read without verifying it).
fn expiry(token: &Secret) -> Option<SystemTime> {
    let exp = tk_auth::core::jwt_expiry(token.expose())?;
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(exp).ok()?)
}

/// Whole seconds since the epoch.
fn epoch_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
