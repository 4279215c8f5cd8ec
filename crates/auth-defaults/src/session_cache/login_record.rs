//! What a finished login leaves in the session cache, written with one replacement of each
//! file it touches: the site's file (session, preferred method, current and recent users)
//! and, when the site becomes current, the global file.
//!
//! Every replacement is flushed to disk (file and folder), which costs far more than
//! building the document; a login through the one-thing methods would replace the site's
//! file up to three times.

use tk_auth_core::{Secret, Site};

use super::{LoginMethod, SessionCache, SessionData};
use crate::documents::{self as doc, CURRENT_USER, PREFERRED_METHOD, RECENT_USERS};
use crate::error::{DefaultsError, Result};
use crate::secret_store::SessionSecrets;
use crate::yaml::Yaml;

/// What a login makes current, besides storing its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MakeCurrent {
    /// Nothing: a renewal keeps the current site and user as they are.
    Nothing,
    /// The login becomes the site's current and most recent user (the site is fixed).
    User,
    /// The site becomes the current and most recent host, and the login its current and
    /// most recent user.
    SiteAndUser,
}

impl SessionCache {
    /// Records a finished login on `host`: stores its session (as
    /// [`cache_session_data`](Self::cache_session_data)), remembers `method` as the site's
    /// preferred one (as [`set_preferred_method`](Self::set_preferred_method)) and makes
    /// the site and user current as `current` says (as
    /// [`set_current_host`](Self::set_current_host) and
    /// [`set_current_user`](Self::set_current_user)).
    ///
    /// The site's file is locked and replaced once, and the global file once when the site
    /// becomes current; nothing is written when nothing changed. When a store other than
    /// the file store fails, the session goes to the file (with a warning).
    ///
    /// Blocks while other processes write the same files (up to the lock limit); from async
    /// code call it through `tokio::task::spawn_blocking`.
    ///
    /// ```
    /// use tk_auth_core::Secret;
    /// use tk_auth_defaults::{LoginMethod, MakeCurrent, SessionCache, SessionData};
    ///
    /// let home = tempfile::tempdir()?;
    /// let cache = SessionCache::at(home.path());
    /// let site = "https://mysite.shotgunstudio.com";
    /// let session = SessionData {
    ///     login: "jdoe".to_owned(),
    ///     session_token: Secret::new("tok"),
    ///     session_metadata: None,
    /// };
    /// cache.record_login(site, &session, Some(LoginMethod::Credentials), MakeCurrent::SiteAndUser)?;
    ///
    /// assert_eq!(cache.get_current_host().unwrap().url(), site);
    /// assert_eq!(cache.get_current_user(site)?.as_deref(), Some("jdoe"));
    /// assert_eq!(cache.get_preferred_method(site)?, Some(LoginMethod::Credentials));
    /// assert_eq!(cache.get_session_data(site, "jdoe")?.unwrap().session_token.expose(), "tok");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_login(
        &self,
        site: impl Into<Site>,
        session: &SessionData,
        method: Option<LoginMethod>,
        current: MakeCurrent,
    ) -> Result<()> {
        let site = site.into().stripped();
        if site.given().is_empty() && current != MakeCurrent::Nothing {
            return Err(DefaultsError::NoHost);
        }
        let token_in_file = self.store_secrets_outside_the_file(&site, session)?;
        let token = token_in_file.then(|| session.session_token.expose());
        let metadata = session.session_metadata.as_ref().map(Secret::expose);
        let login = &session.login;
        self.update_site(&site, |d| {
            let mut changed = doc::insert_or_update(d, login, token, metadata);
            if let Some(method) = method
                && d.get(PREFERRED_METHOD).and_then(Yaml::as_str) != Some(method.as_str())
            {
                d.set(PREFERRED_METHOD, Yaml::str(method.as_str()));
                changed = true;
            }
            if current != MakeCurrent::Nothing {
                let login = Yaml::Str(doc::strip_login(login));
                doc::update_recent(d, CURRENT_USER, RECENT_USERS, login);
                changed = true;
            }
            changed
        })?;
        if current == MakeCurrent::SiteAndUser {
            self.set_current_host(&site)?;
        }
        Ok(())
    }

    /// Gives the session's secrets to a store other than the file store; returns whether
    /// they belong in the site's file instead (the file store, or a store that failed).
    fn store_secrets_outside_the_file(&self, site: &Site, session: &SessionData) -> Result<bool> {
        if self.store.backend().is_file() {
            return Ok(true);
        }
        let key = self.key(site, &session.login)?;
        let secrets = SessionSecrets::new(
            session.session_token.clone(),
            session.session_metadata.clone(),
        );
        match self.store.set(&key, &secrets) {
            Ok(()) => Ok(false),
            Err(e) => {
                tracing::warn!(error = %crate::error::with_causes(&e), "the secret store failed; storing the session in the session cache file");
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tk_auth_test_support::logs_with;

    const SITE: &str = "https://mysite.shotgunstudio.com";

    fn session(token: &str) -> SessionData {
        SessionData {
            login: "jdoe".to_owned(),
            session_token: Secret::new(token),
            session_metadata: None,
        }
    }

    fn replacements(logs: &str) -> usize {
        logs.matches("replaced the session cache file").count()
    }

    #[test]
    fn a_login_replaces_the_site_file_once_and_the_global_file_once() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let (done, logs) = logs_with(|| {
            cache.record_login(
                SITE,
                &session("t1"),
                Some(LoginMethod::Credentials),
                MakeCurrent::SiteAndUser,
            )
        });
        done.unwrap();
        let site_file = cache.site_file(SITE).unwrap();
        let global_file = cache.global_file();
        assert_eq!(replacements(&logs), 2, "{logs}");
        assert_eq!(
            logs.matches(&*site_file.display().to_string()).count(),
            1,
            "{logs}"
        );
        assert_eq!(
            logs.matches(&*global_file.display().to_string()).count(),
            1,
            "{logs}"
        );
    }

    #[test]
    fn a_renewal_replaces_only_the_site_file_and_keeps_the_current_user() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        cache.set_current_host(SITE).unwrap();
        cache.set_current_user(SITE, "someone").unwrap();
        let (done, logs) = logs_with(|| {
            cache.record_login(
                SITE,
                &session("t2"),
                Some(LoginMethod::AppSessionLauncher),
                MakeCurrent::Nothing,
            )
        });
        done.unwrap();
        assert_eq!(replacements(&logs), 1, "{logs}");
        assert_eq!(
            cache.get_current_user(SITE).unwrap().as_deref(),
            Some("someone")
        );
        assert_eq!(
            cache.get_preferred_method(SITE).unwrap(),
            Some(LoginMethod::AppSessionLauncher)
        );
        let stored = cache.get_session_data(SITE, "JDOE").unwrap().unwrap();
        assert_eq!(stored.session_token.expose(), "t2");
    }

    #[test]
    fn recording_the_same_session_and_method_again_without_making_anything_current_writes_nothing()
    {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let method = Some(LoginMethod::Credentials);
        cache
            .record_login(SITE, &session("t"), method, MakeCurrent::Nothing)
            .unwrap();
        let (done, logs) =
            logs_with(|| cache.record_login(SITE, &session("t"), method, MakeCurrent::Nothing));
        done.unwrap();
        assert_eq!(replacements(&logs), 0, "{logs}");
    }

    #[test]
    fn making_a_login_current_without_a_site_is_refused() {
        let home = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(home.path());
        let err = cache
            .record_login(" ", &session("t"), None, MakeCurrent::User)
            .unwrap_err();
        assert!(matches!(err, DefaultsError::NoHost), "{err}");
    }
}
