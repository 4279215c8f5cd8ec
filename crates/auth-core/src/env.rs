//! Every environment variable tk-auth reads, declared once with what it means, and [`Env`],
//! the view through which they are read.
//!
//! No tk-auth crate calls `std::env::var` elsewhere (`clippy.toml` forbids it): every lookup
//! goes through an [`Env`], so behaviour that depends on the environment can be exercised with
//! a fixed set of variables instead of mutating the process environment. Every variable here
//! is listed in `docs/environment.md`, and a test keeps the two in step.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

// Where defaults and sessions live (`tk-auth-defaults`).

/// Overrides the cache, data, preferences and log roots (`~` and `$VARS` expanded).
pub const SHOTGUN_HOME: &str = "SHOTGUN_HOME";
/// Location of `toolkit.ini`, first choice.
pub const SGTK_PREFERENCES_LOCATION: &str = "SGTK_PREFERENCES_LOCATION";
/// Location of the Desktop app's `config.ini`, second choice for `toolkit.ini` settings.
pub const SGTK_DESKTOP_CONFIG_LOCATION: &str = "SGTK_DESKTOP_CONFIG_LOCATION";
/// Where session tokens are kept: `file` (the default, shared with Python) or `keyring`.
pub const TK_AUTH_STORE: &str = "TK_AUTH_STORE";
/// Set on continuous-integration machines; the keyring is never tried there.
pub const CI: &str = "CI";
/// The user's home folder, what `~` expands to.
pub const HOME: &str = "HOME";
/// The roaming application data folder on Windows.
pub const APPDATA: &str = "APPDATA";
/// The pipeline configuration a Toolkit launch runs in, set by tk-core for its child
/// processes: where the configuration's `shotgun.yml` is found.
pub const TANK_CURRENT_PC: &str = "TANK_CURRENT_PC";
/// Set when running as a CGI script: an upper-case `HTTP_PROXY` is then ignored
/// (CVE-2016-1000110), as Python's `urllib.request.getproxies` does.
pub const REQUEST_METHOD: &str = "REQUEST_METHOD";

// Talking to a site (`tk-auth-http`).

/// CA bundle (a PEM file) to trust instead of the system roots, as in `shotgun_api3`.
pub const SHOTGUN_API_CACERTS: &str = "SHOTGUN_API_CACERTS";
/// Milliseconds to wait before retrying a request whose connection dropped (default 3000),
/// as in `shotgun_api3`.
pub const SHOTGUN_API_RETRY_INTERVAL: &str = "SHOTGUN_API_RETRY_INTERVAL";
/// Proxy for `https://` sites when no proxy is configured (also read in lower case).
pub const HTTPS_PROXY: &str = "HTTPS_PROXY";
/// Proxy for `http://` sites when no proxy is configured (also read in lower case).
pub const HTTP_PROXY: &str = "HTTP_PROXY";
/// Comma-separated hosts that are reached directly even when a proxy comes from the
/// environment (also read in lower case).
pub const NO_PROXY: &str = "NO_PROXY";
/// Product name sent with a browser-approval request (`appName`).
pub const TK_AUTH_PRODUCT: &str = "TK_AUTH_PRODUCT";
/// Set, with [`SHOTGUN_FLAME_VERSION`], when running inside Flame.
pub const SHOTGUN_FLAME_CONFIGPATH: &str = "SHOTGUN_FLAME_CONFIGPATH";
/// Flame's version, used in the product name when running inside Flame.
pub const SHOTGUN_FLAME_VERSION: &str = "SHOTGUN_FLAME_VERSION";
/// Set (to anything but an empty string), lets passwords, script keys and browser approvals
/// go to a plain `http://` site that is not this computer; otherwise they are refused.
pub const SGTK_AUTH_ALLOW_NO_HTTPS: &str = "SGTK_AUTH_ALLOW_NO_HTTPS";

// Logging in and renewing (`tk-auth`, `tk-auth-prompt`).

/// The login method offered first when no preference is saved: `credentials`,
/// `qt_web_login` or `app_session_launcher` (other values are ignored).
pub const SGTK_DEFAULT_AUTH_METHOD: &str = "SGTK_DEFAULT_AUTH_METHOD";
/// Forces the login and password form (only single sign-on still uses the browser).
pub const SGTK_FORCE_STANDARD_LOGIN_DIALOG: &str = "SGTK_FORCE_STANDARD_LOGIN_DIALOG";
/// Seconds between two single sign-on claims renewals, instead of a share of the claims'
/// lifetime.
pub const SHOTGUN_SSO_RENEWAL_INTERVAL: &str = "SHOTGUN_SSO_RENEWAL_INTERVAL";
/// The login handed to the identity provider (`email=`) when a web session is renewed.
pub const TK_SHOTGRID_DEFAULT_LOGIN: &str = "TK_SHOTGRID_DEFAULT_LOGIN";
/// The single sign-on domain handed to the site (`sso_domain=`, its network location) when a
/// web session is renewed.
pub const TK_SHOTGRID_SSO_DOMAIN: &str = "TK_SHOTGRID_SSO_DOMAIN";
/// `1` (or `true`, `yes`): nobody can answer a prompt here, so a needed prompt fails at once.
pub const TK_AUTH_NONINTERACTIVE: &str = "TK_AUTH_NONINTERACTIVE";
/// The X11 display; a window can open only when it (or [`WAYLAND_DISPLAY`]) is set on Linux.
pub const DISPLAY: &str = "DISPLAY";
/// The Wayland display.
pub const WAYLAND_DISPLAY: &str = "WAYLAND_DISPLAY";
/// How a person is asked for credentials: `gui` (a window), `console` (the terminal) or
/// `none` (nobody: a needed prompt fails at once). Unset: the terminal when standard input
/// is one, else nobody.
pub const TK_AUTH_PROMPT: &str = "TK_AUTH_PROMPT";
/// The login window's colours: `light`, `dark`, or `system` (the default: the desktop's
/// light or dark setting, light where the windowing system does not report it, as on Linux).
pub const TK_AUTH_THEME: &str = "TK_AUTH_THEME";
/// Set to anything but an empty string: prompts and messages use no colours.
pub const NO_COLOR: &str = "NO_COLOR";
/// Programs that open web pages, tried in order before the system's opener, separated as in
/// `PATH` (`:`, `;` on Windows), as Python's `webbrowser` reads it. An entry is one program
/// given the page as its only argument; an entry holding `%s` is split into words as a POSIX
/// shell would (no shell is run), `%s` standing for the page.
pub const BROWSER: &str = "BROWSER";

// Flow (Autodesk Platform Services) logins (`tk-auth-core::FlowSettings`).

/// The APS application (OAuth client id) Flow logins use instead of the built-in one.
pub const TK_FLOW_AUTH_APPLICATION_ID: &str = "TK_FLOW_AUTH_APPLICATION_ID";
/// The APS authorization server instead of `https://api.aps.usa.autodesk.com`.
pub const TK_FLOW_AUTH_BASE_URL: &str = "TK_FLOW_AUTH_BASE_URL";
/// The redirect URI of Flow logins instead of `http://localhost:4201/auth/callback`.
pub const TK_FLOW_AUTH_CALLBACK_URL: &str = "TK_FLOW_AUTH_CALLBACK_URL";
/// The login name, first choice for the profile Flow tokens are stored under (as Python's
/// `getpass.getuser`).
pub const LOGNAME: &str = "LOGNAME";
/// The login name, second choice for the Flow profile.
pub const USER: &str = "USER";
/// The login name, third choice for the Flow profile.
pub const LNAME: &str = "LNAME";
/// The login name, fourth choice for the Flow profile (the one Windows sets).
pub const USERNAME: &str = "USERNAME";

// The `tk-auth` command.

/// Which log messages the `tk-auth` command prints to stderr, as `tracing` directives
/// (`warn` by default; e.g. `debug` or `tk_auth_http=trace`).
pub const TK_AUTH_LOG: &str = "TK_AUTH_LOG";
/// The usual `tracing` directives, read by the `tk-auth` command when [`TK_AUTH_LOG`] is not
/// set.
pub const RUST_LOG: &str = "RUST_LOG";

// The project's own tests, benchmarks and `cargo xtask`; no library reads these.

/// The Python interpreter, with `shotgun_api3` and `PyYAML`, that interop tests compare
/// against (set by `cargo xtask test`; default: the workspace's `.venv`).
pub const TK_AUTH_PYTHON: &str = "TK_AUTH_PYTHON";
/// Marks a test binary re-run by its own test as a child process; holds the child test's
/// name, so a child entry point run any other way fails at once.
pub const TK_AUTH_TEST_CHILD: &str = "TK_AUTH_TEST_CHILD";
/// Multiplies the amount of work the benchmarks do (default 1).
pub const TK_AUTH_BENCH_SCALE: &str = "TK_AUTH_BENCH_SCALE";
/// A Python tk-core checkout (its `python` folder) that benchmarks compare against; the rows
/// that need it are skipped, saying so, when it is not set.
pub const TK_CORE_PATH: &str = "TK_CORE_PATH";

/// A view of environment variables: the process's own, or a fixed set.
///
/// Its `Debug` shows variable names only: values can hold proxy passwords and keys.
///
/// ```
/// use tk_auth_core::Env;
///
/// let env = Env::from_pairs([("SHOTGUN_HOME", "/srv/sg"), ("https_proxy", "proxy.local:3128")]);
/// assert_eq!(env.var("SHOTGUN_HOME").as_deref(), Some("/srv/sg"));
/// assert_eq!(env.var_either_case("HTTPS_PROXY").as_deref(), Some("proxy.local:3128"));
/// assert_eq!(env.var("HOME"), None);
/// assert_eq!(format!("{env:?}"), r#"Env(["SHOTGUN_HOME", "https_proxy"])"#);
/// ```
#[derive(Clone, Default)]
pub struct Env {
    // `None` means "the live process environment".
    fixed: Option<Arc<BTreeMap<String, String>>>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fixed {
            None => f.write_str("Env(process)"),
            Some(map) => f
                .debug_tuple("Env")
                .field(&map.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl Env {
    /// The process environment, read at each lookup.
    pub fn process() -> Self {
        Self { fixed: None }
    }

    /// A fixed set of variables; everything else is unset.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            fixed: Some(Arc::new(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
        }
    }

    /// No variables at all (a fixed, empty set).
    pub fn empty() -> Self {
        Self::from_pairs::<String, String>([])
    }

    /// Whether this is the live process environment rather than a fixed set. What the
    /// platform itself reports (the home folder, the operating system's proxy settings) stands
    /// in for missing variables only then: a fixed set describes everything there is.
    pub fn is_process(&self) -> bool {
        self.fixed.is_none()
    }

    /// The value of a variable, if it is set and valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.fixed {
            Some(map) => map.get(name).cloned(),
            #[expect(
                clippy::disallowed_methods,
                reason = "this module is where environment variables are read"
            )]
            None => std::env::var(name).ok(),
        }
    }

    /// The value of `name`, else of its lower-case spelling, trimmed and ignoring empty
    /// values (the convention of curl and most tools for proxy variables).
    pub fn var_either_case(&self, name: &str) -> Option<String> {
        [name.to_owned(), name.to_ascii_lowercase()]
            .iter()
            .filter_map(|n| self.var(n))
            .map(|v| v.trim().to_owned())
            .find(|v| !v.is_empty())
    }

    /// Whether a variable is set at all (even to an empty string).
    pub fn is_set(&self, name: &str) -> bool {
        match &self.fixed {
            Some(map) => map.contains_key(name),
            #[expect(
                clippy::disallowed_methods,
                reason = "this module is where environment variables are read"
            )]
            None => std::env::var_os(name).is_some(),
        }
    }

    /// Every variable, in the environment's own order (used to scan `*_proxy` variables).
    pub fn vars(&self) -> Vec<(String, String)> {
        match &self.fixed {
            Some(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            #[expect(
                clippy::disallowed_methods,
                reason = "this module is where environment variables are read"
            )]
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((os_to_string(k)?, os_to_string(v)?)))
                .collect(),
        }
    }

    /// The home folder: [`HOME`], else (for the process environment) what the platform
    /// reports.
    pub fn home(&self) -> Option<PathBuf> {
        match self.var(HOME) {
            Some(h) if !h.is_empty() => Some(PathBuf::from(h)),
            _ if self.fixed.is_some() => None,
            _ => dirs::home_dir(),
        }
    }

    /// The secret store asked for through [`TK_AUTH_STORE`], trimmed and in lower case.
    pub fn requested_store(&self) -> Option<String> {
        self.var(TK_AUTH_STORE)
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
    }

    /// Whether a variable is set to a true value (`1`, `true`, `yes`, `on`, any case).
    pub fn flag(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
    }

    /// Whether this looks like a CI machine ([`CI`] set to anything but empty, `0` or
    /// `false`).
    pub fn is_ci(&self) -> bool {
        self.var(CI)
            .is_some_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
    }
}

/// This computer's host name (Python's `platform.node()`), as recorded in lock files and sent
/// as the `machineId` of a browser-approval request. Empty if the system does not say.
pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

fn os_to_string(s: OsString) -> Option<String> {
    s.into_string().ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn proxy_variables_are_read_in_either_case_and_empty_means_unset() {
        let env = Env::from_pairs([("https_proxy", "lower:1"), ("NO_PROXY", " ")]);
        assert_eq!(env.var_either_case(HTTPS_PROXY).as_deref(), Some("lower:1"));
        assert_eq!(env.var_either_case(NO_PROXY), None);
        let env = Env::from_pairs([("HTTPS_PROXY", "upper:1"), ("https_proxy", "lower:1")]);
        assert_eq!(env.var_either_case(HTTPS_PROXY).as_deref(), Some("upper:1"));
    }

    #[test]
    fn debug_shows_names_never_values() {
        let env = Env::from_pairs([("HTTPS_PROXY", "http://u:canary-pw@proxy:3128")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("HTTPS_PROXY"), "{shown}");
        assert!(!shown.contains("canary"), "{shown}");
        assert_eq!(format!("{:?}", Env::process()), "Env(process)");
    }

    #[test]
    fn ci_is_any_value_but_empty_zero_or_false() {
        for (value, ci) in [("true", true), ("1", true), ("", false), ("0", false)] {
            assert_eq!(Env::from_pairs([(CI, value)]).is_ci(), ci, "CI={value:?}");
        }
        assert!(!Env::from_pairs([(CI, " False ")]).is_ci());
        assert!(!Env::empty().is_ci());
    }

    /// The variable names of a Markdown table's first column (backticked, in upper case as
    /// declared; lower-case spellings beside them are the same variable).
    fn documented(markdown: &str) -> BTreeSet<String> {
        markdown
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter_map(|line| line.split('|').nth(1))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_owned))
            .filter(|name| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .collect()
    }

    /// The values of the `pub const NAME: &str = "VALUE";` declarations of this module.
    fn declared() -> BTreeSet<String> {
        include_str!("env.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("pub const ")?.split_once(": &str = \""))
            .filter_map(|(_, rest)| rest.split_once('"').map(|(value, _)| value.to_owned()))
            .collect()
    }

    #[test]
    fn every_declared_variable_is_documented_and_every_documented_one_declared() {
        let doc =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/environment.md");
        let markdown = std::fs::read_to_string(&doc).unwrap();
        let (declared, documented) = (declared(), documented(&markdown));
        assert!(declared.contains(SHOTGUN_HOME) && declared.contains(TK_AUTH_LOG));
        let undocumented: Vec<_> = declared.difference(&documented).collect();
        let undeclared: Vec<_> = documented.difference(&declared).collect();
        assert!(
            undocumented.is_empty() && undeclared.is_empty(),
            "declared here but not in docs/environment.md: {undocumented:?}; \
             in docs/environment.md but not declared here: {undeclared:?}"
        );
    }

    #[test]
    fn the_table_reader_sees_every_spelling_in_the_first_column_only() {
        let table = "| Variable | Effect |\n|---|---|\n| `A_B` / `a_b`, `C` | uses `NOT_ME` |\n";
        assert_eq!(
            documented(table).into_iter().collect::<Vec<_>>(),
            ["A_B", "C"]
        );
    }

    #[test]
    fn a_fixed_set_has_no_home_unless_given() {
        assert_eq!(Env::empty().home(), None);
        assert_eq!(
            Env::from_pairs([(HOME, "/home/jdoe")]).home(),
            Some(PathBuf::from("/home/jdoe"))
        );
    }
}
