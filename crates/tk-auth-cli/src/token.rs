//! `tk-auth token`: the stored session token, for scripts.

use std::io::IsTerminal;

use clap::Args;
use tk_auth::DefaultsManager;

use crate::authenticator::Setup;
use crate::exit::{Failure, Outcome};

/// Options of `tk-auth token`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The site (default: the current site).
    #[arg(long, value_name = "URL", value_parser = crate::site_arg::SiteArg)]
    site: Option<tk_auth::Site>,
    /// The login (default: the site's current user).
    #[arg(long, value_name = "LOGIN")]
    login: Option<String>,
}

/// Runs `tk-auth token`: prints the stored token (no network; `tk-auth whoami` checks it).
#[allow(clippy::print_stderr)] // the command's warning
pub(crate) fn token(args: &TokenArgs) -> Outcome {
    let setup = Setup::from_process()?;
    let defaults = &setup.defaults;
    let site = match &args.site {
        Some(s) => s.clone(),
        None => defaults
            .get_host()
            .map_err(Failure::failed)?
            .ok_or_else(|| {
                Failure::auth_required(anyhow::anyhow!("not logged in: there is no current site"))
                    .hint("run `tk-auth login`, or pass --site URL")
            })?,
    };
    let cache = defaults.session_cache();
    let login = match &args.login {
        Some(l) => l.clone(),
        None => cache
            .get_current_user(&site)
            .map_err(Failure::failed)?
            .ok_or_else(|| {
                Failure::auth_required(anyhow::anyhow!("not logged in to {site}: no current user"))
                    .hint(format!(
                        "run `tk-auth login --site {site}`, or pass --login LOGIN"
                    ))
            })?,
    };
    let data = cache
        .get_session_data(&site, &login)
        .map_err(Failure::failed)?
        .filter(|d| !d.session_token.is_empty())
        .ok_or_else(|| {
            Failure::auth_required(anyhow::anyhow!("no session of {login} on {site} is stored"))
                .hint(format!("run `tk-auth login --site {site} --login {login}`"))
        })?;
    if std::io::stdout().is_terminal() {
        let warning = format!("warning: this token logs in as {login} on {site}; do not share it");
        eprintln!("{}", tk_auth::prompt::terminal_safe(&warning));
    }
    crate::output::print(data.session_token.expose());
    Ok(())
}
