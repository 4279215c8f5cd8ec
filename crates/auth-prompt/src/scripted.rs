//! A prompter that answers from a script and records what it was asked.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use tk_auth_core::Secret;

use crate::{
    ApprovalQuestion, ErrorNotice, Interface, LoginQuestion, MethodChoice, MethodQuestion,
    PasswordQuestion, PromptError, Prompter, Question, RenewalNotice, RenewalWaitNotice,
    SiteQuestion, TwoFactorQuestion,
};

/// One scripted answer. `Debug` never shows a password or code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Answers the site question.
    Site(String),
    /// Answers the login question.
    Login(String),
    /// Answers the password question.
    Password(Secret),
    /// Answers the two-factor question.
    TwoFactorCode(Secret),
    /// Answers the method question.
    Method(MethodChoice),
    /// Cancels whatever question comes next (including the wait for a browser approval).
    Cancel,
}

impl Answer {
    /// A site answer.
    pub fn site(site: impl Into<String>) -> Self {
        Self::Site(site.into())
    }
    /// A login answer.
    pub fn login(login: impl Into<String>) -> Self {
        Self::Login(login.into())
    }
    /// A password answer.
    pub fn password(password: impl Into<Secret>) -> Self {
        Self::Password(password.into())
    }
    /// A two-factor code answer.
    pub fn two_factor_code(code: impl Into<Secret>) -> Self {
        Self::TwoFactorCode(code.into())
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Site(_) => "site",
            Self::Login(_) => "login",
            Self::Password(_) => "password",
            Self::TwoFactorCode(_) => "two_factor_code",
            Self::Method(_) => "method",
            Self::Cancel => "any",
        }
    }
}

/// Answers questions from a queue, in order, and records every question asked.
///
/// For tests, and for programs that collect credentials through their own interface and
/// hand them to the login flow. Notices ([`show_error`](Prompter::show_error),
/// [`session_expired`](Prompter::session_expired)) are recorded but take no answer. While a
/// browser approval is awaited the prompter waits (the approval arrives from the site)
/// unless the next answer is [`Answer::Cancel`]. A question whose answer is not next in the
/// queue fails with [`PromptError::Unscripted`]. A wait for another program's renewal is
/// no question: it is recorded apart, in [`renewal_waits`](Self::renewal_waits), and takes
/// no answer.
#[derive(Debug)]
pub struct ScriptedPrompter {
    answers: Mutex<VecDeque<Answer>>,
    asked: Mutex<Vec<Question>>,
    renewal_waits: Mutex<Vec<RenewalWaitNotice>>,
    interface: Interface,
}

impl ScriptedPrompter {
    /// A prompter that gives these answers in order.
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self {
            answers: Mutex::new(answers.into_iter().collect()),
            asked: Mutex::new(Vec::new()),
            renewal_waits: Mutex::new(Vec::new()),
            interface: Interface::Program,
        }
    }

    /// Presents the prompter as another interface (by default [`Interface::Program`]), so
    /// that the detection of non-interactive mode can be exercised with scripted answers.
    #[must_use]
    pub fn with_interface(mut self, interface: Interface) -> Self {
        self.interface = interface;
        self
    }

    /// Adds answers at the end of the queue.
    pub fn push(&self, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.answers).extend(answers);
    }

    /// Every question asked so far, in order.
    pub fn asked(&self) -> Vec<Question> {
        lock(&self.asked).clone()
    }

    /// The kinds of the questions asked so far (`site`, `password` …), in order.
    pub fn asked_kinds(&self) -> Vec<&'static str> {
        lock(&self.asked).iter().map(Question::kind).collect()
    }

    /// Every wait for another program's renewal so far, in order (not among
    /// [`asked`](Self::asked): nothing was asked).
    pub fn renewal_waits(&self) -> Vec<RenewalWaitNotice> {
        lock(&self.renewal_waits).clone()
    }

    /// How many answers are left.
    pub fn remaining(&self) -> usize {
        lock(&self.answers).len()
    }

    fn record(&self, question: Question) {
        lock(&self.asked).push(question);
    }

    /// Records the question and takes the next answer, if `pick` accepts it.
    fn answer<T>(
        &self,
        question: Question,
        pick: impl FnOnce(&Answer) -> Option<T>,
    ) -> Result<T, PromptError> {
        let asked = question.kind();
        self.record(question);
        let mut answers = lock(&self.answers);
        match answers.front() {
            Some(Answer::Cancel) => {
                answers.pop_front();
                Err(PromptError::Cancelled)
            }
            Some(next) => match pick(next) {
                Some(value) => {
                    answers.pop_front();
                    Ok(value)
                }
                None => Err(PromptError::Unscripted {
                    asked,
                    expected: Some(next.kind()),
                }),
            },
            None => Err(PromptError::Unscripted {
                asked,
                expected: None,
            }),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl Prompter for ScriptedPrompter {
    fn interface(&self) -> Interface {
        self.interface
    }

    async fn site(&self, question: &SiteQuestion) -> Result<String, PromptError> {
        self.answer(Question::Site(question.clone()), |a| match a {
            Answer::Site(s) => Some(s.clone()),
            _ => None,
        })
    }

    async fn login(&self, question: &LoginQuestion) -> Result<String, PromptError> {
        self.answer(Question::Login(question.clone()), |a| match a {
            Answer::Login(s) => Some(s.clone()),
            _ => None,
        })
    }

    async fn password(&self, question: &PasswordQuestion) -> Result<Secret, PromptError> {
        self.answer(Question::Password(question.clone()), |a| match a {
            Answer::Password(s) => Some(s.clone()),
            _ => None,
        })
    }

    async fn two_factor_code(&self, question: &TwoFactorQuestion) -> Result<Secret, PromptError> {
        self.answer(Question::TwoFactorCode(question.clone()), |a| match a {
            Answer::TwoFactorCode(s) => Some(s.clone()),
            _ => None,
        })
    }

    async fn method(&self, question: &MethodQuestion) -> Result<MethodChoice, PromptError> {
        let choice = self.answer(Question::Method(question.clone()), |a| match a {
            Answer::Method(m) => Some(*m),
            _ => None,
        })?;
        if question.choices.contains(&choice) {
            Ok(choice)
        } else {
            Err(PromptError::InvalidAnswer {
                question: "method",
                reason: format!("'{choice}' was not offered"),
            })
        }
    }

    async fn approve_in_browser(&self, question: &ApprovalQuestion) -> PromptError {
        self.record(Question::ApproveInBrowser(question.clone()));
        let cancel = {
            let mut answers = lock(&self.answers);
            let cancel = answers.front() == Some(&Answer::Cancel);
            if cancel {
                answers.pop_front();
            }
            cancel
        };
        if cancel {
            return PromptError::Cancelled;
        }
        // Nobody cancels: wait until the caller stops waiting (the approval arrived).
        std::future::pending::<()>().await;
        PromptError::Cancelled
    }

    async fn show_error(&self, notice: &ErrorNotice) {
        self.record(Question::Error(notice.clone()));
    }

    async fn session_expired(&self, notice: &RenewalNotice) -> Result<(), PromptError> {
        self.record(Question::SessionExpired(notice.clone()));
        Ok(())
    }

    async fn wait_for_other_renewal(&self, notice: &RenewalWaitNotice) {
        lock(&self.renewal_waits).push(notice.clone());
        // Nothing to show: wait until the caller stops waiting (the other renewal ended).
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn answers_come_in_order_and_every_question_is_recorded() {
        let p = ScriptedPrompter::new([Answer::login("alice"), Answer::password("pw-canary")]);
        block_on(async {
            let login = LoginQuestion {
                site: "https://s".into(),
                ..LoginQuestion::default()
            };
            assert_eq!(p.login(&login).await.unwrap(), "alice");
            let q = PasswordQuestion {
                site: "https://s".into(),
                login: "alice".into(),
                renewal: false,
                attempt: 1,
            };
            assert_eq!(p.password(&q).await.unwrap().expose(), "pw-canary");
            let err = p.password(&q).await.unwrap_err();
            assert_eq!(
                err.to_string(),
                "no scripted answer for the password question"
            );
        });
        assert_eq!(p.asked_kinds(), ["login", "password", "password"]);
        assert!(!format!("{:?}", p.asked()).contains("canary"));
    }

    #[test]
    fn a_question_out_of_turn_says_which_answer_was_next() {
        let p = ScriptedPrompter::new([Answer::password("pw")]);
        let err = block_on(p.site(&SiteQuestion::default())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no scripted answer for the site question (the next answer is for the password question)"
        );
        assert_eq!(p.remaining(), 1, "the answer is kept for its question");
    }

    #[test]
    fn cancel_answers_any_question_and_ends_a_browser_wait() {
        let p = ScriptedPrompter::new([Answer::Cancel, Answer::Cancel]);
        let err = block_on(p.site(&SiteQuestion::default())).unwrap_err();
        assert!(err.is_cancelled());
        let q = ApprovalQuestion {
            site: "https://s".into(),
            login: None,
            url: "https://s/app_session_request/1".into(),
        };
        assert!(block_on(p.approve_in_browser(&q)).is_cancelled());
    }

    #[test]
    fn a_wait_for_another_renewal_is_recorded_apart_from_the_questions_and_takes_no_answer() {
        let p = ScriptedPrompter::new([Answer::Cancel]);
        let notice = RenewalWaitNotice {
            site: "https://s".into(),
            login: "alice".into(),
            holder: Some("process 7 on farm-12".into()),
        };
        let ended = block_on(async {
            tokio::select! {
                biased;
                () = p.wait_for_other_renewal(&notice) => true,
                () = std::future::ready(()) => false,
            }
        });
        assert!(!ended, "the wait lasts until the caller drops it");
        assert_eq!(p.renewal_waits(), [notice]);
        assert!(p.asked().is_empty(), "{:?}", p.asked_kinds());
        assert_eq!(p.remaining(), 1, "the cancel is kept for a question");
    }

    #[test]
    fn a_method_that_was_not_offered_is_refused() {
        let p = ScriptedPrompter::new([Answer::Method(MethodChoice::BrowserApproval)]);
        let q = MethodQuestion {
            site: "https://s".into(),
            choices: vec![MethodChoice::Credentials],
            default: MethodChoice::Credentials,
        };
        let err = block_on(p.method(&q)).unwrap_err();
        assert!(err.to_string().contains("was not offered"), "{err}");
    }
}
