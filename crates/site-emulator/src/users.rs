//! The people and scripts a site knows.

use std::fmt;

/// A two-factor secret: raw key bytes, or the base32 text authenticator apps are given.
///
/// `&str`/`String` convert as base32 (validated when the site starts); byte slices,
/// arrays and vectors convert as the raw key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpSecret {
    /// The HMAC key itself.
    Bytes(Vec<u8>),
    /// The key as RFC 4648 base32 text (case and spaces ignored, padding optional).
    Base32(String),
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl From<&str> for TotpSecret {
    fn from(s: &str) -> Self {
        Self::Base32(s.to_owned())
    }
}

impl From<String> for TotpSecret {
    fn from(s: String) -> Self {
        Self::Base32(s)
    }
}

impl From<&[u8]> for TotpSecret {
    fn from(b: &[u8]) -> Self {
        Self::Bytes(b.to_vec())
    }
}

impl From<Vec<u8>> for TotpSecret {
    fn from(b: Vec<u8>) -> Self {
        Self::Bytes(b)
    }
}

impl<const N: usize> From<[u8; N]> for TotpSecret {
    fn from(b: [u8; N]) -> Self {
        Self::Bytes(b.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for TotpSecret {
    fn from(b: &[u8; N]) -> Self {
        Self::Bytes(b.to_vec())
    }
}

/// A person's account on the site (a `HumanUser` entity).
#[derive(Clone)]
pub struct HumanAccount {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) id: Option<u64>,
    pub(crate) active: bool,
    pub(crate) totp_secret: Option<TotpSecret>,
    pub(crate) backup_codes: Vec<String>,
    pub(crate) firstname: Option<String>,
    pub(crate) lastname: Option<String>,
    pub(crate) email: Option<String>,
}

impl HumanAccount {
    /// An active user without two-factor authentication; its id is assigned when the site
    /// starts unless [`with_id`](Self::with_id) sets one.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            password: password.into(),
            id: None,
            active: true,
            totp_secret: None,
            backup_codes: Vec::new(),
            firstname: None,
            lastname: None,
            email: None,
        }
    }

    /// Sets the entity id.
    #[must_use]
    pub fn with_id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    /// Marks the account as disabled: its credentials and sessions are refused (error 102),
    /// though `read` still finds it, as on a real site.
    #[must_use]
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Turns on two-factor authentication with this TOTP secret (raw bytes or base32 text).
    #[must_use]
    pub fn with_totp_secret(mut self, secret: impl Into<TotpSecret>) -> Self {
        self.totp_secret = Some(secret.into());
        self
    }

    /// Single-use backup codes, accepted in place of a TOTP code.
    #[must_use]
    pub fn with_backup_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.backup_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the first and last name (`read` returns them; `name` joins them).
    #[must_use]
    pub fn with_name(mut self, firstname: impl Into<String>, lastname: impl Into<String>) -> Self {
        self.firstname = Some(firstname.into());
        self.lastname = Some(lastname.into());
        self
    }

    /// Sets the email address.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }
}

impl fmt::Debug for HumanAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HumanAccount")
            .field("login", &self.login)
            .field("password", &"<redacted>")
            .field("id", &self.id)
            .field("active", &self.active)
            .field("two_factor", &self.totp_secret.is_some())
            .field("backup_codes", &self.backup_codes.len())
            .finish_non_exhaustive()
    }
}

/// A script's account with an API key (an `ApiUser` entity, found by its `firstname`).
#[derive(Clone)]
pub struct ScriptAccount {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) id: Option<u64>,
}

impl ScriptAccount {
    /// A script user; its id is assigned when the site starts unless set.
    pub fn new(name: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: key.into(),
            id: None,
        }
    }

    /// Sets the entity id.
    #[must_use]
    pub fn with_id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    /// The script name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for ScriptAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptAccount")
            .field("name", &self.name)
            .field("key", &"<redacted>")
            .field("id", &self.id)
            .finish()
    }
}

/// Compares two secrets in time that depends on their lengths only, not on how much of a
/// guess was right.
pub(crate) fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_equal_compares_whole_values() {
        assert!(secrets_equal(b"abc", b"abc"));
        assert!(!secrets_equal(b"abc", b"abd"));
        assert!(!secrets_equal(b"abc", b"abcd"));
        assert!(secrets_equal(b"", b""));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let human = HumanAccount::new("alice", "canary-pw")
            .with_totp_secret("canarysecret")
            .with_backup_codes(["canary-backup"]);
        let script = ScriptAccount::new("farm", "canary-key");
        let text = format!("{human:?} {script:?}");
        assert!(!text.contains("canary"), "{text}");
        assert!(text.contains("alice") && text.contains("farm"));
    }
}
