//! `tk-auth whoami`: who the current user is on the site, asked through a connection that
//! renews an expired session.

use clap::Args;
use serde_json::{Value, json};
use tk_auth::prompt::terminal_safe;

use crate::authenticator::{Setup, default_user};
use crate::exit::{Failure, Outcome};
use crate::output::print;

/// Options of `tk-auth whoami`.
#[derive(Debug, Args)]
pub(crate) struct WhoamiArgs {
    /// Print JSON: `{"site", "login", "entity": {"type", "id"}, "name"}`.
    #[arg(long)]
    json: bool,
}

/// Runs `tk-auth whoami`.
pub(crate) fn whoami(args: &WhoamiArgs) -> Outcome {
    let authenticator = Setup::from_process()?.prompting_authenticator()?;
    let person = (|| {
        let user = default_user(&authenticator)?;
        let connection = user.create_sg_connection().map_err(Failure::from_auth)?;
        let (entity_type, filters, fields) = match user.login() {
            Some(login) => (
                "HumanUser",
                json!([["login", "is", login]]),
                ["id", "login", "name"],
            ),
            None => (
                "ApiUser",
                json!([["firstname", "is", user.to_string()]]),
                ["id", "firstname", "name"],
            ),
        };
        let found = connection
            .find_one(entity_type, &filters, &fields)
            .map_err(Failure::from_auth)?;
        let Some(found) = found else {
            return Err(Failure::failed(anyhow::anyhow!(
                "{} is not a {entity_type} on {} (or this user may not read it)",
                user,
                user.host()
            )));
        };
        let name = found
            .get("name")
            .or_else(|| found.get("firstname"))
            .cloned()
            .unwrap_or(Value::Null);
        Ok(json!({
            "site": user.host(),
            "login": user.login().unwrap_or_else(|| user.to_string()),
            "entity": {"type": entity_type, "id": found.get("id").cloned().unwrap_or(Value::Null)},
            "name": name,
        }))
    })()?;
    if args.json {
        print(&person.to_string());
    } else {
        let name = person["name"]
            .as_str()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        // The name and login are the site's text.
        print(&terminal_safe(&format!(
            "{}{name} on {}: {} {}",
            person["login"].as_str().unwrap_or_default(),
            person["site"].as_str().unwrap_or_default(),
            person["entity"]["type"].as_str().unwrap_or_default(),
            person["entity"]["id"]
        )));
    }
    Ok(())
}
