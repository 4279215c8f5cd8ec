//! `tk-auth status`: who is logged in where, where the secret is kept, when the session's
//! single sign-on claims expire, and — with `--check` — whether the site still accepts the
//! session.

use clap::Args;
use serde_json::{Value, json};
use tk_auth::blocking::{ShotgunAuthenticator, ShotgunUser};
use tk_auth::core::{Site, redact_proxy_password};
use tk_auth::defaults::{Env, ProxySource, StoreBackend};
use tk_auth::http::{SiteUrl, environment_proxy};
use tk_auth::prompt::terminal_safe;
use tk_auth::{CredentialState, Defaults, DefaultsManager as _, NonInteractivePrompter};

use crate::exit::{Failure, Outcome};
use crate::output::print;
use crate::session_life::SessionLife;

/// Options of `tk-auth status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print JSON instead of text (schema: docs/schemas/status.schema.json).
    #[arg(long)]
    json: bool,
    /// Ask the site whether the session is still valid (exit 4 when it is expired or
    /// nothing is stored, 1 when the site cannot be reached).
    #[arg(long)]
    check: bool,
}

/// Asks the site whether it accepts the default user's session (one call, no renewal).
fn check(user: &ShotgunUser) -> Result<Check, Failure> {
    Ok(
        match user.check_credentials().map_err(Failure::from_auth)? {
            CredentialState::Valid => Check::Valid,
            CredentialState::Expired => Check::Expired,
            CredentialState::Unreachable(e) => Check::Unreachable(format!("{e:#}")),
            // A state added later is never reported as valid.
            _ => Check::Unreachable("the site's answer was not understood".to_owned()),
        },
    )
}

/// What a `--check` found.
enum Check {
    Valid,
    Expired,
    Unreachable(String),
    NoSession,
}

impl Check {
    fn name(&self) -> &'static str {
        match self {
            Check::Valid => "valid",
            Check::Expired => "expired",
            Check::Unreachable(_) => "unreachable",
            Check::NoSession => "no_session",
        }
    }
}

/// The proxy requests to the site go through, shown with its password redacted, and where
/// it came from (`None`: nothing named one).
struct ProxyInUse {
    proxy: Option<String>,
    source: Option<ProxySource>,
}

impl ProxyInUse {
    /// Chosen as the façade's clients choose it: the Toolkit's proxy
    /// (`DefaultsManager::get_http_proxy`: configuration, `toolkit.ini`, the environment's
    /// `http_proxy`, the system's settings) when it names one, else the environment's proxy
    /// for the site's scheme (`HTTPS_PROXY` for an `https://` site, unless `NO_PROXY` lists
    /// it).
    fn of(defaults: &Defaults, site: Option<&Site>, env: &Env) -> Result<Self, Failure> {
        let setting = defaults.get_http_proxy_setting().map_err(Failure::failed)?;
        if let Some(setting) = setting.as_ref().filter(|s| !s.proxy.is_empty()) {
            return Ok(Self {
                proxy: Some(redact_proxy_password(&setting.proxy)),
                source: Some(setting.source.clone()),
            });
        }
        let from_environment = site
            .and_then(|site| SiteUrl::from_site(site).ok())
            .and_then(|site| environment_proxy(&site, env));
        Ok(match from_environment {
            Some((variable, value)) => Self {
                proxy: Some(redact_proxy_password(&value)),
                source: Some(ProxySource::Environment(variable)),
            },
            // An empty setting says "no proxy": shown with where it was said.
            None => Self {
                proxy: None,
                source: setting.map(|s| s.source),
            },
        })
    }

    /// The JSON name of the source (`proxy_source`).
    fn source_name(&self) -> Option<&'static str> {
        self.source.as_ref().map(|source| match source {
            ProxySource::Configuration => "configuration",
            ProxySource::ToolkitIni => "toolkit_ini",
            ProxySource::Environment(_) => "environment",
            // Sources added later are reported as the system's, the last in the order.
            _ => "system_settings",
        })
    }

    /// The variable the proxy came from (`proxy_variable`).
    fn variable(&self) -> Option<&str> {
        match &self.source {
            Some(ProxySource::Environment(name)) => Some(name),
            _ => None,
        }
    }

    /// `host:port (where from)`, `none (where from)` or `none`.
    fn text(&self) -> String {
        let proxy = self.proxy.as_deref().unwrap_or("none");
        match &self.source {
            Some(source) => format!("{proxy} ({source})"),
            None => proxy.to_owned(),
        }
    }
}

/// Runs `tk-auth status`: reads the defaults as Python's `ShotgunAuthenticator` does, so a
/// session written by a Python tool is reported the same way.
pub(crate) fn status(args: &StatusArgs) -> Outcome {
    let defaults = Defaults::from_env().map_err(Failure::bad_input)?;
    let cache = defaults.session_cache().clone();
    let site = defaults.get_host().map_err(Failure::failed)?;
    // The default user is read from the files on this thread; only `--check` uses the
    // network.
    let authenticator = ShotgunAuthenticator::new(defaults.clone(), NonInteractivePrompter);
    let user = authenticator
        .get_default_user()
        .map_err(|e| Failure::failed(anyhow::Error::new(e).context("reading the default user")))?;
    let login = match &user {
        Some(user) => user.login(),
        None => defaults.get_login().map_err(Failure::failed)?,
    };
    let file = match &site {
        Some(site) => cache.site_file(site).map_err(Failure::failed)?,
        None => cache.global_file(),
    };
    let backend = cache.backend();
    let proxy = ProxyInUse::of(&defaults, site.as_ref(), &Env::process())?;
    let check = match (&user, args.check) {
        (_, false) => None,
        (None, true) => Some(Check::NoSession),
        (Some(user), true) => Some(check(user)?),
    };
    let life = user.as_ref().map(SessionLife::of).unwrap_or_default();
    let mut report = json!({
        "site": site,
        "login": login,
        "session_stored": user.is_some(),
        "cache_file": file,
        "store": if backend.is_file() { "file" } else { "keyring" },
        "keyring": match &backend {
            StoreBackend::Keyring { name } => Value::from(*name),
            _ => Value::Null,
        },
        "keyring_unavailable": match &backend {
            StoreBackend::File { fallback_reason } => json!(fallback_reason),
            _ => Value::Null,
        },
        "proxy": &proxy.proxy,
        "proxy_source": proxy.source_name(),
        "proxy_variable": proxy.variable(),
        "credentials": check.as_ref().map(Check::name),
        "check_error": match &check {
            Some(Check::Unreachable(why)) => Value::from(why.clone()),
            _ => Value::Null,
        },
    });
    if let Some(fields) = report.as_object_mut() {
        fields.extend(life.json_fields().map(|(k, v)| (k.to_owned(), v)));
    }
    if args.json {
        print(&report.to_string());
    } else {
        // Logins and errors can be a site's text.
        let line = |name: &str, value: &str| print(&terminal_safe(&format!("{name:<16}{value}")));
        line("site:", site.as_ref().map_or("(none)", |s| s.url()));
        line("login:", login.as_deref().unwrap_or("(none)"));
        line("session stored:", if user.is_some() { "yes" } else { "no" });
        line("cache file:", &file.display().to_string());
        line("store:", &backend.to_string());
        line("proxy:", &proxy.text());
        for (name, value) in life.lines() {
            line(name, &value);
        }
        match &check {
            None => {}
            Some(Check::Unreachable(why)) => line("credentials:", &format!("unreachable ({why})")),
            Some(check) => line("credentials:", &check.name().replace('_', " ")),
        }
    }
    match check {
        None | Some(Check::Valid) => Ok(()),
        Some(Check::Expired) => {
            let site = site.as_ref().map(ToString::to_string).unwrap_or_default();
            let login = login.as_deref().unwrap_or_default();
            Err(Failure::auth_required(anyhow::anyhow!(
                "the session of {login} on {site} has expired"
            ))
            .hint(format!("run `tk-auth login --site {site} --login {login}`")))
        }
        Some(Check::NoSession) => Err(Failure::auth_required(anyhow::anyhow!(
            "no session is stored"
        ))
        .hint("run `tk-auth login`")),
        Some(Check::Unreachable(why)) => Err(Failure::failed(anyhow::anyhow!(
            "could not check the session: {why}"
        ))),
    }
}
