//! The command's own prompters: a password (and code) read from a pipe, and a login method
//! fixed by `--method`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tk_auth::prompt::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodQuestion, PasswordQuestion,
    RenewalNotice, RenewalWaitNotice, SiteDetails, SiteQuestion, TwoFactorQuestion,
};
use tk_auth::{MethodChoice, PromptError, Prompter, Secret, Site};

/// Answers a login with the site, login, password and two-factor code given on the command
/// line and standard input (`--password-stdin`, `--code-stdin`): each is used once, and
/// anything else a person would have to answer fails at once, as where nobody can answer.
/// It keeps what the site said of itself, for the advice when the login fails.
pub(crate) struct PipedPassword {
    site: Site,
    login: String,
    password: Mutex<Option<Secret>>,
    code: Mutex<Option<Secret>>,
    seen: Arc<Mutex<Option<SiteDetails>>>,
}

impl PipedPassword {
    pub(crate) fn new(site: Site, login: String, password: Secret, code: Option<Secret>) -> Self {
        Self {
            site,
            login,
            password: Mutex::new(Some(password)),
            code: Mutex::new(code),
            seen: Arc::new(Mutex::new(None)),
        }
    }

    /// Where the site's details land once the login has read them.
    pub(crate) fn seen(&self) -> Arc<Mutex<Option<SiteDetails>>> {
        Arc::clone(&self.seen)
    }

    fn refuse(&self, what: &'static str) -> PromptError {
        PromptError::NonInteractive {
            what,
            site: Some(self.site.clone()),
            login: Some(self.login.clone()),
        }
    }
}

/// Takes the answer out of `slot`: each piped answer is used once.
fn take(slot: &Mutex<Option<Secret>>) -> Option<Secret> {
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

/// What a site that only takes logins in a browser uses instead: SAML single sign-on or
/// Autodesk Identity (`user_authentication_method`).
pub(crate) fn browser_only_login(details: &SiteDetails) -> Option<&'static str> {
    match details.auth_type.as_deref() {
        Some("saml2") => Some("single sign-on"),
        Some("oxygen") => Some("Autodesk Identity"),
        _ => None,
    }
}

#[async_trait]
impl Prompter for PipedPassword {
    fn interface(&self) -> Interface {
        Interface::Program
    }
    async fn site(&self, _: &SiteQuestion) -> Result<String, PromptError> {
        Ok(self.site.url().to_owned())
    }
    async fn login(&self, _: &LoginQuestion) -> Result<String, PromptError> {
        Ok(self.login.clone())
    }
    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        // Such a site refuses every password: it is not sent at all.
        let browser_only = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .and_then(browser_only_login);
        if let Some(uses) = browser_only {
            return Err(PromptError::InvalidAnswer {
                question: "password",
                reason: format!("{} uses {uses}: it takes no password", question.site),
            });
        }
        take(&self.password).ok_or_else(|| self.refuse("another password"))
    }
    async fn two_factor_code(&self, _: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        take(&self.code).ok_or_else(|| self.refuse("a two-factor code"))
    }
    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        // A piped password is a login and password.
        if question.choices.contains(&MethodChoice::Credentials) {
            Ok(MethodChoice::Credentials)
        } else {
            Err(self.refuse("a browser approval"))
        }
    }
    async fn approve_in_browser(&self, _: &ApprovalQuestion) -> PromptError {
        self.refuse("a browser approval")
    }
    async fn show_error(&self, notice: &ErrorNotice) {
        tracing::warn!(site = %notice.site, message = %notice.message, "login error");
    }
    async fn session_expired(&self, _: &RenewalNotice) -> Result<(), PromptError> {
        Ok(())
    }
    async fn site_details(&self, details: &SiteDetails) {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(details.clone());
    }
}

/// Another prompter, with what the command line fixed (`--method`, `--login`) answered
/// without asking: a site that does not offer the method ends the login with a clear error
/// before anything else is asked.
pub(crate) struct CommandLineAnswers<P> {
    inner: P,
    method: Option<MethodChoice>,
    login: Option<String>,
}

impl<P> CommandLineAnswers<P> {
    pub(crate) fn new(inner: P, method: Option<MethodChoice>, login: Option<String>) -> Self {
        Self {
            inner,
            method,
            login,
        }
    }

    /// Fails when `used` is not the method asked for.
    fn check_method(&self, site: &Site, used: MethodChoice) -> Result<(), PromptError> {
        match self.method {
            Some(method) if method != used => Err(not_offered(site, method)),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl<P: Prompter> Prompter for CommandLineAnswers<P> {
    fn interface(&self) -> Interface {
        self.inner.interface()
    }
    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        self.inner.site(question).await
    }
    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
        self.check_method(&question.site, MethodChoice::Credentials)?;
        match &self.login {
            Some(login) => Ok(login.clone()),
            None => self.inner.login(question).await,
        }
    }
    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        self.check_method(&question.site, MethodChoice::Credentials)?;
        self.inner.password(question).await
    }
    async fn two_factor_code(&self, question: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        self.inner.two_factor_code(question).await
    }
    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        match self.method {
            None => self.inner.method(question).await,
            Some(method) if question.choices.contains(&method) => Ok(method),
            Some(method) => Err(not_offered(&question.site, method)),
        }
    }
    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        if let Err(e) = self.check_method(&question.site, MethodChoice::BrowserApproval) {
            return e;
        }
        self.inner.approve_in_browser(question).await
    }
    async fn show_error(&self, notice: &ErrorNotice) {
        self.inner.show_error(notice).await;
    }
    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        self.inner.session_expired(notice).await
    }
    async fn site_details(&self, details: &SiteDetails) {
        self.inner.site_details(details).await;
    }
    async fn finished(&self) {
        self.inner.finished().await;
    }
    async fn wait_for_other_renewal(&self, notice: &RenewalWaitNotice) {
        self.inner.wait_for_other_renewal(notice).await;
    }
}

fn not_offered(site: &Site, method: MethodChoice) -> PromptError {
    PromptError::InvalidAnswer {
        question: "method",
        reason: format!(
            "{site} does not offer the login method {:?} (--method)",
            method.label()
        ),
    }
}
