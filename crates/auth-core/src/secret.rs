//! A value that must never be shown: passwords, session tokens, api keys, proxy passwords,
//! cookie jars.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string whose `Debug` and `Display` print a placeholder, never the value.
///
/// The value is reached only through [`Secret::expose`], so every place that reveals a
/// secret is explicit and easy to audit.
///
/// ```
/// use tk_auth_core::Secret;
///
/// let token = Secret::new("a5c7e1");
/// assert_eq!(format!("{token:?}"), "Secret(<redacted>)");
/// assert_eq!(token.to_string(), "<redacted>");
/// assert_eq!(token.expose(), "a5c7e1");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

/// What a secret prints as wherever it is displayed.
pub const REDACTED: &str = "<redacted>";

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Call it only where the value must leave the program
    /// (a request, a file, a payload the user asked for).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Takes the secret value out.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

// Serialization writes the real value: it is used only for payloads and files that must
// carry the secret (the Python Toolkit's formats store it in plain text).
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("canary-4f1d");
        let nested = Some(vec![s.clone()]);
        for text in [
            format!("{s}"),
            format!("{s:?}"),
            format!("{s:#?}"),
            format!("{nested:?}"),
        ] {
            assert!(!text.contains("canary"), "{text}");
        }
    }

    #[test]
    fn serde_carries_the_value() {
        let s = Secret::new("tok");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"tok\"");
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
