//! The `Prompter` trait: every question a login or a renewal can ask.

use std::sync::Arc;

use async_trait::async_trait;
use tk_auth_core::Secret;

use crate::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodChoice, MethodQuestion,
    PasswordQuestion, PromptError, RenewalNotice, RenewalWaitNotice, SiteDetails, SiteQuestion,
    TwoFactorQuestion,
};

/// Asks a person the questions of a login or a session renewal.
///
/// The login flow that calls these lives in the authenticator and is the same for every
/// prompter: a console, a window, a program's own interface, or nobody at all. A prompter
/// only asks — it never calls the network or stores anything — so each implementation is
/// small and the flow is tested once.
///
/// An answer of [`PromptError::Cancelled`] ends the login or renewal with Python's
/// `AuthenticationCancelled`.
///
/// Methods may wait for a person for as long as it takes; they are `async` so that a window
/// or a program's interface can answer without blocking a runtime thread. A console prompter
/// that reads standard input should do so on a blocking thread.
#[async_trait]
pub trait Prompter: Send + Sync {
    /// What the person answers through; decides whether anybody can answer here (see
    /// [`Interactivity`](crate::Interactivity)).
    fn interface(&self) -> Interface;

    /// The site to log in to: `default` when the person just confirms. The answer is
    /// cleaned up as a site URL by the caller.
    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError>;

    /// The login on `question.site`.
    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError>;

    /// The password of `question.login` (not trimmed: spaces are part of a password). An
    /// empty answer is a cancellation.
    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError>;

    /// A two-factor or backup code, asked after the site accepted the password.
    async fn two_factor_code(&self, question: &TwoFactorQuestion) -> Result<Secret, PromptError>;

    /// How to log in, when the site allows more than one way.
    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError>;

    /// Tells the person to approve the program at `question.url` (already opened in the
    /// browser when possible) and waits while the site waits.
    ///
    /// Resolves only when the person gives up, with the reason (usually
    /// [`PromptError::Cancelled`]); when the approval arrives the caller stops polling this
    /// future and drops it, so an implementation must not rely on running to the end.
    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError;

    /// Shows an error before the flow goes on (for example a wrong password before the next
    /// try). Showing cannot fail; a prompter with nowhere to show it logs it.
    async fn show_error(&self, notice: &ErrorNotice);

    /// Starts a renewal: tells the person that the session of `notice.login` on `notice.site`
    /// expired. The questions that follow keep the site and login fixed. A prompter that
    /// cannot reach anybody fails here, before anything is sent to the site.
    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError>;

    /// Tells what the site allows, after the site question and before the method one. Only
    /// a prompter that shows several questions at once (a window) needs it; the default
    /// does nothing.
    async fn site_details(&self, details: &SiteDetails) {
        let _ = details;
    }

    /// The login or renewal ended, successfully or not: a window closes. The default does
    /// nothing.
    async fn finished(&self) {}

    /// Shows that this process waits while another program renews the session of
    /// `notice.login` on `notice.site` (it may be asking its person, for minutes); this one
    /// then takes the token it saved, without asking.
    ///
    /// Shows the wait until the caller drops this future, which it does when the other
    /// renewal ends (or the wait's limit passes); like
    /// [`approve_in_browser`](Self::approve_in_browser), an implementation must not rely on
    /// running to the end, and must leave the screen clean when dropped. Resolving early
    /// only stops the showing: the caller keeps waiting. The default shows nothing and never
    /// resolves.
    async fn wait_for_other_renewal(&self, notice: &RenewalWaitNotice) {
        let _ = notice;
        std::future::pending::<()>().await;
    }
}

/// Forwards every question of a smart pointer to the prompter it holds.
macro_rules! forward_prompter {
    ($pointer:ident) => {
        #[async_trait]
        impl<P: Prompter + ?Sized> Prompter for $pointer<P> {
            fn interface(&self) -> Interface {
                (**self).interface()
            }
            async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
                (**self).site(question).await
            }
            async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
                (**self).login(question).await
            }
            async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
                (**self).password(question).await
            }
            async fn two_factor_code(
                &self,
                question: &TwoFactorQuestion,
            ) -> Result<Secret, PromptError> {
                (**self).two_factor_code(question).await
            }
            async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
                (**self).method(question).await
            }
            async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
                (**self).approve_in_browser(question).await
            }
            async fn show_error(&self, notice: &ErrorNotice) {
                (**self).show_error(notice).await;
            }
            async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
                (**self).session_expired(notice).await
            }
            async fn site_details(&self, details: &SiteDetails) {
                (**self).site_details(details).await;
            }
            async fn finished(&self) {
                (**self).finished().await;
            }
            async fn wait_for_other_renewal(&self, notice: &RenewalWaitNotice) {
                (**self).wait_for_other_renewal(notice).await;
            }
        }
    };
}

forward_prompter!(Arc);
forward_prompter!(Box);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NonInteractivePrompter, ScriptedPrompter};

    fn notice() -> RenewalWaitNotice {
        RenewalWaitNotice {
            site: "https://s".into(),
            login: "alice".into(),
            holder: None,
        }
    }

    /// Polls `wait` once, then drops it (as the caller does when the lock arrives); says
    /// whether it had ended.
    fn poll_once(wait: impl std::future::Future<Output = ()>) -> bool {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                tokio::select! {
                    biased;
                    () = wait => true,
                    () = std::future::ready(()) => false,
                }
            })
    }

    #[test]
    fn by_default_the_wait_for_another_renewal_shows_nothing_and_lasts() {
        assert!(!poll_once(
            NonInteractivePrompter.wait_for_other_renewal(&notice())
        ));
    }

    #[test]
    fn the_wait_for_another_renewal_reaches_the_prompter_inside_a_box_and_an_arc() {
        let scripted = Arc::new(ScriptedPrompter::new([]));
        let boxed: Box<Arc<ScriptedPrompter>> = Box::new(Arc::clone(&scripted));
        assert!(!poll_once(boxed.wait_for_other_renewal(&notice())));
        assert_eq!(scripted.renewal_waits(), [notice()]);
    }
}
