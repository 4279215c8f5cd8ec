//! `tk-auth`: log in to Flow Production Tracking sites, inspect stored sessions and user
//! payloads, and run a local site emulator.
//!
//! Exit codes: see `exit.rs` (and `tk-auth --help`); docs/cli.md describes every command.

mod authenticator;
mod completions;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
mod exit;
mod flow;
mod logging;
mod login;
mod output;
mod payload;
mod prompters;
mod renew;
mod rest_token;
mod session;
mod session_life;
mod site_arg;
mod status;
mod token;
mod whoami;

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory as _, Parser, Subcommand};

/// Log in to Flow Production Tracking sites and share the session with other tools.
#[derive(Debug, Parser)]
#[command(
    name = "tk-auth",
    version,
    propagate_version = true,
    after_help = exit::EXIT_CODES_HELP
)]
struct Cli {
    /// More log messages on stderr: -v info, -vv debug, -vvv trace (secrets are never logged).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

// One variant per command, in the order `--help` lists them.
#[derive(Debug, Subcommand)]
enum Command {
    /// Log in to a site and make that person the current user (also for the Python Toolkit).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Login(login::LoginArgs),

    /// Show who the current user is on the site (renews an expired session).
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Whoami(whoami::WhoamiArgs),

    /// Print the stored session token of the current (or given) user, for scripts.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Token(token::TokenArgs),

    /// Print a REST API access token of the current user (or the configured script), for
    /// scripts that call the site's REST API.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    RestToken(rest_token::RestTokenArgs),

    /// Renew the current user's session now: from its stored cookies without a person when
    /// the site's identity provider still knows them, else by asking.
    #[command(after_help = exit::EXIT_CODES_HELP)]
    Renew(renew::RenewArgs),

    /// Show the current site and user, where the secret is kept, whether a session is
    /// stored and when its SSO claims expire; `--check` asks the site whether it is valid.
    Status(status::StatusArgs),

    /// List the sites recently logged in to, most recent first.
    Sites(session::SitesArgs),

    /// List the users recently logged in to a site, most recent first.
    Users(session::UsersArgs),

    /// Forget the stored session of the default (or given) site and user.
    Logout(session::LogoutArgs),

    /// Flow (Autodesk Platform Services) access tokens, shared with the Python Toolkit:
    /// log in, print a token, show or forget the stored ones.
    #[command(subcommand, after_help = exit::EXIT_CODES_HELP)]
    Flow(flow::FlowCommand),

    /// Export, encode or decode the serialized users that Toolkit processes hand each other.
    #[command(subcommand)]
    Payload(payload::PayloadCommand),

    /// Run a local Flow Production Tracking site for tests, demos and offline development.
    #[cfg(feature = "emulator")]
    Emulator(emulator::EmulatorArgs),

    /// Walk through a session's life on a local site: log in, status, expiry, renewal,
    /// payload (nothing touches your own session files).
    #[cfg(feature = "emulator")]
    Demo(demo::DemoArgs),

    /// Print the shell completion script: `tk-auth completions bash > …`.
    Completions(completions::CompletionsArgs),
}

fn main() -> ExitCode {
    let env = tk_auth::core::Env::process();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::clap_exit(&e, logging::colour_allowed(&env)),
    };
    logging::init(&env, cli.verbose);
    let outcome = match cli.command {
        Command::Status(args) => status::status(&args),
        Command::Sites(args) => session::sites(&args),
        Command::Users(args) => session::users(&args),
        Command::Logout(args) => session::logout(&args),
        Command::Payload(cmd) => payload::run(cmd),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(&args),
        #[cfg(feature = "emulator")]
        Command::Demo(args) => demo::run(&args, logging::colour_allowed(&env)),
        Command::Completions(args) => {
            completions::run(&args, Cli::command());
            Ok(())
        }
        Command::Login(args) => login::login(&args),
        Command::Whoami(args) => whoami::whoami(&args),
        Command::Token(args) => token::token(&args),
        Command::Flow(cmd) => flow::run(&cmd),
        Command::RestToken(args) => rest_token::rest_token(&args),
        Command::Renew(args) => renew::renew(&args),
    };
    exit::report(output::finish(outcome))
}
