//! `tk-auth`: log in to Flow Production Tracking sites, inspect stored sessions and user
//! payloads, and run a local site emulator.
//!
//! Exit codes (docs/cli.md): 0 success; 1 the operation failed (site unreachable, …);
//! 2 bad usage or input (a malformed payload, a bad argument); 4 authentication required
//! (nobody logged in, or a session that expired and cannot be renewed here).

mod completions;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
mod exit;
mod logging;
mod output;
mod payload;
mod runtime;
mod session;
mod status;

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory as _, Parser, Subcommand};

/// Log in to Flow Production Tracking sites and share the session with other tools.
#[derive(Debug, Parser)]
#[command(
    name = "tk-auth",
    version,
    propagate_version = true,
    after_help = "Exit codes: 0 success, 1 error, 2 bad usage or input, 4 authentication required.\n\
                  Logging: -v, -vv, -vvv, or TK_AUTH_LOG / RUST_LOG directives (to stderr).\n\
                  Colours: off when NO_COLOR is set or the output is not a terminal."
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
    /// Show the current site and user, where the secret is kept and whether a session is
    /// stored; `--check` asks the site whether it is still valid.
    Status(status::StatusArgs),

    /// List the sites recently logged in to, most recent first.
    Sites(session::SitesArgs),

    /// List the users recently logged in to a site, most recent first.
    Users(session::UsersArgs),

    /// Forget the stored session of the default (or given) site and user.
    Logout(session::LogoutArgs),

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
    let env = tk_auth_core::Env::process();
    let cli = Cli::parse();
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
        Command::Completions(args) => completions::run(&args, Cli::command()),
    };
    exit::report(outcome)
}
