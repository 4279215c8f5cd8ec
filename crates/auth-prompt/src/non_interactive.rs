//! The prompter for places where nobody can answer: every question fails at once.

use async_trait::async_trait;
use tk_auth_core::{Secret, Site};

use crate::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodChoice, MethodQuestion,
    PasswordQuestion, PromptError, Prompter, RenewalNotice, SiteQuestion, TwoFactorQuestion,
};

/// Fails every question at once with [`PromptError::NonInteractive`], naming the site and
/// login and how to log in again — on a render-farm node, in CI, under a service manager,
/// where waiting for an answer would hang forever (Decision 4 in `docs/decisions.md`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NonInteractivePrompter;

impl NonInteractivePrompter {
    /// The prompter.
    pub fn new() -> Self {
        Self
    }
}

fn refuse(what: &'static str, site: Option<&Site>, login: Option<&str>) -> PromptError {
    let err = PromptError::NonInteractive {
        what,
        site: site.cloned(),
        login: login.map(str::to_owned),
    };
    tracing::warn!(error = %err, "prompt refused in non-interactive mode");
    err
}

#[async_trait]
impl Prompter for NonInteractivePrompter {
    fn interface(&self) -> Interface {
        Interface::Nobody
    }
    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        Err(refuse("the site", question.default.as_ref(), None))
    }
    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
        Err(refuse(
            "the login",
            Some(&question.site),
            question.default.as_deref(),
        ))
    }
    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        Err(refuse(
            "a password",
            Some(&question.site),
            Some(&question.login),
        ))
    }
    async fn two_factor_code(&self, question: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        Err(refuse(
            "a two-factor code",
            Some(&question.site),
            Some(&question.login),
        ))
    }
    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        Err(refuse("the login method", Some(&question.site), None))
    }
    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        refuse(
            "a browser approval",
            Some(&question.site),
            question.login.as_deref(),
        )
    }
    async fn show_error(&self, notice: &ErrorNotice) {
        tracing::warn!(site = %notice.site, login = ?notice.login, message = %notice.message, "authentication error");
    }
    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        Err(refuse(
            "new credentials",
            Some(&notice.site),
            Some(&notice.login),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_fails_at_once_naming_site_login_and_the_fix() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt
            .block_on(NonInteractivePrompter.session_expired(&RenewalNotice {
                site: "https://mysite.shotgunstudio.com".into(),
                login: "alice".into(),
            }))
            .unwrap_err();
        assert!(err.is_non_interactive());
        let text = err.to_string();
        for part in [
            "alice",
            "https://mysite.shotgunstudio.com",
            "tk-auth login --site https://mysite.shotgunstudio.com",
        ] {
            assert!(text.contains(part), "{text}");
        }
    }
}
