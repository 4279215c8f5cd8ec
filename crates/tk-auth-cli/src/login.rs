//! `tk-auth login`: logs a person in to a site and makes them the current user, for this
//! program and for the Python Toolkit on the same machine.

use clap::{Args, ValueEnum};
use tk_auth::blocking::{ShotgunAuthenticator, ShotgunUser};
use tk_auth::{
    CredentialState, DefaultsManager, Error, ErrorKind, HostFixed, LoginPrompt, MethodChoice,
    PromptError, SessionCredentials, Site,
};

use tk_auth::Env;
use tk_auth::core::env::TK_AUTH_NONINTERACTIVE;
use tk_auth::prompt::{PromptMode, SiteDetails};

pub(crate) mod browser_wait;
mod piped_input;

use crate::authenticator::Setup;
use crate::exit::{Failure, Outcome};
use crate::output::print;
use crate::prompters::{CommandLineAnswers, PipedPassword, browser_only_login};
use piped_input::PipedAnswers;

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
    #[arg(long, value_name = "URL", value_parser = crate::site_arg::SiteArg)]
    site: Option<tk_auth::Site>,
    /// The login (default: asked, offering the site's current user, else the OS user).
    #[arg(long, value_name = "LOGIN")]
    login: Option<String>,
    /// How to log in (default: asked when the site offers both).
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// Read the password from standard input (at most 64 KiB; one trailing newline is
    /// removed); needs --login, and --site unless a current site is set.
    #[arg(long, conflicts_with = "no_browser")]
    password_stdin: bool,
    /// With --password-stdin: read the two-factor code from the line after the password
    /// (the password is then the first line).
    #[arg(long, requires = "password_stdin")]
    code_stdin: bool,
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

/// Runs `tk-auth login`.
pub(crate) fn login(args: &LoginArgs) -> Outcome {
    if args.password_stdin && args.method == Some(MethodArg::Browser) {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "--password-stdin logs in with a password: it cannot be used with --method browser"
        )));
    }
    let setup = Setup::from_process()?;
    let site = args.site.clone();
    let piped = if args.password_stdin {
        Some(piped_input::read(std::io::stdin().lock(), args.code_stdin)?)
    } else {
        None
    };
    let stored = if args.force {
        None
    } else {
        stored_session(&setup, site.as_ref(), args.login.as_deref())?
    };
    if let Some((host, login)) = stored
        && let Some((authenticator, user)) = valid_session(&setup, &host, &login)?
    {
        // As a Python login does (a site fixed by a pipeline configuration stays as it is).
        authenticator
            .set_current_user(&user)
            .map_err(Failure::from_auth)?;
        print(&tk_auth::prompt::terminal_safe(&format!(
            "Already logged in to {} as {} (the stored session is valid; --force logs in again).",
            user.host(),
            user.login().unwrap_or_default()
        )));
        return Ok(());
    }
    let user = match piped {
        Some(answers) => {
            let (site, login) = piped_site_and_login(&setup, site, args)?;
            login_with_piped_password(&setup, &site, &login, answers)?
        }
        None => login_interactively(&setup, site.as_ref(), args)?,
    };
    // The login can be the site's text (whoever approved in the browser).
    print(&tk_auth::prompt::terminal_safe(&format!(
        "Logged in to {} as {}.",
        user.host(),
        user.login().unwrap_or_default()
    )));
    Ok(())
}

/// The site and login (given, else current) whose stored session a login may reuse.
fn stored_session(
    setup: &Setup,
    site: Option<&Site>,
    login: Option<&str>,
) -> Result<Option<(Site, String)>, Failure> {
    let defaults = &setup.defaults;
    let Some(host) = site
        .cloned()
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

/// The stored session of `login` on `host`, when there is one and the site accepts it,
/// with the authenticator that read it.
fn valid_session(
    setup: &Setup,
    host: &Site,
    login: &str,
) -> Result<Option<(ShotgunAuthenticator, ShotgunUser)>, Failure> {
    let authenticator =
        setup.authenticator(tk_auth::NonInteractivePrompter, false, |options| options);
    let user = match authenticator.create_session_user(
        login,
        SessionCredentials::Cached,
        tk_auth::UserOptions::new().site(host),
    ) {
        Ok(user) => user,
        Err(e) if matches!(e.kind(), ErrorKind::IncompleteCredentials { .. }) => return Ok(None),
        Err(e) => return Err(Failure::from_auth(e)),
    };
    match user.check_credentials().map_err(Failure::from_auth)? {
        CredentialState::Valid => Ok(Some((authenticator, user))),
        CredentialState::Expired => {
            tracing::info!(site = %host, login = %login, "the stored session has expired");
            Ok(None)
        }
        CredentialState::Unreachable(e) => Err(Failure::from_auth(e)),
        _ => Ok(None),
    }
}

/// The site and login of a `--password-stdin` login: given, or the current site.
fn piped_site_and_login(
    setup: &Setup,
    site: Option<Site>,
    args: &LoginArgs,
) -> Result<(Site, String), Failure> {
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

fn login_with_piped_password(
    setup: &Setup,
    site: &Site,
    login: &str,
    answers: PipedAnswers,
) -> Result<ShotgunUser, Failure> {
    let code_given = answers.code.is_some();
    let prompter = PipedPassword::new(
        site.clone(),
        login.to_owned(),
        answers.password,
        answers.code,
    );
    let seen = prompter.seen();
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
    // A site without login and password ends the login before anything is sent to it.
    let authenticator = setup.authenticator(prompter, false, |o| {
        o.environment(answers_given)
            .with_password_attempts(1)
            .only_method(MethodChoice::Credentials)
    });
    let result = authenticator.get_user_from_prompt(
        tk_auth::LoginPrompt::new()
            .site(site)
            .login(login)
            .host_fixed(tk_auth::HostFixed::Fixed),
    );
    result.map_err(|e| {
        let seen = seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        piped_failure(e, site, login, seen.as_ref(), code_given)
    })
}

/// The failure of a `--password-stdin` login, with advice that fits how it was run: what
/// works instead when the site takes no password, the option for a two-factor code.
fn piped_failure(
    error: Error,
    site: &Site,
    login: &str,
    seen: Option<&SiteDetails>,
    code_given: bool,
) -> Failure {
    let browser_only = seen.and_then(browser_only_login);
    let invalid_answer = matches!(
        error
            .get_ref()
            .and_then(|e| e.downcast_ref::<PromptError>()),
        Some(PromptError::InvalidAnswer { .. })
    );
    match error.kind() {
        ErrorKind::NonInteractive {
            what: "a two-factor code",
        } => Failure::auth_required(anyhow::anyhow!(
            "{site} asks {login} for a two-factor code, and --password-stdin alone gives none"
        ))
        .hint(format!(
            "pass the code on the line after the password with --code-stdin: printf '%s\\n%s\\n' \
             \"$PASSWORD\" \"$CODE\" | tk-auth login --site {site} --login {login} \
             --password-stdin --code-stdin; or run `tk-auth login --site {site}` in a terminal"
        )),
        ErrorKind::Prompt if invalid_answer => browser_only_failure(site, seen, browser_only),
        ErrorKind::ConsoleLoginNotSupported { .. } => {
            browser_only_failure(site, seen, browser_only)
        }
        ErrorKind::Authentication if code_given => Failure::from_auth(error).hint(
            "check the password and the two-factor code: a code is \
                 valid for about 30 seconds, so make it right before the login",
        ),
        _ => Failure::from_auth(error),
    }
}

/// A `--password-stdin` login to a site that takes no password: nothing was sent.
fn browser_only_failure(
    site: &Site,
    seen: Option<&SiteDetails>,
    browser_only: Option<&str>,
) -> Failure {
    {
        {
            let uses = browser_only.unwrap_or("another way of logging in");
            Failure::bad_input(anyhow::anyhow!(
                "{site} uses {uses} and takes no password, so --password-stdin cannot log in \
                 (nothing was sent)"
            ))
            .hint(browser_advice(site, seen))
        }
    }
}

/// What logs in to `site` when a password does not.
fn browser_advice(site: &Site, seen: Option<&SiteDetails>) -> String {
    if seen.is_some_and(|d| d.methods.contains(&MethodChoice::BrowserApproval)) {
        format!(
            "log in through the browser: `tk-auth login --site {site} --method browser` (with \
             --no-browser it shows the page to open, and waits for the approval even without a \
             terminal)"
        )
    } else {
        "this site takes logins only on its own web page, which tk-auth cannot show: log in \
         from a Toolkit application, and tk-auth uses the session it stores"
            .to_owned()
    }
}

fn login_interactively(
    setup: &Setup,
    site: Option<&Site>,
    args: &LoginArgs,
) -> Result<ShotgunUser, Failure> {
    let open_browser = setup.can_open_browser(args.no_browser);
    let mode = args.gui.then_some(PromptMode::Gui);
    let mut prompter = setup.prompter(open_browser, mode)?;
    let may_wait = mode.is_none() && browser_wait::may_wait(setup);
    if args.method == Some(MethodArg::Browser) && mode.is_none() {
        prompter = browser_wait::or_browser_wait(setup, prompter, open_browser);
    }
    let prompter = CommandLineAnswers::new(
        prompter,
        args.method.map(MethodArg::choice),
        args.login.clone(),
    );
    let authenticator = setup.authenticator(prompter, open_browser, |o| o);
    // A site given on the command line is not asked for; otherwise the defaults decide
    // (a pipeline configuration may fix the site).
    let mut prompt = LoginPrompt::new();
    if let Some(site) = site {
        prompt = prompt.site(site).host_fixed(HostFixed::Fixed);
    }
    if let Some(login) = &args.login {
        prompt = prompt.login(login);
    }
    authenticator
        .get_user_from_prompt(prompt)
        .map_err(|e| match e.kind() {
            ErrorKind::NonInteractive { what } => no_answer(what, e.site(), e.login(), may_wait),
            _ => Failure::from_auth(e),
        })
}

/// A login that needed an answer nobody can give here, with what works without one (a
/// browser approval waits, unless told that nobody is here: `may_wait`).
fn no_answer(what: &str, site: Option<&Site>, login: Option<&str>, may_wait: bool) -> Failure {
    let of = login.map(|l| format!(" of {l}")).unwrap_or_default();
    let site = site.filter(|s| !s.is_empty()).map(ToString::to_string);
    let on = site
        .as_deref()
        .map(|s| format!(" on {s}"))
        .unwrap_or_default();
    let error = Failure::auth_required(anyhow::anyhow!(
        "cannot ask for {what}{of}{on}: nobody can answer a prompt here (no terminal or \
         display, or TK_AUTH_NONINTERACTIVE=1)"
    ));
    let site = site.as_deref().unwrap_or("URL");
    if !may_wait {
        return error.hint(format!(
            "run `tk-auth login --site {site}` where a person can answer, or pipe the password \
             with `--password-stdin` (see `tk-auth login --help`)"
        ));
    }
    if what == "a browser approval" {
        return error.hint(format!(
            "run `tk-auth login --site {site} --method browser --no-browser`: it shows the \
             page to open and waits for the approval without a terminal; or run `tk-auth \
             login` in a terminal"
        ));
    }
    let login = login.unwrap_or("LOGIN");
    error.hint(format!(
        "run `tk-auth login --site {site}` in a terminal; or pipe the password with `tk-auth \
         login --site {site} --login {login} --password-stdin` (--code-stdin reads a two-factor \
         code from the next line); or log in through the browser with `--method browser \
         --no-browser`"
    ))
}
