//! The login dialog's state: which page shows, what was typed, which question waits for an
//! answer. Drawing is in `dialog_ui.rs`; this half decides.

use std::fmt;
use std::sync::Arc;

use tk_auth_core::{Secret, Site};
use tokio::sync::oneshot;
use url::Url;

use crate::{MethodChoice, PromptError, RenewalNotice};

/// Opens a page in the browser; `false` when it could not.
pub(crate) type LinkOpener = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

/// The message of a renewal, in tk-core's words.
pub(crate) const EXPIRED: &str = "Your session has expired. Please enter your password.";
/// The question asked before the dialog is cancelled, in tk-core's words.
pub(crate) const CONFIRM_CANCEL: &str = "Would you like to cancel your request?";
pub(crate) const EMPTY_SITE: &str = "Please enter the address of the site to connect to.";
pub(crate) const EMPTY_LOGIN: &str = "Please enter your login name.";
pub(crate) const EMPTY_PASSWORD: &str = "Please enter your password.";
pub(crate) const EMPTY_CODE: &str = "Please enter your code.";

/// The pages of the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    /// Site, login, password and the method menu.
    Login,
    /// The code of the authenticator app.
    TwoFactor,
    /// One of the backup codes, instead of the app's code.
    BackupCode,
    /// Waiting while the person approves in the browser.
    Approval,
    /// Between two questions, while the site is being asked.
    Busy,
}

/// The question the dialog is answering now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asking {
    Site,
    Method,
    Login,
    Password,
    Code,
    Approval,
}

/// The answer to a waiting question: the fields hold it, or the reason there is none.
pub(crate) type Reply = Result<(), PromptError>;

/// The login dialog: a plain state struct drawn by [`LoginDialog::ui`].
#[allow(
    clippy::struct_excessive_bools,
    reason = "the independent flags of one dialog's state"
)]
///
/// A [`GuiPrompter`](crate::GuiPrompter) puts its questions here and waits for the answers;
/// a window (or a program's own egui interface, or a test) draws it.
pub struct LoginDialog {
    pub(crate) page: Page,
    pub(crate) renewal: Option<RenewalNotice>,
    pub(crate) site: String,
    pub(crate) login: String,
    /// Whether the login can be edited (fixed once the flow has chosen it, and in a renewal).
    pub(crate) login_editable: bool,
    pub(crate) password: String,
    /// A password typed on the page and not yet handed to the flow.
    pub(crate) password_ready: bool,
    /// The login page was answered once in this flow.
    pub(crate) submitted: bool,
    pub(crate) code: String,
    pub(crate) recent_sites: Vec<String>,
    pub(crate) recent_logins: Vec<String>,
    /// The method the page shows.
    pub(crate) method: MethodChoice,
    /// Whether the person picked `method` from the menu: a pick wins over what was typed.
    pub(crate) method_picked: bool,
    /// The methods the menu offers.
    pub(crate) methods: Vec<MethodChoice>,
    /// The site's authentication type once known (`default`, `ldap`, …).
    pub(crate) auth_type: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) approval_url: Option<String>,
    pub(crate) confirming_cancel: bool,
    /// The person cancelled while no question was waiting: the next one fails at once.
    pub(crate) cancelled: bool,
    /// The flow ended: the window closes.
    pub(crate) finished: bool,
    pub(crate) focus_pending: bool,
    pending: Option<(Asking, oneshot::Sender<Reply>)>,
    pub(crate) open_link: LinkOpener,
}

impl fmt::Debug for LoginDialog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password and the code are never printed.
        f.debug_struct("LoginDialog")
            .field("page", &self.page)
            .field("site", &self.site)
            .field("login", &self.login)
            .field("method", &self.method)
            .field("asking", &self.asking())
            .finish_non_exhaustive()
    }
}

impl LoginDialog {
    pub(crate) fn new(open_link: LinkOpener) -> Self {
        Self {
            page: Page::Busy,
            renewal: None,
            site: String::new(),
            login: String::new(),
            login_editable: true,
            password: String::new(),
            password_ready: false,
            submitted: false,
            code: String::new(),
            recent_sites: Vec::new(),
            recent_logins: Vec::new(),
            method: MethodChoice::Credentials,
            method_picked: false,
            methods: vec![MethodChoice::Credentials, MethodChoice::BrowserApproval],
            auth_type: None,
            message: None,
            approval_url: None,
            confirming_cancel: false,
            cancelled: false,
            finished: true,
            focus_pending: false,
            pending: None,
            open_link,
        }
    }

    /// The question waiting for an answer, if any.
    pub(crate) fn asking(&self) -> Option<Asking> {
        self.pending.as_ref().map(|(a, _)| *a)
    }

    /// Whether the dialog needs a window: a flow is under way.
    pub(crate) fn wants_window(&self) -> bool {
        !self.finished
    }

    /// Shows `page` for `asking`; the answer arrives on the returned receiver. A question
    /// asked after the person cancelled fails at once.
    pub(crate) fn ask(&mut self, asking: Asking, page: Page) -> oneshot::Receiver<Reply> {
        let (sender, receiver) = oneshot::channel();
        self.finished = false;
        if self.cancelled {
            let _ = sender.send(Err(PromptError::Cancelled));
            return receiver;
        }
        // A question left unanswered (its caller gave up) is replaced.
        self.pending = Some((asking, sender));
        self.page = page;
        self.focus_pending = true;
        receiver
    }

    /// Answers the waiting question.
    pub(crate) fn reply(&mut self, reply: Reply) {
        if let Some((_, sender)) = self.pending.take() {
            let _ = sender.send(reply);
        }
        self.page = Page::Busy;
    }

    /// The caller of the waiting question stopped waiting (a browser approval arrived).
    pub(crate) fn withdraw(&mut self, asking: Asking) {
        if self.asking() == Some(asking) {
            self.pending = None;
            self.page = Page::Busy;
        }
    }

    /// The window could not open or closed under the question: it fails with `error`.
    pub(crate) fn fail(&mut self, error: impl Fn() -> PromptError) {
        if let Some((_, sender)) = self.pending.take() {
            let _ = sender.send(Err(error()));
        }
        self.finished = true;
    }

    /// Starts a renewal: site and login come from the notice and cannot be changed.
    pub(crate) fn start_renewal(&mut self, notice: &RenewalNotice) {
        self.reset();
        notice.site.url().clone_into(&mut self.site);
        self.login.clone_from(&notice.login);
        self.login_editable = false;
        self.renewal = Some(notice.clone());
        self.methods = vec![MethodChoice::Credentials];
    }

    /// Forgets the last flow, keeping the link opener.
    pub(crate) fn reset(&mut self) {
        let open_link = Arc::clone(&self.open_link);
        *self = Self::new(open_link);
    }

    /// The password typed, taken out of the field.
    pub(crate) fn take_password(&mut self) -> Secret {
        self.password_ready = false;
        Secret::new(std::mem::take(&mut self.password))
    }

    /// The code typed (stripped of surrounding blanks, as tk-core does), taken out of the field.
    pub(crate) fn take_code(&mut self) -> Secret {
        let code = Secret::new(self.code.trim());
        self.code.clear();
        code
    }

    /// The forgot-password page, offered for login and password on `default` and `ldap`
    /// sites (as tk-core's dialog offers it), as a parsed address (a site typed without a scheme is on
    /// `https`, as everywhere else).
    pub(crate) fn forgot_password_url(&self) -> Option<Url> {
        let basic = matches!(self.auth_type.as_deref(), Some("default" | "ldap"));
        if !basic || self.method != MethodChoice::Credentials || self.site.trim().is_empty() {
            return None;
        }
        // The text typed in the window enters as a site here.
        let site = Site::new(self.site.as_str());
        Url::parse(&format!("{}/user/forgot_password", site.url())).ok()
    }

    /// Opens the forgot-password page, or says it could not.
    pub(crate) fn open_forgot_password(&mut self) {
        if let Some(url) = self.forgot_password_url()
            && !(self.open_link)(&url)
        {
            self.message = Some(format!("Can't open '{url}'."));
        }
    }

    /// The person picked a method from the menu.
    pub(crate) fn pick_method(&mut self, method: MethodChoice) {
        self.method = method;
        self.method_picked = true;
        self.message = None;
        self.focus_pending = true;
    }

    /// Strips the fields tk-core strips when editing finishes (site, login, code).
    pub(crate) fn strip_fields(&mut self) {
        for field in [&mut self.site, &mut self.login, &mut self.code] {
            if field.trim().len() != field.len() {
                *field = field.trim().to_owned();
            }
        }
    }

    /// What is missing on the login page, in the order of the fields, in tk-core's words.
    pub(crate) fn login_page_problem(&self) -> Option<&'static str> {
        if self.site.is_empty() {
            return Some(EMPTY_SITE);
        }
        // Before the site is known only the site is needed, unless the person chose login
        // and password from the menu; what else was typed is used when the flow asks.
        let site_only = self.asking() == Some(Asking::Site) && !self.method_picked;
        if self.method != MethodChoice::Credentials || site_only {
            return None;
        }
        if self.login.is_empty() {
            return Some(EMPTY_LOGIN);
        }
        if self.password.is_empty() {
            return Some(EMPTY_PASSWORD);
        }
        None
    }

    /// OK on the current page: checks the fields and answers, or says what is missing.
    pub(crate) fn submit(&mut self) {
        self.strip_fields();
        let problem = match self.page {
            Page::Login => self.login_page_problem(),
            Page::TwoFactor | Page::BackupCode => self.code.is_empty().then_some(EMPTY_CODE),
            Page::Approval | Page::Busy => return,
        };
        if let Some(problem) = problem {
            self.message = Some(problem.to_owned());
            self.focus_pending = true;
            return;
        }
        self.message = None;
        if self.page == Page::Login {
            self.submitted = true;
            if self.method == MethodChoice::Credentials {
                self.password_ready = !self.password.is_empty();
            }
        }
        self.reply(Ok(()));
    }

    /// Closing the window or Esc: asks first, as tk-core's dialog does.
    pub(crate) fn request_cancel(&mut self) {
        if !self.finished {
            self.confirming_cancel = true;
        }
    }

    /// The answer to "Would you like to cancel your request?".
    pub(crate) fn confirm_cancel(&mut self, yes: bool) {
        self.confirming_cancel = false;
        // Back to typing where the person left off.
        self.focus_pending = true;
        if yes {
            self.password.clear();
            self.code.clear();
            if self.pending.is_some() {
                self.reply(Err(PromptError::Cancelled));
            } else {
                self.cancelled = true;
            }
            self.finished = true;
        }
    }

    /// The field that gets the keyboard focus when the page shows: the first empty one, as
    /// in tk-core's dialog; `None` on a page with nothing to type.
    pub(crate) fn focus_field(&self) -> Option<Field> {
        match self.page {
            Page::TwoFactor | Page::BackupCode => Some(Field::Code),
            Page::Approval | Page::Busy => None,
            Page::Login if self.renewal.is_some() => Some(Field::Password),
            Page::Login if self.method != MethodChoice::Credentials => {
                self.site_editable().then_some(Field::Site)
            }
            Page::Login if self.site.is_empty() && self.site_editable() => Some(Field::Site),
            Page::Login if self.login.is_empty() && self.login_editable => Some(Field::Login),
            Page::Login => Some(Field::Password),
        }
    }

    /// Whether the site can be typed: while the site is asked (once answered the flow has it,
    /// and a renewal fixes it).
    pub(crate) fn site_editable(&self) -> bool {
        self.renewal.is_none() && self.asking() == Some(Asking::Site)
    }

    /// The site the page is about, once the flow has it, as the heading shows it: its
    /// normalised address without any `user:password@`.
    pub(crate) fn shown_site(&self) -> Option<String> {
        let typing = self.page == Page::Login && self.site_editable();
        (!typing && !self.site.trim().is_empty()).then(|| shown(&Site::new(self.site.as_str())))
    }
}

/// `site` as a person reads it: its normalised address with no `user:password@` at all
/// (`Display` would show it redacted); redacted if it does not parse.
fn shown(site: &Site) -> String {
    match Url::parse(site.url()) {
        Ok(mut url) => {
            // Neither fails on an `http(s)` address, the only kind that has a host.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str().trim_end_matches('/').to_owned()
        }
        Err(_) => site.to_string(),
    }
}

/// A text field of the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Site,
    Login,
    Password,
    Code,
}
