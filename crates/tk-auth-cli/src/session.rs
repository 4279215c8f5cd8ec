//! `tk-auth sites|users|logout`: the stored sessions, read and cleared without network.

use clap::Args;
use serde_json::json;
use tk_auth::{Defaults, DefaultsManager};

use crate::exit::{Failure, Outcome};
use crate::output::print;

/// Options of `tk-auth sites`.
#[derive(Debug, Args)]
pub(crate) struct SitesArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}
/// Options of `tk-auth users`.
#[derive(Debug, Args)]
pub(crate) struct UsersArgs {
    /// The site (default: the current site).
    #[arg(long, value_name = "URL", value_parser = crate::site_arg::SiteArg)]
    site: Option<tk_auth::Site>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}
/// Options of `tk-auth logout`.
#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {
    /// The site (default: the current site).
    #[arg(long, value_name = "URL", value_parser = crate::site_arg::SiteArg)]
    site: Option<tk_auth::Site>,
    /// The login (default: the site's current user).
    #[arg(long)]
    login: Option<String>,
}

fn defaults() -> Result<Defaults, Failure> {
    Defaults::from_env().map_err(Failure::bad_input)
}

fn site_or_current(site: Option<&tk_auth::Site>, d: &Defaults) -> Result<tk_auth::Site, Failure> {
    match site {
        Some(s) => Ok(s.clone()),
        None => d
            .get_host()
            .map_err(Failure::failed)?
            .ok_or_else(|| Failure::failed(anyhow::anyhow!("no current site; pass --site URL"))),
    }
}

/// Runs `tk-auth sites`.
pub(crate) fn sites(args: &SitesArgs) -> Outcome {
    let d = defaults()?;
    // As stored: Python keeps the spelling each site was used with.
    let hosts: Vec<String> = d
        .session_cache()
        .get_recent_hosts()
        .iter()
        .map(|s| s.given().to_owned())
        .collect();
    if args.json {
        print(&json!(hosts).to_string());
    } else {
        for h in hosts {
            print(&tk_auth::prompt::terminal_safe(&h));
        }
    }
    Ok(())
}

/// Runs `tk-auth users`.
pub(crate) fn users(args: &UsersArgs) -> Outcome {
    let d = defaults()?;
    let site = site_or_current(args.site.as_ref(), &d)?;
    let users = d
        .session_cache()
        .get_recent_users(&site)
        .map_err(Failure::bad_input)?;
    if args.json {
        print(&json!({"site": site, "users": users}).to_string());
    } else {
        for u in users {
            print(&tk_auth::prompt::terminal_safe(&u));
        }
    }
    Ok(())
}

/// Runs `tk-auth logout`: forgets the stored session of the default (or given) site and user,
/// as Python's `ShotgunAuthenticator.clear_default_user` does.
pub(crate) fn logout(args: &LogoutArgs) -> Outcome {
    let d = defaults()?;
    let site = site_or_current(args.site.as_ref(), &d)?;
    let login = match &args.login {
        Some(l) => l.clone(),
        None => d
            .session_cache()
            .get_current_user(&site)
            .map_err(Failure::bad_input)?
            .or(d.user_settings().default_login().map_err(Failure::failed)?)
            .ok_or_else(|| {
                Failure::failed(anyhow::anyhow!(
                    "no current user for {site}; pass --login LOGIN"
                ))
            })?,
    };
    d.session_cache()
        .delete_session_data(&site, &login)
        .map_err(Failure::failed)?;
    print(&tk_auth::prompt::terminal_safe(&format!(
        "logged out {login} from {site}"
    )));
    Ok(())
}
