//! Process-wide state that Python keeps in module globals.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use crate::ShotgunUser;

static AUTHENTICATED_USER: RwLock<Option<ShotgunUser>> = RwLock::new(None);
static SUPPORT_WEB_LOGIN: AtomicBool = AtomicBool::new(false);

/// Sets (or clears) the user this process works as (Python's `sgtk.set_authenticated_user`).
pub fn set_authenticated_user(user: Option<ShotgunUser>) {
    *AUTHENTICATED_USER
        .write()
        .unwrap_or_else(PoisonError::into_inner) = user;
}

/// The user this process works as, if set: the very object given to
/// [`set_authenticated_user`] (Python's `sgtk.get_authenticated_user`).
pub fn get_authenticated_user() -> Option<ShotgunUser> {
    AUTHENTICATED_USER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Declares whether this application can show the web login (Python's
/// `set_shotgun_authenticator_support_web_login`).
pub fn set_shotgun_authenticator_support_web_login(supported: bool) {
    SUPPORT_WEB_LOGIN.store(supported, Ordering::Relaxed);
}

/// Whether this application declared that it can show the web login.
pub fn get_shotgun_authenticator_support_web_login() -> bool {
    SUPPORT_WEB_LOGIN.load(Ordering::Relaxed)
}
