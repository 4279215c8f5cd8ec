//! A site emulator with one person on it, for tests that need a site but no particular one.

use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

/// The password of the user [`site_with_user`] creates.
pub const TEST_PASSWORD: &str = "pw-Test-canary-1";

/// A running site emulator on loopback with one person, `login`, whose password is
/// [`TEST_PASSWORD`].
pub fn site_with_user(login: &str) -> SiteEmulator {
    SiteEmulator::builder()
        .human_user(HumanAccount::new(login, TEST_PASSWORD))
        .start()
        .expect("the site emulator starts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_runs_on_loopback_and_knows_its_user() {
        let site = site_with_user("jdoe");
        assert!(
            site.url().starts_with("http://127.0.0.1:"),
            "{}",
            site.url()
        );
        assert!(site.create_session("jdoe").is_ok());
        assert!(site.create_session("nobody").is_err());
    }
}
