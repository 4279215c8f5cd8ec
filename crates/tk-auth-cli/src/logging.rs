//! Where the command's log messages go: `tracing` to stderr, chosen by `-v`, `TK_AUTH_LOG`
//! or `RUST_LOG`, coloured only for a terminal and never under `NO_COLOR`.

use std::io::IsTerminal as _;

use tk_auth::core::{Env, env};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Whether the command may write colours to a stream that is a terminal: not when
/// `NO_COLOR` is set to anything but the empty string.
pub(crate) fn colour_allowed(env: &Env) -> bool {
    env.var(env::NO_COLOR).is_none_or(|v| v.is_empty())
}

/// The default level for `verbose` repetitions of `-v` (none: warnings and errors).
fn level(verbose: u8) -> LevelFilter {
    match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// The filter: `TK_AUTH_LOG`, else `RUST_LOG`, else warnings; `-v` raises the default
/// level and keeps the per-crate directives. Directives that do not parse are named on
/// stderr and ignored, so a typo never stops the command.
fn filter(env: &Env, verbose: u8) -> Targets {
    let from_env = [env::TK_AUTH_LOG, env::RUST_LOG]
        .into_iter()
        .find_map(|name| env.var(name).map(|value| (name, value)));
    let targets = match from_env {
        Some((name, directives)) => match directives.parse::<Targets>() {
            Ok(targets) => Some(targets),
            Err(e) => {
                #[allow(clippy::print_stderr)] // logging is not set up yet
                {
                    eprintln!("tk-auth: warning: ignoring {name}={directives:?}: {e}");
                }
                None
            }
        },
        None => None,
    };
    match (targets, verbose) {
        (Some(targets), 0) => targets,
        (Some(targets), v) => targets.with_default(level(v)),
        (None, v) => Targets::new().with_default(level(v)),
    }
}

/// Sends log messages to stderr for the rest of the process.
pub(crate) fn init(env: &Env, verbose: u8) {
    let ansi = colour_allowed(env) && std::io::stderr().is_terminal();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(ansi),
        )
        .with(filter(env, verbose))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn tk_auth_log_wins_over_rust_log_and_v_raises_only_the_default() {
        let both = env(&[("TK_AUTH_LOG", "tk_auth_http=trace"), ("RUST_LOG", "off")]);
        let f = filter(&both, 0);
        assert!(f.would_enable("tk_auth_http", &tracing::Level::TRACE));
        assert!(!f.would_enable("tk_auth", &tracing::Level::INFO));
        let f = filter(&both, 2);
        assert!(f.would_enable("tk_auth", &tracing::Level::DEBUG));
        assert!(f.would_enable("tk_auth_http", &tracing::Level::TRACE));
        let rust_log = env(&[("RUST_LOG", "debug")]);
        assert!(filter(&rust_log, 0).would_enable("x", &tracing::Level::DEBUG));
        assert!(!filter(&env(&[]), 0).would_enable("x", &tracing::Level::INFO));
        assert!(filter(&env(&[]), 1).would_enable("x", &tracing::Level::INFO));
    }

    #[test]
    fn no_color_set_to_anything_but_empty_turns_colours_off() {
        assert!(colour_allowed(&env(&[])));
        assert!(colour_allowed(&env(&[("NO_COLOR", "")])));
        assert!(!colour_allowed(&env(&[("NO_COLOR", "1")])));
    }
}
