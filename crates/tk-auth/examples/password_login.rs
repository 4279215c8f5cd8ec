//! Logs in with a password and saves the session in the session cache — what Python's
//! `ShotgunAuthenticator().create_session_user(login, password=…, host=…)` does, as one
//! process. The password is read from the first line of standard input, never from the
//! command line.
//!
//! ```text
//! echo "$PASSWORD" | cargo run -p tk-auth --example password_login -- https://site.example alice
//! ```
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use tk_auth::{Defaults, NonInteractivePrompter, SessionCredentials, ShotgunAuthenticator};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(host), Some(login)) = (args.next(), args.next()) else {
        return Err("usage: password_login <site> <login> (the password on standard input)".into());
    };
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);

    let authenticator = ShotgunAuthenticator::new(Defaults::from_env()?, NonInteractivePrompter);
    let user = authenticator
        .create_session_user(
            &login,
            SessionCredentials::password(password),
            tk_auth::UserOptions::new().site(&host),
        )
        .await?;
    println!("{}", user.repr());
    Ok(())
}
