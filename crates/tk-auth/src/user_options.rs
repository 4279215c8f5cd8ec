//! What the authenticator's calls start from where Python passes optional arguments: the
//! site, login and proxy of a prompted login ([`LoginPrompt`]) or of a user made from
//! credentials ([`UserOptions`]). Whatever is left out comes from the defaults manager.

use tk_auth_core::Site;

/// Whether a prompted login may ask for the site (Python's `is_host_fixed`, whose `None`,
/// `True` and `False` are the three values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostFixed {
    /// As the defaults manager says: a pipeline configuration fixes its site.
    #[default]
    AsDefaults,
    /// The site given (else the default one) is used and never asked for.
    Fixed,
    /// The site is asked for, the one given (else the default one) offered. Unlike Python,
    /// this unfixes a site the defaults manager fixes.
    Asked,
}

impl HostFixed {
    /// Whether the site is fixed, given whether the defaults manager fixes it.
    pub(crate) fn resolve(self, defaults_fix_it: impl FnOnce() -> bool) -> bool {
        match self {
            Self::AsDefaults => defaults_fix_it(),
            Self::Fixed => true,
            Self::Asked => false,
        }
    }
}

/// What a prompted login starts from (the optional arguments of Python's
/// `get_user_from_prompt`); each one left out, or given empty, comes from the defaults
/// manager.
///
/// ```
/// use tk_auth::{HostFixed, LoginPrompt};
///
/// let prompt = LoginPrompt::new()
///     .site("https://mysite.shotgunstudio.com")
///     .login("jdoe")
///     .host_fixed(HostFixed::Fixed);
/// assert_eq!(prompt.get_site().unwrap().url(), "https://mysite.shotgunstudio.com");
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct LoginPrompt {
    /// The site and proxy, as a user made from credentials has them.
    pub(crate) user: UserOptions,
    pub(crate) login: Option<String>,
    pub(crate) host_fixed: HostFixed,
}

impl LoginPrompt {
    /// A login that takes everything from the defaults manager.
    pub fn new() -> Self {
        Self::default()
    }

    /// The site offered, or used when fixed (Python's `host`).
    #[doc(alias = "host")]
    pub fn site(mut self, site: impl Into<Site>) -> Self {
        self.user = self.user.site(site);
        self
    }

    /// The login offered.
    pub fn login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into()).filter(|l| !l.is_empty());
        self
    }

    /// The proxy to reach the site through; it is also the one the user gets.
    pub fn http_proxy(mut self, http_proxy: impl Into<String>) -> Self {
        self.user = self.user.http_proxy(http_proxy);
        self
    }

    /// Whether the site may be asked for (Python's `is_host_fixed`).
    #[doc(alias = "is_host_fixed")]
    pub fn host_fixed(mut self, host_fixed: HostFixed) -> Self {
        self.host_fixed = host_fixed;
        self
    }

    /// The site given, if any.
    pub fn get_site(&self) -> Option<&Site> {
        self.user.site.as_ref()
    }
}

/// The site and proxy of a user made from credentials (the optional arguments of Python's
/// `create_session_user` and `create_script_user`); each one left out, or given empty,
/// comes from the defaults manager.
///
/// ```
/// use tk_auth::UserOptions;
///
/// let on_site = UserOptions::new().site("https://mysite.shotgunstudio.com");
/// let defaults = UserOptions::new(); // the default site and proxy
/// # let _ = (on_site, defaults);
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct UserOptions {
    pub(crate) site: Option<Site>,
    pub(crate) http_proxy: Option<String>,
}

impl UserOptions {
    /// The defaults manager's site and proxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// The user's site (Python's `host`).
    #[doc(alias = "host")]
    pub fn site(mut self, site: impl Into<Site>) -> Self {
        self.site = Some(site.into()).filter(|s| !s.is_empty());
        self
    }

    /// The proxy the user reaches its site through.
    pub fn http_proxy(mut self, http_proxy: impl Into<String>) -> Self {
        self.http_proxy = Some(http_proxy.into()).filter(|p| !p.is_empty());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_read_as_left_out_as_in_python() {
        let prompt = LoginPrompt::new().site("").login("").http_proxy("");
        assert!(prompt.user.site.is_none() && prompt.user.http_proxy.is_none());
        assert!(prompt.login.is_none());
        let options = UserOptions::new().site("").http_proxy("");
        assert!(options.site.is_none() && options.http_proxy.is_none());
    }

    #[test]
    fn the_three_states_of_is_host_fixed() {
        assert!(HostFixed::AsDefaults.resolve(|| true));
        assert!(!HostFixed::AsDefaults.resolve(|| false));
        assert!(HostFixed::Fixed.resolve(|| false));
        assert!(!HostFixed::Asked.resolve(|| true));
    }
}
