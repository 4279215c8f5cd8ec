//! The login flow, written once and driven by whichever prompter is in use: site → site
//! info → method → credentials → two-factor code → token, or browser approval.

use std::sync::Arc;

use tk_auth_core::env::SGTK_AUTH_ALLOW_NO_HTTPS;
use tk_auth_core::{Secret, Site};
use tk_auth_http::{CancelHandle, SiteClient, SiteInfo};
use tk_auth_prompt::{
    ApprovalQuestion, ErrorNotice, LoginQuestion, MethodChoice, MethodQuestion, PasswordQuestion,
    PromptError, RenewalNotice, SiteDetails, SiteQuestion, TwoFactorQuestion,
};

use crate::context::{Context, off_runtime};
use crate::method::{self, MethodPlan};
use crate::{Error, ErrorKind, LoginMethod};

/// What a login starts from.
#[derive(Clone, Debug, Default)]
pub(crate) struct LoginRequest {
    /// The site offered (or used, when fixed).
    pub(crate) site: Option<Site>,
    /// The login offered (or used, in a renewal).
    pub(crate) login: Option<String>,
    /// The proxy to reach the site through.
    pub(crate) http_proxy: Option<String>,
    /// The site is not asked for.
    pub(crate) host_fixed: bool,
    /// This renews an expired session: site and login are fixed.
    pub(crate) renewal: bool,
    /// The client to reach a fixed site through, when there is one already (a renewal
    /// uses its user's: warm connections, no new handshake); otherwise a new one.
    pub(crate) client: Option<SiteClient>,
}

/// A successful login.
#[derive(Clone, Debug)]
pub(crate) struct LoginOutcome {
    pub(crate) site: Site,
    pub(crate) login: String,
    pub(crate) token: Secret,
    pub(crate) metadata: Option<Secret>,
    pub(crate) method: LoginMethod,
}

/// Runs the login flow through the context's prompter, and tells the prompter when it
/// ended (a window closes).
pub(crate) async fn run(ctx: &Arc<Context>, request: LoginRequest) -> Result<LoginOutcome, Error> {
    let outcome = run_flow(ctx, request).await;
    ctx.prompter.finished().await;
    outcome
}

async fn run_flow(ctx: &Arc<Context>, request: LoginRequest) -> Result<LoginOutcome, Error> {
    let prompter = &ctx.prompter;
    let given_site = request.site.clone().unwrap_or_default();
    if request.renewal {
        let login = request.login.clone().unwrap_or_default();
        prompter
            .session_expired(&RenewalNotice {
                site: given_site.clone(),
                login: login.clone(),
            })
            .await
            .map_err(|e| Error::from_prompt(&given_site, Some(&login), e))?;
    }
    let site = if request.host_fixed && !given_site.is_empty() {
        given_site
    } else {
        let cache = ctx.cache.clone();
        let mut recent = off_runtime(move || cache.get_recent_hosts()).await?;
        if let Some(h) = request.site.as_ref().filter(|h| !h.is_empty())
            && !recent.contains(h)
        {
            recent.insert(0, h.clone());
        }
        let answer = prompter
            .site(&SiteQuestion {
                default: request.site.clone().filter(|h| !h.is_empty()),
                recent,
            })
            .await
            .map_err(|e| Error::from_prompt(&given_site, None, e))?;
        let answer = answer.trim();
        let answer = if answer.is_empty() {
            given_site.given()
        } else {
            answer
        };
        if answer.is_empty() {
            return Err(Error::new(ErrorKind::Cancelled));
        }
        // A typed site is kept as its URL, as Python keeps it.
        Site::new(answer).normalized()
    };
    let client = match &request.client {
        Some(client) if request.host_fixed => client.clone(),
        _ => ctx.client(&site, request.http_proxy.as_deref())?,
    };
    let info = site_info(&client, &site).await?;
    let saved = {
        let (cache, site) = (ctx.cache.clone(), site.clone());
        off_runtime(move || cache.get_preferred_method(&site))
            .await?
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not read the preferred login method");
                None
            })
    };
    let plan = method::plan(&info, &ctx.options.env, saved);
    let methods = match &plan {
        MethodPlan::SingleSignOnOnly => Vec::new(),
        MethodPlan::Use(choice) => vec![*choice],
        MethodPlan::Ask { choices, .. } => choices.clone(),
    };
    prompter
        .site_details(&SiteDetails {
            site: site.clone(),
            auth_type: info
                .user_authentication_method()
                .map(|m| m.as_str().to_owned()),
            methods: methods.clone(),
        })
        .await;
    let plan = match ctx.options.only_method {
        // Checked before anything is asked or sent: a password, or an approval request
        // the site would keep open for nobody.
        Some(only) if !methods.contains(&only) => {
            return Err(Error::from_prompt(
                &site,
                request.login.as_deref(),
                PromptError::InvalidAnswer {
                    question: "method",
                    reason: format!("{site} does not offer the login method {:?}", only.label()),
                },
            ));
        }
        Some(only) => MethodPlan::Use(only),
        None => plan,
    };
    let choice = match plan {
        MethodPlan::SingleSignOnOnly => {
            return Err(Error::new(ErrorKind::ConsoleLoginNotSupported {
                site_auth_type: "Single Sign-On".to_owned(),
            })
            .at(&site));
        }
        MethodPlan::Use(choice) => choice,
        MethodPlan::Ask { choices, default } => prompter
            .method(&MethodQuestion {
                site: site.clone(),
                choices,
                default,
            })
            .await
            .map_err(|e| Error::from_prompt(&site, request.login.as_deref(), e))?,
    };
    let (login, token) = match choice {
        MethodChoice::BrowserApproval => browser_approval(ctx, &client, &site, &request).await?,
        _ => credentials(ctx, &client, &site, &request).await?,
    };
    Ok(LoginOutcome {
        site,
        login,
        token,
        metadata: None,
        method: method::remembered(choice),
    })
}

/// The person cancelled the login of `login` on `site`.
fn cancelled(site: &Site, login: Option<&str>) -> Error {
    Error::from_prompt(site, login, PromptError::Cancelled)
}

/// The site's info. An unreachable site ends the login (asking for a password would be
/// pointless); any other failure reads as an empty answer, as in Python.
async fn site_info(client: &SiteClient, site: &Site) -> Result<SiteInfo, Error> {
    match client.info().await {
        Ok(info) => Ok(info),
        Err(e) if e.is_unreachable() => Err(Error::from_http(site, None, e)),
        Err(e) => {
            tracing::warn!(site = %site, error = %e, "could not read the site's info");
            Ok(SiteInfo::from_json(serde_json::Value::Null))
        }
    }
}

/// Whether a password may be sent to a site: over https, to this machine, or when
/// `SGTK_AUTH_ALLOW_NO_HTTPS` is set.
fn password_allowed(scheme: &str, host: &str, env: &tk_auth_core::Env) -> bool {
    let host = host.trim_matches(['[', ']']);
    scheme != "http"
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || env.is_set(SGTK_AUTH_ALLOW_NO_HTTPS)
}

/// Login and password (three tries), then a two-factor code when the site asks.
async fn credentials(
    ctx: &Context,
    client: &SiteClient,
    site: &Site,
    request: &LoginRequest,
) -> Result<(String, Secret), Error> {
    if !password_allowed(
        client.site().scheme(),
        client.site().host(),
        &ctx.options.env,
    ) {
        return Err(Error::new(ErrorKind::InsecureSite).at(site));
    }
    let prompter = &ctx.prompter;
    let login = if request.renewal {
        request.login.clone().unwrap_or_default()
    } else {
        let (cache, h) = (ctx.cache.clone(), site.clone());
        let recent = off_runtime(move || cache.get_recent_users(&h))
            .await?
            .unwrap_or_default();
        let default = request
            .login
            .clone()
            .filter(|l| !l.is_empty())
            .or_else(|| recent.first().cloned());
        let answer = prompter
            .login(&LoginQuestion {
                site: site.clone(),
                default: default.clone(),
                recent,
            })
            .await
            .map_err(|e| Error::from_prompt(site, None, e))?;
        match (answer.trim(), default) {
            ("", Some(default)) => default,
            ("", None) => return Err(cancelled(site, None)),
            (answer, _) => answer.to_owned(),
        }
    };
    let attempts = ctx.options.password_attempts.max(1);
    for attempt in 1..=attempts {
        let password = prompter
            .password(&PasswordQuestion {
                site: site.clone(),
                login: login.clone(),
                renewal: request.renewal,
                attempt,
            })
            .await
            .map_err(|e| Error::from_prompt(site, Some(&login), e))?;
        if password.is_empty() {
            return Err(cancelled(site, Some(&login)));
        }
        let result = match client.generate_session_token(&login, &password, None).await {
            Err(tk_auth_http::HttpError::TwoFactorRequired { .. }) => {
                let code = prompter
                    .two_factor_code(&TwoFactorQuestion {
                        site: site.clone(),
                        login: login.clone(),
                    })
                    .await
                    .map_err(|e| Error::from_prompt(site, Some(&login), e))?;
                let code = Secret::new(code.expose().trim());
                if code.is_empty() {
                    return Err(cancelled(site, Some(&login)));
                }
                client
                    .generate_session_token(&login, &password, Some(&code))
                    .await
            }
            other => other,
        };
        match result {
            Ok(token) => return Ok((login, token)),
            Err(e @ tk_auth_http::HttpError::AuthenticationFailed { .. }) if attempt < attempts => {
                tracing::info!(site = %site, login = %login, attempt, "login refused");
                prompter
                    .show_error(&ErrorNotice {
                        site: site.clone(),
                        login: Some(login.clone()),
                        message: format!("Login failed: {e}"),
                    })
                    .await;
            }
            Err(e) => return Err(Error::from_http(site, Some(&login), e)),
        }
    }
    // The loop returns on its last attempt.
    Err(Error::new(ErrorKind::Authentication)
        .at(site)
        .of(Some(&login)))
}

/// Browser approval: the site's page is opened, the person approves there, and the
/// prompter shows the wait (and can cancel it).
async fn browser_approval(
    ctx: &Context,
    client: &SiteClient,
    site: &Site,
    request: &LoginRequest,
) -> Result<(String, Secret), Error> {
    let cancel = CancelHandle::new();
    let (url_sender, url_receiver) = tokio::sync::oneshot::channel::<String>();
    let opener = ctx.options.browser_opener();
    let approval = client.request_browser_approval(&ctx.options.approval, &cancel, move |url| {
        let _ = url_sender.send(url.to_string());
        opener(url)
    });
    tokio::pin!(approval);
    let login = request.login.as_deref();
    let approved = tokio::select! {
        approved = &mut approval => approved,
        url = url_receiver => {
            let question = ApprovalQuestion {
                site: site.clone(),
                login: request.login.clone().filter(|_| request.renewal),
                url: url.unwrap_or_default(),
            };
            let waiting = ctx.prompter.approve_in_browser(&question);
            tokio::select! {
                approved = &mut approval => approved,
                gave_up = waiting => {
                    cancel.cancel();
                    return Err(Error::from_prompt(site, login, gave_up));
                }
            }
        }
    };
    match approved {
        Ok(session) => Ok((session.login, session.session_token)),
        Err(tk_auth_http::HttpError::Approval(tk_auth_http::ApprovalError::Cancelled {
            ..
        })) => Err(cancelled(site, login)),
        Err(e) => {
            let error = Error::from_http(site, login, e);
            // Python raises the launcher's errors as `AuthenticationError`s.
            Err(if *error.kind() == ErrorKind::Request {
                error.with_kind(ErrorKind::Approval)
            } else {
                error
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tk_auth_core::Env;

    #[test]
    fn passwords_go_over_plain_http_only_to_this_machine_or_when_allowed() {
        let none = Env::empty();
        assert!(password_allowed("https", "mysite.shotgunstudio.com", &none));
        for host in [
            "127.0.0.1",
            "127.0.0.2",
            "localhost",
            "LocalHost",
            "[::1]",
            "::1",
        ] {
            assert!(password_allowed("http", host, &none), "{host}");
        }
        for host in [
            "mysite.shotgunstudio.com",
            "10.0.0.5",
            "[fe80::1]",
            "localhost.evil.com",
        ] {
            assert!(!password_allowed("http", host, &none), "{host}");
        }
        let allowed = Env::from_pairs([(SGTK_AUTH_ALLOW_NO_HTTPS, "1")]);
        assert!(password_allowed(
            "http",
            "mysite.shotgunstudio.com",
            &allowed
        ));
    }
}
