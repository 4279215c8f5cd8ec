//! `tk-auth login`: logs a person in to a site and makes them the current user, for this
//! program and for the Python Toolkit on the same machine.

use std::io::{IsTerminal, Read};

use clap::{Args, ValueEnum};
use tk_auth::{
    CredentialState, DefaultsManager, Error, MethodChoice, Secret, SessionCredentials, ShotgunUser,
};

use tk_auth::Env;
use tk_auth_core::env::TK_AUTH_NONINTERACTIVE;
use tk_auth_prompt::PromptMode;

use crate::authenticator::{Setup, run};
use crate::exit::{Failure, Outcome};
use crate::prompters::{CommandLineAnswers, PipedPassword};

/// The ways `--method` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum MethodArg {
    /// Login and password (then a two-factor code when the site asks).
    Credentials,
    /// Approve this program in the browser (the App Session Launcher).
    Browser,
}

impl MethodArg {
    fn choice(self) -> MethodChoice {
        match self {
            Self::Credentials => MethodChoice::Credentials,
            Self::Browser => MethodChoice::BrowserApproval,
        }
    }
}

/// Options of `tk-auth login`.
#[derive(Debug, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the command's independent on/off options"
)]
pub(crate) struct LoginArgs {
    /// The site (default: asked, offering the current site).
    #[arg(long, value_name = "URL")]
    site: Option<String>,
    /// The login (default: asked, offering the site's current user, else the OS user).
    #[arg(long, value_name = "LOGIN")]
    login: Option<String>,
    /// How to log in (default: asked when the site offers both).
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// Read the password from standard input (one trailing newline is removed); needs
    /// --login, and --site unless a current site is set.
    #[arg(long, conflicts_with = "no_browser")]
    password_stdin: bool,
    /// Do not open the browser for a browser approval: only show the page to open.
    #[arg(long)]
    no_browser: bool,
    /// Log in even when a valid session is stored.
    #[arg(long)]
    force: bool,
    /// Ask in a window (needs a display, and a build with the `gui` feature).
    #[arg(long, conflicts_with = "password_stdin")]
    gui: bool,
}

#[allow(clippy::print_stdout)] // the command's output
fn print(text: &str) {
    println!("{text}");
}

/// Runs `tk-auth login`.
pub(crate) fn login(args: &LoginArgs) -> Outcome {
    if args.password_stdin && args.method == Some(MethodArg::Browser) {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "--password-stdin logs in with a password: it cannot be used with --method browser"
        )));
    }
    let setup = Setup::from_process()?;
    let site = args.site.as_deref().map(tk_auth::sanitize_url);
    let piped = if args.password_stdin {
        Some(read_piped_password()?)
    } else {
        None
    };
    // The files are read here, outside the runtime: they may wait on a lock.
    let stored = if args.force {
        None
    } else {
        stored_session(&setup, site.as_deref(), args.login.as_deref())?
    };
    if let Some((host, login)) = stored
        && let Some(user) = run(valid_session(&setup, host, login))?
    {
        make_current(&setup, &user)?;
        print(&tk_auth_prompt::terminal_safe(&format!(
            "Already logged in to {} as {} (the stored session is valid; --force logs in again).",
            user.host(),
            user.login().unwrap_or_default()
        )));
        return Ok(());
    }
    let user = match piped {
        Some(password) => {
            let (site, login) = piped_site_and_login(&setup, site, args)?;
            run(login_with_piped_password(&setup, site, login, password))?
        }
        None => run(login_interactively(&setup, site, args))?,
    };
    // The login can be the site's text (whoever approved in the browser).
    print(&tk_auth_prompt::terminal_safe(&format!(
        "Logged in to {} as {}.",
        user.host(),
        user.login().unwrap_or_default()
    )));
    Ok(())
}

/// The password on standard input, without one trailing newline (`\n` or `\r\n`) and
/// otherwise as given.
fn read_piped_password() -> Result<Secret, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
        Failure::bad_input(
            anyhow::Error::new(e).context("reading the password from standard input"),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::bad_input(anyhow::anyhow!(
            "the password on standard input is not UTF-8"
        ))
    })?;
    let password = strip_one_newline(&text);
    if password.is_empty() {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "no password on standard input (--password-stdin)"
        )));
    }
    Ok(Secret::new(password))
}

fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// The site and login (given, else current) whose stored session a login may reuse.
fn stored_session(
    setup: &Setup,
    site: Option<&str>,
    login: Option<&str>,
) -> Result<Option<(String, String)>, Failure> {
    let defaults = &setup.defaults;
    let Some(host) = site
        .map(str::to_owned)
        .or(defaults.get_host().map_err(Failure::failed)?)
    else {
        return Ok(None);
    };
    let login = match login {
        Some(l) => Some(l.to_owned()),
        None => defaults
            .session_cache()
            .get_current_user(&host)
            .map_err(Failure::failed)?,
    };
    Ok(login.map(|login| (host, login)))
}

/// The stored session of `login` on `host`, when there is one and the site accepts it.
async fn valid_session(
    setup: &Setup,
    host: String,
    login: String,
) -> Result<Option<ShotgunUser>, Failure> {
    let authenticator =
        setup.authenticator(tk_auth::NonInteractivePrompter, false, |options| options);
    let user = match authenticator
        .create_session_user(&login, SessionCredentials::Cached, Some(&host), None)
        .await
    {
        Ok(user) => user,
        Err(Error::IncompleteCredentials { .. }) => return Ok(None),
        Err(e) => return Err(Failure::from_auth(e)),
    };
    match user.check_credentials().await.map_err(Failure::from_auth)? {
        CredentialState::Valid => Ok(Some(user)),
        CredentialState::Expired => {
            tracing::info!(site = %host, login = %login, "the stored session has expired");
            Ok(None)
        }
        CredentialState::Unreachable(e) => Err(Failure::from_auth(e)),
        _ => Ok(None),
    }
}

/// Records `user` as the current site and user, as a Python login does (a site fixed by a
/// pipeline configuration stays as it is).
fn make_current(setup: &Setup, user: &ShotgunUser) -> Result<(), Failure> {
    let login = user.login().unwrap_or_default();
    setup
        .defaults
        .set_host(&user.host())
        .and_then(|()| setup.defaults.set_login(&login))
        .map_err(Failure::failed)
}

/// The site and login of a `--password-stdin` login: given, or the current site.
fn piped_site_and_login(
    setup: &Setup,
    site: Option<String>,
    args: &LoginArgs,
) -> Result<(String, String), Failure> {
    let site = match site {
        Some(s) => s,
        None => setup
            .defaults
            .get_host()
            .map_err(Failure::failed)?
            .ok_or_else(|| {
                Failure::bad_input(anyhow::anyhow!(
                    "--password-stdin needs --site URL (there is no current site)"
                ))
            })?,
    };
    let login = args.login.clone().ok_or_else(|| {
        Failure::bad_input(anyhow::anyhow!("--password-stdin needs --login LOGIN"))
    })?;
    Ok((site, login))
}

async fn login_with_piped_password(
    setup: &Setup,
    site: String,
    login: String,
    password: Secret,
) -> Result<ShotgunUser, Failure> {
    let prompter = PipedPassword::new(site.clone(), login.clone(), password);
    // The piped password is an answer given in advance, not a question: it is used even
    // where nobody can answer prompts (TK_AUTH_NONINTERACTIVE=1 on a farm). Anything else
    // the site asks for still fails at once. One try: the pipe holds one password.
    let answers_given = Env::from_pairs(
        setup
            .env
            .vars()
            .into_iter()
            .filter(|(name, _)| name != TK_AUTH_NONINTERACTIVE),
    );
    let authenticator = setup.authenticator(prompter, false, |o| {
        o.environment(answers_given).with_password_attempts(1)
    });
    authenticator
        .get_user_from_prompt(Some(&site), Some(&login), None, Some(true))
        .await
        .map_err(Failure::from_auth)
}

async fn login_interactively(
    setup: &Setup,
    site: Option<String>,
    args: &LoginArgs,
) -> Result<ShotgunUser, Failure> {
    let open_browser = setup.can_open_browser(args.no_browser);
    let prompter = setup.prompter(open_browser, args.gui.then_some(PromptMode::Gui))?;
    let prompter = CommandLineAnswers::new(
        prompter,
        args.method.map(MethodArg::choice),
        args.login.clone(),
    );
    let authenticator = setup.authenticator(prompter, open_browser, |o| o);
    // A site given on the command line is not asked for; otherwise the defaults decide
    // (a pipeline configuration may fix the site).
    let fixed = site.is_some().then_some(true);
    authenticator
        .get_user_from_prompt(site.as_deref(), args.login.as_deref(), None, fixed)
        .await
        .map_err(|e| {
            let failure = Failure::from_auth(e);
            if failure.code() == 4 && !std::io::stdin().is_terminal() {
                failure.hint(
                    "standard input is not a terminal: run `tk-auth login` in one, or pipe the \
                     password with `tk-auth login --site URL --login LOGIN --password-stdin`",
                )
            } else {
                failure
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_removed_and_nothing_else() {
        assert_eq!(strip_one_newline("pw\n"), "pw");
        assert_eq!(strip_one_newline("pw\r\n"), "pw");
        assert_eq!(strip_one_newline(" pw \n\n"), " pw \n");
        assert_eq!(strip_one_newline(" pw "), " pw ");
    }
}
