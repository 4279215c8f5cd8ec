//! What a login or a renewal asks, one type per question; none holds a secret.

use std::fmt;

use tk_auth_core::Site;

/// "Which site?" — the first question of a login when the host is not fixed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteQuestion {
    /// The site offered when the person just confirms.
    pub default: Option<Site>,
    /// Sites used recently, most recent first (the session cache keeps 8).
    pub recent: Vec<Site>,
}

/// "Which login?" on a known site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginQuestion {
    /// The site the login is for.
    pub site: Site,
    /// The login offered when the person just confirms.
    pub default: Option<String>,
    /// Logins used recently on this site, most recent first.
    pub recent: Vec<String>,
}

/// "Password?" for a login on a site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordQuestion {
    /// The site.
    pub site: Site,
    /// The login whose password is asked.
    pub login: String,
    /// Whether this renews an expired session (site and login cannot be changed).
    pub renewal: bool,
    /// Which try this is, from 1: a login allows a few tries after a wrong password.
    pub attempt: u32,
}

/// "Two-factor code?" after the password was accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwoFactorQuestion {
    /// The site.
    pub site: Site,
    /// The login.
    pub login: String,
}

/// A way of logging in that a person can be offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MethodChoice {
    /// Approve the program in the browser (the App Session Launcher).
    BrowserApproval,
    /// Login and password (the "legacy credentials").
    Credentials,
}

impl MethodChoice {
    /// How the choice is shown to a person.
    pub fn label(self) -> &'static str {
        match self {
            Self::BrowserApproval => "App Session Launcher",
            Self::Credentials => "Legacy credentials",
        }
    }
}

impl fmt::Display for MethodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// "How do you want to log in?" when the site allows more than one way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodQuestion {
    /// The site.
    pub site: Site,
    /// The ways offered, in the order shown.
    pub choices: Vec<MethodChoice>,
    /// The way chosen when the person just confirms (the saved preference, else the first).
    pub default: MethodChoice,
}

/// "Approve this program in your browser" while the site waits for the approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalQuestion {
    /// The site.
    pub site: Site,
    /// The login being renewed, when this is a renewal.
    pub login: Option<String>,
    /// The page where the person approves (already opened in the browser when possible).
    pub url: String,
}

/// An error shown to the person before the flow goes on (a wrong password, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorNotice {
    /// The site.
    pub site: Site,
    /// The login, when known.
    pub login: Option<String>,
    /// What went wrong, as shown (never a secret).
    pub message: String,
}

/// "Your session has expired": the start of a renewal, where site and login are fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalNotice {
    /// The site.
    pub site: Site,
    /// The login whose session expired.
    pub login: String,
}

/// "Another program is renewing this session": the renewal this process needs is under
/// way in another process (it holds the renewal lock of the site and login, and may be
/// asking its person), so this one waits for it and then takes the token it saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalWaitNotice {
    /// The site.
    pub site: Site,
    /// The login whose session is being renewed.
    pub login: String,
    /// Who renews it, as the lock records it (`process 1234 on host`), when known.
    pub holder: Option<String>,
}

/// What the site said about logging in, told to the prompter once the site is known and
/// before the method is chosen: a window uses it to offer only what works (the method menu)
/// and the "forgot password" link of sites that check passwords themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteDetails {
    /// The site.
    pub site: Site,
    /// How the site authenticates people, as it spells it (`default`, `ldap`, `saml2`,
    /// `oxygen` …), when it said.
    pub auth_type: Option<String>,
    /// The ways of logging in this login offers on the site (empty when none works here).
    pub methods: Vec<MethodChoice>,
}

/// A question as [`ScriptedPrompter`](crate::ScriptedPrompter) records it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Question {
    /// [`Prompter::site`](crate::Prompter::site).
    Site(SiteQuestion),
    /// [`Prompter::login`](crate::Prompter::login).
    Login(LoginQuestion),
    /// [`Prompter::password`](crate::Prompter::password).
    Password(PasswordQuestion),
    /// [`Prompter::two_factor_code`](crate::Prompter::two_factor_code).
    TwoFactorCode(TwoFactorQuestion),
    /// [`Prompter::method`](crate::Prompter::method).
    Method(MethodQuestion),
    /// [`Prompter::approve_in_browser`](crate::Prompter::approve_in_browser).
    ApproveInBrowser(ApprovalQuestion),
    /// [`Prompter::show_error`](crate::Prompter::show_error).
    Error(ErrorNotice),
    /// [`Prompter::session_expired`](crate::Prompter::session_expired).
    SessionExpired(RenewalNotice),
}

impl Question {
    /// A short name for the question: `site`, `login`, `password`, `two_factor_code`,
    /// `method`, `approve_in_browser`, `error`, `session_expired`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Site(_) => "site",
            Self::Login(_) => "login",
            Self::Password(_) => "password",
            Self::TwoFactorCode(_) => "two_factor_code",
            Self::Method(_) => "method",
            Self::ApproveInBrowser(_) => "approve_in_browser",
            Self::Error(_) => "error",
            Self::SessionExpired(_) => "session_expired",
        }
    }

    /// The site the question concerns, when it names one.
    pub fn site(&self) -> Option<&Site> {
        match self {
            Self::Site(_) => None,
            Self::Login(q) => Some(&q.site),
            Self::Password(q) => Some(&q.site),
            Self::TwoFactorCode(q) => Some(&q.site),
            Self::Method(q) => Some(&q.site),
            Self::ApproveInBrowser(q) => Some(&q.site),
            Self::Error(q) => Some(&q.site),
            Self::SessionExpired(q) => Some(&q.site),
        }
    }

    /// The login the question concerns, when it names one.
    pub fn login(&self) -> Option<&str> {
        match self {
            Self::Site(_) | Self::Login(_) | Self::Method(_) => None,
            Self::Password(q) => Some(&q.login),
            Self::TwoFactorCode(q) => Some(&q.login),
            Self::ApproveInBrowser(q) => q.login.as_deref(),
            Self::Error(q) => q.login.as_deref(),
            Self::SessionExpired(q) => Some(&q.login),
        }
    }
}
