//! How a site authenticates people: the `user_authentication_method` its `info` reports.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a site authenticates people (`user_authentication_method` in the site's `info`).
///
/// Not to be confused with the login method a person last chose on this machine, which the
/// session files remember.
///
/// ```
/// use tk_auth_core::SiteAuthMethod;
///
/// assert_eq!(SiteAuthMethod::from_site("saml2"), SiteAuthMethod::Saml2);
/// assert!(SiteAuthMethod::Oxygen.requires_browser());
/// assert_eq!(SiteAuthMethod::from_site("kerberos").as_str(), "kerberos");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SiteAuthMethod {
    /// Login and password checked by the site itself.
    #[default]
    Default,
    /// Login and password checked against the studio's LDAP (the wire is the same as
    /// [`SiteAuthMethod::Default`]).
    Ldap,
    /// Single sign-on through a SAML 2 identity provider: browser login only.
    Saml2,
    /// Autodesk Identity: browser login only.
    Oxygen,
    /// A method this version does not know, kept as the site spelled it.
    Other(String),
}

impl SiteAuthMethod {
    /// Reads the site's spelling; anything unknown is kept in [`SiteAuthMethod::Other`].
    pub fn from_site(name: &str) -> Self {
        match name {
            "default" => Self::Default,
            "ldap" => Self::Ldap,
            "saml2" => Self::Saml2,
            "oxygen" => Self::Oxygen,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The site's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Default => "default",
            Self::Ldap => "ldap",
            Self::Saml2 => "saml2",
            Self::Oxygen => "oxygen",
            Self::Other(name) => name,
        }
    }

    /// Whether people can only log in through the browser (single sign-on or Autodesk
    /// Identity): the site refuses logins and passwords.
    pub fn requires_browser(&self) -> bool {
        matches!(self, Self::Saml2 | Self::Oxygen)
    }
}

impl fmt::Display for SiteAuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SiteAuthMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SiteAuthMethod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::from_site(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_spelling_round_trips_and_unknown_ones_are_kept() {
        for name in ["default", "ldap", "saml2", "oxygen", "kerberos"] {
            let method = SiteAuthMethod::from_site(name);
            assert_eq!(method.as_str(), name);
            assert_eq!(method.to_string(), name);
            let json = serde_json::to_string(&method).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<SiteAuthMethod>(&json).unwrap(),
                method
            );
        }
        assert_eq!(
            SiteAuthMethod::from_site("kerberos"),
            SiteAuthMethod::Other("kerberos".into())
        );
    }

    #[test]
    fn only_single_sign_on_and_identity_sites_require_the_browser() {
        assert!(SiteAuthMethod::Saml2.requires_browser());
        assert!(SiteAuthMethod::Oxygen.requires_browser());
        assert!(!SiteAuthMethod::Default.requires_browser());
        assert!(!SiteAuthMethod::Ldap.requires_browser());
        assert!(!SiteAuthMethod::Other("x".into()).requires_browser());
    }
}
