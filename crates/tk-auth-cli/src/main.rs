//! `tk-auth`: log in to Flow Production Tracking sites, inspect stored sessions and user
//! payloads, and run a local site emulator.
//!
//! Exit codes: see `exit.rs` (and `tk-auth --help`).

mod authenticator;
#[cfg(feature = "emulator")]
mod emulator;
mod exit;
mod login;
mod payload;
mod prompters;
mod session;
mod token;
mod whoami;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Log in to Flow Production Tracking sites and share the session with other tools.
#[derive(Debug, Parser)]
#[command(
    name = "tk-auth",
    version,
    propagate_version = true,
    after_help = exit::EXIT_CODES_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Encode or decode the serialized users that Toolkit processes hand to each other.
    #[command(subcommand)]
    Payload(payload::PayloadCommand),
    /// Run a local Flow Production Tracking site for tests, demos and offline development.
    #[cfg(feature = "emulator")]
    Emulator(emulator::EmulatorArgs),
    /// Show the current site and user and whether a session is stored (no network).
    Status(session::StatusArgs),
    /// List the sites recently logged in to, most recent first.
    Sites(session::SitesArgs),
    /// List the users recently logged in to a site, most recent first.
    Users(session::UsersArgs),
    /// Forget the stored session of the default (or given) site and user.
    Logout(session::LogoutArgs),
    /// Log in to a site and make that person the current user (also for the Python Toolkit).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Login(login::LoginArgs),
    /// Show who the current user is on the site (renews an expired session).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Whoami(whoami::WhoamiArgs),
    /// Print the stored session token of the current (or given) user, for scripts.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Token(token::TokenArgs),
}

fn main() -> ExitCode {
    // `Targets` rather than `EnvFilter`: the same `target=level` directives without a regex
    // engine in the build.
    let filter = tk_auth_core::Env::process()
        .var(tk_auth_core::env::TK_AUTH_LOG)
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::WARN));
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Payload(cmd) => payload::run(cmd),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(&args),
        Command::Status(args) => session::status(&args),
        Command::Sites(args) => session::sites(&args),
        Command::Users(args) => session::users(&args),
        Command::Logout(args) => session::logout(&args),
        Command::Login(args) => login::login(&args),
        Command::Whoami(args) => whoami::whoami(&args),
        Command::Token(args) => token::token(&args),
    };
    exit::report(outcome)
}
