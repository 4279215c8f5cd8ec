//! `tk-auth renew`: renews the current user's session now — without a person where the
//! site's identity provider still knows them, else through the prompter — and saves it
//! where every Toolkit process on this machine finds it.

use clap::Args;
use serde_json::json;
use tk_auth::{NonInteractivePrompter, RenewedBy};

use crate::authenticator::{Setup, default_user};
use crate::exit::{Failure, Outcome};
use crate::output::print;
use crate::session_life::SessionLife;

/// Options of `tk-auth renew`.
#[derive(Debug, Args)]
pub(crate) struct RenewArgs {
    /// Print JSON (schema: docs/schemas/renew.schema.json).
    #[arg(long)]
    json: bool,
    /// Never ask anyone: renew from the stored cookies or a session another process saved,
    /// else fail with exit code 4 (for scheduled jobs).
    #[arg(long)]
    headless: bool,
}

/// Runs `tk-auth renew` on the default user.
pub(crate) fn renew(args: &RenewArgs) -> Outcome {
    let setup = Setup::from_process()?;
    let authenticator = if args.headless {
        setup.authenticator(NonInteractivePrompter, false, |o| o)
    } else {
        setup.prompting_authenticator()?
    };
    let user = default_user(&authenticator)?;
    let Some(renewal) = user.renew_session().map_err(Failure::from_auth)? else {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "{user} is a script user: it has no session to renew"
        )));
    };
    let life = SessionLife {
        claims_expiration: renewal.claims_expiration,
        session_expiration: renewal.session_expiration,
    };
    if args.json {
        let mut value = json!({
            "site": user.site().to_string(),
            "login": user.login(),
            "renewed_by": renewal.renewed_by.as_str(),
        });
        if let Some(fields) = value.as_object_mut() {
            fields.extend(life.json_fields().map(|(k, v)| (k.to_owned(), v)));
        }
        print(&value.to_string());
        return Ok(());
    }
    let how = match renewal.renewed_by {
        RenewedBy::Headless => "by the identity provider, without a person",
        RenewedBy::Saved => "by another process, which saved it",
        RenewedBy::Held => "already, through another handle",
        // `Login` and kinds added later.
        _ => "by logging in again",
    };
    let line = |text: &str| print(&tk_auth::prompt::terminal_safe(text));
    line(&format!(
        "renewed the session of {user} on {} {how}",
        user.site()
    ));
    for (name, value) in life.lines() {
        line(&format!("{name:<16}{value}"));
    }
    Ok(())
}
