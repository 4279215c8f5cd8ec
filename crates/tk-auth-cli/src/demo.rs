//! `tk-auth demo`: the life of a session on a local site, step by step — log in, look at
//! the stored session, let the site expire it, renew it with one prompt, hand the user to
//! another process as a payload, and get a Flow and a REST access token.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use serde_json::json;
use tk_auth::blocking::ShotgunAuthenticator;
use tk_auth::prompt::{ConsolePrompter, PromptMode, choose_prompter};
use tk_auth::{Answer, AuthOptions, Defaults, Env, Prompter, ScriptedPrompter, env};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::exit::{Failure, Outcome};
use crate::output::print;

/// The demo site's only person.
const LOGIN: &str = "demo";
/// Their password, printed at the start: the site is local and lives as long as the demo.
const PASSWORD: &str = "tk-auth-demo";
/// The Flow application the demo site's authorization server knows.
const FLOW_APPLICATION: &str = "tk-auth-demo-app";

/// Options of `tk-auth demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Answer every prompt from a script instead of the terminal (for CI and pipes).
    #[arg(long)]
    non_interactive: bool,
    /// Keep the demo's session files in this folder (default: a temporary folder, removed
    /// at the end). Never your own ~/.shotgun unless you name it.
    #[arg(long, value_name = "DIR")]
    home: Option<PathBuf>,
    /// Ask in the login window instead of the terminal (a build with the `gui` feature).
    #[arg(long, conflicts_with = "non_interactive")]
    gui: bool,
}

/// Announces one step of the demo.
struct Steps {
    next: u32,
    bold: bool,
}

impl Steps {
    fn announce(&mut self, what: &str) {
        self.next += 1;
        let text = format!("[{}/7] {what}", self.next);
        if self.bold {
            print(&format!("\n\x1b[1m{text}\x1b[0m"));
        } else {
            print(&format!("\n{text}"));
        }
    }
}

/// Runs the demo.
pub(crate) fn run(args: &DemoArgs, colour: bool) -> Outcome {
    if !args.non_interactive && !args.gui && !std::io::stdin().is_terminal() {
        return Err(Failure::bad_input(anyhow!(
            "the demo asks for a password on the terminal, and stdin is not one; \
             run `tk-auth demo --non-interactive`"
        )));
    }
    let temporary;
    let home = if let Some(home) = &args.home {
        std::fs::create_dir_all(home)
            .with_context(|| format!("creating {}", home.display()))
            .map_err(Failure::bad_input)?;
        home.clone()
    } else {
        temporary = tempfile::Builder::new()
            .prefix("tk-auth-demo-")
            .tempdir()
            .context("creating a temporary folder")?;
        temporary.path().to_path_buf()
    };
    let mut steps = Steps {
        next: 0,
        bold: colour && std::io::stdout().is_terminal(),
    };
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new(LOGIN, PASSWORD).with_name("Demo", "Person"))
        .app_session_launcher(false)
        // Its Flow logins are approved at once as the demo's person: the click is the demo's.
        .flow_application(FLOW_APPLICATION)
        .flow_auto_approve(Some(LOGIN))
        .start()
        .context("starting the demo site")?;
    print(&format!("A local site is running at {}", site.url()));
    print(&format!("  its user: {LOGIN}, password: {PASSWORD}"));
    print(&format!(
        "  session files go to {} (SHOTGUN_HOME){}",
        home.display(),
        if args.home.is_some() {
            ""
        } else {
            ", removed at the end"
        }
    ));
    let vars = demo_env(&home, site.url());
    let outcome = if args.non_interactive {
        let prompter = Arc::new(ScriptedPrompter::new([
            Answer::site(site.url()),
            Answer::login(LOGIN),
            Answer::password(PASSWORD),
            Answer::password(PASSWORD),
        ]));
        print("  (non-interactive: the answers below are scripted)");
        let walked = walk(&mut steps, &site, &vars, Arc::clone(&prompter));
        if walked.is_ok() {
            print(&format!(
                "\nQuestions the script answered: {}",
                prompter.asked_kinds().join(", ")
            ));
        }
        walked
    } else if args.gui {
        let env = Env::from_pairs(vars.iter().cloned());
        let prompter = choose_prompter(Some(PromptMode::Gui), &env, ConsolePrompter::new())
            .map_err(Failure::bad_input)?;
        walk(&mut steps, &site, &vars, prompter)
    } else {
        let env = Env::from_pairs(vars.iter().cloned());
        walk(
            &mut steps,
            &site,
            &vars,
            ConsolePrompter::new().environment(env).open_browser(false),
        )
    };
    outcome.map_err(Failure::failed)?;
    drop(site);
    print(if args.home.is_some() {
        "\nDone: the demo site has stopped; its session files are kept."
    } else {
        "\nDone: the demo site has stopped and its session files are gone."
    });
    Ok(())
}

/// The environment of the demo and of the commands it runs: this process's, with
/// `SHOTGUN_HOME` pointing at the demo's folder, and nothing that would send loopback
/// traffic through a proxy, use the keyring or read the person's own Toolkit settings.
fn demo_env(home: &Path, site: &str) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = Env::process()
        .vars()
        .into_iter()
        .filter(|(name, _)| {
            let upper = name.to_ascii_uppercase();
            !(upper.ends_with("_PROXY")
                || upper.starts_with("SGTK_")
                || upper.starts_with("TK_FLOW_AUTH_")
                || upper == env::TK_AUTH_STORE
                || upper == env::SHOTGUN_HOME
                || upper == env::TK_AUTH_NONINTERACTIVE)
        })
        .collect();
    // toolkit.ini is then looked for in the demo's folder too, not the person's.
    vars.push((env::SHOTGUN_HOME.to_owned(), home.display().to_string()));
    // Flow tokens from the demo site's authorization server; its callback on a free port.
    vars.extend(
        [
            (env::TK_FLOW_AUTH_APPLICATION_ID, FLOW_APPLICATION),
            (env::TK_FLOW_AUTH_BASE_URL, site),
            (
                env::TK_FLOW_AUTH_CALLBACK_URL,
                "http://localhost:0/auth/callback",
            ),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned())),
    );
    vars
}

fn walk(
    steps: &mut Steps,
    site: &SiteEmulator,
    vars: &[(String, String)],
    prompter: impl Prompter + 'static,
) -> anyhow::Result<()> {
    let env = Env::from_pairs(vars.iter().cloned());
    // The browser: it follows the demo site's pages back to the login's callback.
    let browser = |page: &tk_auth::prompt::Url| {
        let page = page.to_string();
        std::thread::spawn(move || tk_auth_site_emulator::browser::follow(&page));
        true
    };
    let authenticator = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).context("reading the demo's defaults")?,
        prompter,
        AuthOptions::new().environment(env).open_browser(browser),
    );

    steps.announce("Log in (site, login and password, as `tk-auth login` asks them)");
    let user = authenticator
        .get_user_from_prompt(
            tk_auth::LoginPrompt::new()
                .site(site.url())
                .login(LOGIN)
                .host_fixed(tk_auth::HostFixed::Asked),
        )
        .context("logging in")?;
    print(&format!("Logged in: {}", user.repr()));

    steps.announce("`tk-auth status --check`: the session as every tool on this machine sees it");
    print(&command(vars, &["status", "--check"], None)?);

    steps.announce("The site expires the session (as it would after a while)");
    let expired = site.expire_all_sessions();
    print(&format!("The site expired {expired} session(s)."));

    steps.announce("A call to the site: refused, so the session is renewed (one password prompt)");
    let before = site.calls("get_session_token");
    let me = user
        .create_sg_connection()?
        .find_one(
            "HumanUser",
            &json!([["login", "is", LOGIN]]),
            &["login", "name"],
        )
        .context("calling the site after the session expired")?
        .ok_or_else(|| anyhow!("the site does not know {LOGIN}"))?;
    let renewals = site.calls("get_session_token") - before;
    print(&format!(
        "The call succeeded after {renewals} renewal(s): {}",
        serde_json::Value::Object(me)
    ));

    steps.announce("`tk-auth payload export`: the user as a launcher hands it to a child process");
    let payload = command(vars, &["payload", "export"], None)?;
    // The token is a secret even on a local site: shown masked.
    let token = user
        .session_token()
        .map(|t| t.expose().to_owned())
        .unwrap_or_default();
    print(&payload.replace(&token, "<session token>"));

    steps.announce("`tk-auth payload decode`: what a child process reads from it");
    print(&command(vars, &["payload", "decode"], Some(&payload))?);

    steps.announce(
        "Access tokens: a Flow token (a browser login, the demo playing the browser) and a REST API token",
    );
    access_tokens(&authenticator, &user, site, vars)
}

/// Gets a Flow token through a browser login and the token file, and a REST API token of
/// the demo session; shows where each is and who shares it, never the tokens.
fn access_tokens(
    authenticator: &ShotgunAuthenticator,
    user: &tk_auth::blocking::ShotgunUser,
    site: &SiteEmulator,
    vars: &[(String, String)],
) -> anyhow::Result<()> {
    let flow = authenticator.flow_auth().context("the Flow settings")?;
    flow.access_token().context("getting a Flow access token")?;
    print(&format!(
        "Flow: logged in in the browser ({} login), tokens saved in {} for every tool of profile {}.",
        site.calls("flow:authorization_code"),
        flow.token_file().display(),
        flow.profile()
    ));
    print(&command(vars, &["flow", "status"], None)?);
    let rest = user
        .rest_access_token()
        .context("getting a REST API access token")?;
    print(&format!(
        "REST API: a {} token for {LOGIN}, valid {} min, traded for the session ({} request); kept in this process only.",
        rest.token_type(),
        rest.expires_in().as_secs() / 60,
        site.calls("rest:session_token")
    ));
    Ok(())
}

/// Runs this program again as `tk-auth ARGS` in the demo's environment, and returns what
/// it printed; fails with its stderr when it fails.
fn command(
    vars: &[(String, String)],
    args: &[&str],
    stdin: Option<&str>,
) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("finding the tk-auth program")?;
    let mut child = std::process::Command::new(&exe)
        .args(args)
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running tk-auth {}", args.join(" ")))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())
            .context("writing to tk-auth's stdin")?;
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("running tk-auth {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "`tk-auth {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_owned())
}
