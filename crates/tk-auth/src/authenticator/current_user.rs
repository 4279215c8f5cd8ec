//! Making a user the current one: the site and login the next `get_default_user` finds, in
//! this program and in the Python Toolkit on the same machine.

use crate::{Error, ShotgunAuthenticator, ShotgunUser};

impl ShotgunAuthenticator {
    /// Makes `user` the current user, as Python's `get_user_from_prompt` does after a
    /// login: the defaults manager's `set_host` with the user's site, then `set_login` with
    /// its login (a script user has none: only its site is set). A custom manager's
    /// overrides apply; with [`Defaults`](crate::Defaults), a site fixed by a pipeline
    /// configuration stays as it is and the login becomes that site's current user.
    pub async fn set_current_user(&self, user: &ShotgunUser) -> Result<(), Error> {
        let user = user.clone();
        self.local(move |a| a.set_current_user_sync(&user)).await
    }

    /// See [`set_current_user`](Self::set_current_user).
    pub(crate) fn set_current_user_sync(&self, user: &ShotgunUser) -> Result<(), Error> {
        let (site, login) = (user.site(), user.login());
        self.defaults
            .set_host(&site)
            .and_then(|()| {
                login
                    .as_deref()
                    .map_or(Ok(()), |l| self.defaults.set_login(l))
            })
            .map_err(|e| Error::defaults(Some(&site), login.as_deref(), e))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tk_auth_core::Env;
    use tk_auth_defaults::{Defaults, DefaultsManager, Result as DefaultsResult};
    use tk_auth_prompt::NonInteractivePrompter;

    use crate::{AuthOptions, SessionCredentials, blocking};

    const SITE: &str = "https://mysite.shotgunstudio.com";
    const FIXED: &str = "https://fixed.shotgunstudio.com";

    /// A temporary `SHOTGUN_HOME` and the environment naming it.
    fn home() -> (tempfile::TempDir, Env) {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("SHOTGUN_HOME", dir.path().to_str().unwrap())]);
        (dir, env)
    }

    /// A manager that notes the writes it is asked for, then does them as `Defaults` does.
    struct Noting {
        defaults: Defaults,
        calls: Arc<Mutex<Vec<String>>>,
    }

    impl DefaultsManager for Noting {
        fn defaults(&self) -> &Defaults {
            &self.defaults
        }
        fn set_host(&self, host: &tk_auth_core::Site) -> DefaultsResult<()> {
            self.calls.lock().unwrap().push(format!("set_host {host}"));
            self.defaults.set_host(host)
        }
        fn set_login(&self, login: &str) -> DefaultsResult<()> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("set_login {login}"));
            self.defaults.set_login(login)
        }
    }

    fn noting(env: &Env) -> (blocking::ShotgunAuthenticator, Arc<Mutex<Vec<String>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let manager = Noting {
            defaults: Defaults::from_env_with(env).unwrap(),
            calls: Arc::clone(&calls),
        };
        let options = AuthOptions::new().environment(env.clone());
        (
            blocking::ShotgunAuthenticator::with_options(manager, NonInteractivePrompter, options),
            calls,
        )
    }

    #[test]
    fn making_a_user_current_goes_through_the_managers_set_host_then_set_login() {
        let (_dir, env) = home();
        let (auth, calls) = noting(&env);
        let user = auth
            .create_session_user(
                "jdoe",
                SessionCredentials::token("tok"),
                crate::UserOptions::new().site(SITE),
            )
            .unwrap();
        assert!(
            calls.lock().unwrap().is_empty(),
            "making a user is not making it current"
        );
        auth.set_current_user(&user).unwrap();
        assert_eq!(
            *calls.lock().unwrap(),
            [format!("set_host {SITE}"), "set_login jdoe".to_owned()]
        );
        let manager = auth.as_async().defaults_manager();
        assert_eq!(manager.get_host().unwrap(), Some(SITE.into()));
        assert_eq!(manager.get_login().unwrap().as_deref(), Some("jdoe"));
        assert_eq!(
            auth.get_default_user().unwrap().unwrap().repr(),
            user.repr(),
            "the current user is the default user"
        );
    }

    #[tokio::test]
    async fn the_async_authenticator_makes_a_user_current_through_the_manager_too() {
        let (_dir, env) = home();
        let (auth, calls) = noting(&env);
        let auth = auth.as_async().clone();
        let user = auth
            .create_session_user(
                "jdoe",
                SessionCredentials::token("tok"),
                crate::UserOptions::new().site(SITE),
            )
            .await
            .unwrap();
        auth.set_current_user(&user).await.unwrap();
        assert_eq!(
            *calls.lock().unwrap(),
            [format!("set_host {SITE}"), "set_login jdoe".to_owned()]
        );
        assert_eq!(auth.get_default_host().await.unwrap(), Some(SITE.into()));
    }

    #[test]
    fn a_script_user_made_current_sets_only_the_site() {
        let (_dir, env) = home();
        let (auth, calls) = noting(&env);
        let user = auth
            .create_script_user("farm", "key", crate::UserOptions::new().site(SITE))
            .unwrap();
        auth.set_current_user(&user).unwrap();
        assert_eq!(*calls.lock().unwrap(), [format!("set_host {SITE}")]);
    }

    #[test]
    fn a_site_fixed_by_a_pipeline_configuration_stays_when_a_user_is_made_current() {
        let (_dir, env) = home();
        let defaults = Defaults::from_env_with(&env)
            .unwrap()
            .with_fixed_host(FIXED);
        let cache = defaults.session_cache().clone();
        let auth = blocking::ShotgunAuthenticator::with_options(
            defaults,
            NonInteractivePrompter,
            AuthOptions::new().environment(env.clone()),
        );
        let user = auth
            .create_session_user(
                "jdoe",
                SessionCredentials::token("tok"),
                crate::UserOptions::new().site(SITE),
            )
            .unwrap();
        auth.set_current_user(&user).unwrap();
        assert_eq!(auth.get_default_host().unwrap(), Some(FIXED.into()));
        assert_eq!(
            cache.get_current_host(),
            None,
            "the current site is not changed"
        );
        // As in Python: the login becomes the current user of the fixed site.
        assert_eq!(
            cache.get_current_user(FIXED).unwrap().as_deref(),
            Some("jdoe")
        );
        assert_eq!(cache.get_current_user(SITE).unwrap(), None);
    }
}
