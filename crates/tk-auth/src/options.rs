//! How an authenticator talks to sites and people: client settings, browser approval,
//! renewal waits.

use std::sync::Arc;
use std::time::Duration;

use tk_auth_core::Env;
use tk_auth_http::{ApprovalOptions, ClientOptions, WebRenewalOptions};
use tk_auth_prompt::{MethodChoice, Url};

/// Opens a page in the person's browser; returns whether it could. The page is the parsed
/// and re-serialised address, never the text a site sent.
pub type BrowserOpener = Arc<dyn Fn(&Url) -> bool + Send + Sync>;

/// Settings shared by an authenticator and every user and connection it makes.
///
/// ```
/// use std::time::Duration;
/// use tk_auth::{AuthOptions, Env};
///
/// let options = AuthOptions::new()
///     .environment(Env::from_pairs([("TK_AUTH_NONINTERACTIVE", "1")]))
///     .renewal_wait(Duration::from_secs(60));
/// assert_eq!(options.password_attempts(), 3);
/// ```
#[derive(Clone)]
#[must_use]
pub struct AuthOptions {
    pub(crate) env: Env,
    pub(crate) client: ClientOptions,
    pub(crate) approval: ApprovalOptions,
    pub(crate) web_renewal: WebRenewalOptions,
    pub(crate) renewal_wait: Duration,
    pub(crate) password_attempts: u32,
    /// `None`: the system's browser, through `BROWSER` in `env` when set.
    pub(crate) open_browser: Option<BrowserOpener>,
    pub(crate) only_method: Option<MethodChoice>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthOptions {
    /// Defaults: the process environment, the client's defaults, browser approval as in
    /// Python (180 s), the headless renewal engine's bounds, three password tries, and up to 10 minutes waiting for another
    /// process's renewal.
    pub fn new() -> Self {
        Self {
            env: Env::process(),
            client: ClientOptions::new(),
            approval: ApprovalOptions::default(),
            web_renewal: WebRenewalOptions::default(),
            renewal_wait: Duration::from_mins(10),
            password_attempts: 3,
            open_browser: None,
            only_method: None,
        }
    }

    /// The environment variables to read (for the client too).
    pub fn environment(mut self, env: Env) -> Self {
        self.client = self.client.environment(env.clone());
        self.env = env;
        self
    }

    /// Client settings (timeouts, retries, CA file) for every site; each user's http proxy
    /// is applied on top.
    pub fn client(mut self, client: ClientOptions) -> Self {
        self.client = client.environment(self.env.clone());
        self
    }

    /// Browser approval settings (poll interval, time limit, product name).
    pub fn approval(mut self, approval: ApprovalOptions) -> Self {
        self.approval = approval;
        self
    }

    /// How long a renewal waits for another process that is renewing the same session
    /// The bounds of a headless session renewal from stored cookies (hops, per-hop and
    /// overall timeouts; see `docs/sso.md`): past them, the person is asked instead.
    pub fn web_renewal(mut self, options: WebRenewalOptions) -> Self {
        self.web_renewal = options;
        self
    }

    /// before renewing itself.
    pub fn renewal_wait(mut self, wait: Duration) -> Self {
        self.renewal_wait = wait;
        self
    }

    /// How many passwords a login tries before failing (at least 1).
    pub fn password_attempts(&self) -> u32 {
        self.password_attempts
    }

    /// Sets how many passwords a login tries before failing (at least 1).
    pub fn with_password_attempts(mut self, attempts: u32) -> Self {
        self.password_attempts = attempts.max(1);
        self
    }

    /// What opens the approval page (by default the system's browser, or the programs
    /// named in `BROWSER` in this options' environment; see
    /// [`open_in_browser_with`](tk_auth_prompt::open_in_browser_with)).
    pub fn open_browser(mut self, opener: impl Fn(&Url) -> bool + Send + Sync + 'static) -> Self {
        self.open_browser = Some(Arc::new(opener));
        self
    }

    /// Logs in only with `method`. A site that does not offer it ends the login right after
    /// its info is read, before anything is asked or sent (a password, an approval
    /// request), with an error of kind [`ErrorKind::Prompt`](crate::ErrorKind::Prompt) caused by
    /// [`PromptError::InvalidAnswer`](crate::PromptError::InvalidAnswer) for the `method`
    /// question, as a prompter that refuses the site's methods would. Default: any.
    pub fn only_method(mut self, method: MethodChoice) -> Self {
        self.only_method = Some(method);
        self
    }

    /// The opener in use, e.g. to wrap it (a program that shows the page's address anyway
    /// may report success when the browser could not be started).
    pub fn browser_opener(&self) -> BrowserOpener {
        if let Some(opener) = &self.open_browser {
            return Arc::clone(opener);
        }
        let env = self.env.clone();
        Arc::new(move |url: &Url| tk_auth_prompt::open_in_browser_with(&env, url))
    }
}

impl std::fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOptions")
            .field("env", &self.env)
            .field("client", &self.client)
            .field("approval", &self.approval)
            .field("renewal_wait", &self.renewal_wait)
            .field("password_attempts", &self.password_attempts)
            .field("only_method", &self.only_method)
            .finish_non_exhaustive()
    }
}
