//! `tk-auth rest-token`: a REST API access token for the current user, for scripts.

use std::io::IsTerminal;
use std::time::UNIX_EPOCH;

use clap::Args;
use serde_json::json;

use crate::authenticator::{Setup, default_user};
use crate::exit::{Failure, Outcome};
use crate::output::print;

/// Options of `tk-auth rest-token`.
#[derive(Debug, Args)]
pub(crate) struct RestTokenArgs {
    /// Print JSON (schema: docs/schemas/rest-token.schema.json).
    #[arg(long)]
    json: bool,
}

/// Runs `tk-auth rest-token`: the default user (a session user trades its session token,
/// a script user from the Toolkit configuration its name and key) gets a token from the
/// site; an expired session is renewed first, as `tk-auth whoami` would.
#[allow(clippy::print_stderr)] // the command's warning
pub(crate) fn rest_token(args: &RestTokenArgs) -> Outcome {
    let authenticator = Setup::from_process()?.prompting_authenticator()?;
    let user = default_user(&authenticator)?;
    let token = user.rest_access_token().map_err(Failure::from_auth)?;
    if args.json {
        let expires_at = token
            .expires_at()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let value = json!({
            "access_token": token.access_token().expose(),
            "token_type": token.token_type(),
            "expires_in": token.expires_in().as_secs(),
            "expires_at": expires_at,
            "site": user.site().to_string(),
            "user": user.to_string(),
            "user_type": if user.is_script_user() { "ApiUser" } else { "HumanUser" },
        });
        print(&value.to_string());
        return Ok(());
    }
    if std::io::stdout().is_terminal() {
        let warning = format!(
            "warning: this token acts as {user} on {} for {} min; do not share it",
            user.site(),
            token.expires_in().as_secs() / 60
        );
        eprintln!("{}", tk_auth::prompt::terminal_safe(&warning));
    }
    print(token.access_token().expose());
    Ok(())
}
