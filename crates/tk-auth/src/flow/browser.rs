//! A Flow login in the browser (OAuth 2 authorization code with PKCE): the callback
//! server listens first, then the authorization page opens and the prompter shows the
//! wait; the code the browser brings back is exchanged for tokens.

use tk_auth_http::{CancelHandle, FlowCallback, FlowLoginRequest};
use tk_auth_prompt::{ApprovalQuestion, Interface};

use super::{FlowAuth, FlowTokens, flow_error};
use crate::{Error, ErrorKind};

/// Logs the person in through the browser; nothing is opened where nobody can answer.
pub(super) async fn login(flow: &FlowAuth) -> Result<FlowTokens, Error> {
    let inner = &flow.inner;
    let failed = |e| flow_error(&inner.settings, &inner.profile, e);
    if inner.ctx.prompter.interface() == Interface::Nobody {
        return Err(Error::new(ErrorKind::FlowAuth)
            .at(&flow.site())
            .of(Some(&inner.profile))
            .caused_by(tk_auth_prompt::PromptError::NonInteractive {
                what: "a Flow login in the browser",
                site: Some(flow.site()),
                login: Some(inner.profile.clone()),
            }));
    }
    let callback = FlowCallback::bind(&inner.settings.callback_url)
        .await
        .map_err(failed)?;
    let request = FlowLoginRequest::new().map_err(failed)?;
    let page = request
        .authorize_url(&inner.settings, callback.redirect_uri())
        .map_err(failed)?;
    let redirect_uri = callback.redirect_uri().to_owned();
    tracing::warn!(profile = %inner.profile, timeout_s = inner.login_timeout.as_secs(), "opening the browser for a Flow login");
    let opened = (inner.ctx.options.browser_opener())(&page);
    if !opened {
        tracing::info!("the browser could not be opened: the prompter shows the page's address");
    }
    let cancel = CancelHandle::new();
    let waiting = callback.wait(request.state(), inner.login_timeout, &cancel);
    tokio::pin!(waiting);
    let question = ApprovalQuestion {
        site: flow.site(),
        login: Some(inner.profile.clone()),
        url: page.to_string(),
    };
    let showing = inner.ctx.prompter.approve_in_browser(&question);
    let code = tokio::select! {
        code = &mut waiting => code.map_err(failed)?,
        gave_up = showing => {
            cancel.cancel();
            return Err(Error::from_prompt(&flow.site(), Some(&inner.profile), gave_up));
        }
    };
    let answer = inner
        .client
        .exchange_code(&code, request.verifier(), &redirect_uri)
        .await
        .map_err(failed)?;
    Ok(FlowTokens {
        access: answer.access_token,
        refresh: answer.refresh_token,
    })
}
