//! The crate's one error type, mirroring the Python Toolkit's exception hierarchy.

/// Everything that can go wrong in `tk-auth-core`.
///
/// The first variants are the Python `ShotgunAuthenticationError` family, with the same
/// messages; [`Error::python_class`] names the Python class each one stands for. Error texts
/// never contain a secret (token, password, api key, proxy password, cookies).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Python `AuthenticationError`: the site rejected the credentials.
    #[error("{message}")]
    Authentication {
        /// What the site or the client said, e.g. `Authentication failed: wrong password`.
        message: String,
    },
    /// Python `IncompleteCredentials`: a user cannot be built from what was given.
    #[error("Incomplete credentials: {0}")]
    IncompleteCredentials(String),
    /// Python `AuthenticationCancelled`: the person cancelled a login or renewal.
    #[error("Authentication was cancelled by the user.")]
    AuthenticationCancelled,
    /// Python `ConsoleLoginNotSupportedError`: the site does not take login and password.
    #[error(
        "Authentication using username/password is not supported on the console {url} for sites using {site_auth_type}."
    )]
    ConsoleLoginNotSupported {
        /// The site's URL.
        url: String,
        /// How the site authenticates, e.g. `Single Sign-On` or `Autodesk Identity`.
        site_auth_type: String,
    },
    /// Python `UnresolvableHumanUser`: no `HumanUser` with this login is visible.
    #[error(
        "The person named '{login}' could not be resolved. Check if the permissions for the current user are hiding the field 'HumanUser.login'."
    )]
    UnresolvableHumanUser {
        /// The login that was looked up.
        login: String,
    },
    /// Python `UnresolvableScriptUser`: no `ApiUser` with this name is visible.
    #[error(
        "The script named '{script}' could not be resolved. Check if the permissions for the current user are hiding the field 'ApiUser.firstname'."
    )]
    UnresolvableScriptUser {
        /// The script name that was looked up.
        script: String,
    },
    /// An http proxy string that cannot be used. `proxy` has its password replaced.
    #[error("invalid http proxy '{proxy}': {reason}")]
    InvalidProxy {
        /// The proxy as given, with any password redacted.
        proxy: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The port of a parsed URL is not a number in 0–65535 (Python's `ParseResult.port`).
    #[error("{0}")]
    InvalidPort(String),
    /// A serialized user whose `type` is neither `SessionUser` nor `ScriptUser`.
    #[error("Could not deserialize PTR user. Invalid user type: {0}")]
    InvalidUserType(String),
    /// A serialized user that cannot be read; the [`PayloadError`] says why.
    #[error("invalid user payload")]
    InvalidPayload(#[source] PayloadError),
    /// A cookie jar holding sessions of two sites (Python
    /// `SsoSaml2MultiSessionNotSupportedError`), so the user cannot be told.
    #[error(
        "The cookies for this user seem to come from two different PTR sites: '{first_domain}' and '{second_domain}'"
    )]
    MultiSessionNotSupported {
        /// The domain of the first CSRF cookie.
        first_domain: String,
        /// The domain of the CSRF cookie that disagrees with it.
        second_domain: String,
    },
    /// Python `FlowAuthConfigurationError`: a Flow setting is missing or unusable
    /// ([`FlowSettings::validated`](crate::FlowSettings::validated)).
    #[error("{details}")]
    FlowAuthConfiguration {
        /// What is wrong, e.g. `Required setting 'auth_base_url' is not configured.`
        details: String,
    },
    /// Python `FlowAuthError`: a Flow login or token refresh failed.
    #[error("{message}")]
    FlowAuth {
        /// What went wrong, never quoting a token or code.
        message: String,
    },
}

/// Why a serialized user could not be read (the cause of [`Error::InvalidPayload`]). No text
/// quotes the payload, which holds secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload has no bytes at all.
    #[error("the payload is empty")]
    Empty,
    /// The payload is longer than any user payload (they are well under 10 KiB).
    #[error("the payload is {size} bytes long; payloads of more than {limit} bytes are refused")]
    TooLarge {
        /// The payload's length in bytes.
        size: usize,
        /// The most bytes a payload may have.
        limit: usize,
    },
    /// A payload starting with `{` that is not JSON, or turns into too much data.
    #[error("the JSON could not be read")]
    Json(#[source] serde_json::Error),
    /// A pickle that could not be read: malformed, truncated, asking to build or call an
    /// object, or turning into too much data.
    #[error("unpickling failed")]
    Pickle(#[source] crate::PickleError),
    /// The payload holds something other than a dict.
    #[error("the payload holds a {type_name}, not a dict")]
    NotADict {
        /// The Python type the payload holds.
        type_name: &'static str,
    },
    /// The payload dict has no `data` key.
    #[error("the payload has no 'data'")]
    MissingData,
    /// The payload's `data` is not a dict.
    #[error("'data' is a {type_name}, not a dict")]
    DataNotADict {
        /// The Python type `data` holds.
        type_name: &'static str,
    },
    /// `_payload_encoding` is not a string.
    #[error("'_payload_encoding' is a {type_name}, not an encoding name")]
    EncodingNotAString {
        /// The Python type `_payload_encoding` holds.
        type_name: &'static str,
    },
    /// `_payload_encoding` names an encoding other than Latin-1, ASCII or UTF-8 (the name is
    /// not quoted: it is payload text).
    #[error("unsupported payload encoding; only ISO-8859-1, ASCII and UTF-8 are read")]
    UnsupportedEncoding,
    /// The payload text has characters its `_payload_encoding` cannot hold.
    #[error("the payload has characters outside {encoding}")]
    OutsideEncoding {
        /// The encoding `_payload_encoding` names (one of those that are read).
        encoding: String,
    },
    /// A bytes value in the payload is not UTF-8 (Python's `ensure_contains_str` decodes it).
    #[error("a bytes value is not valid UTF-8")]
    BytesNotUtf8(#[source] std::str::Utf8Error),
}

impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        Self::InvalidPayload(e)
    }
}

impl Error {
    /// The name of the Python exception class this error corresponds to.
    pub fn python_class(&self) -> &'static str {
        match self {
            Self::Authentication { .. } => "AuthenticationError",
            Self::IncompleteCredentials(_) => "IncompleteCredentials",
            Self::AuthenticationCancelled => "AuthenticationCancelled",
            Self::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupportedError",
            Self::UnresolvableHumanUser { .. } => "UnresolvableHumanUser",
            Self::UnresolvableScriptUser { .. } => "UnresolvableScriptUser",
            Self::InvalidPort(_) | Self::InvalidProxy { .. } => "ValueError",
            Self::InvalidUserType(_) => "Exception",
            Self::InvalidPayload(_) => "UnpicklingError",
            Self::MultiSessionNotSupported { .. } => "SsoSaml2MultiSessionNotSupportedError",
            Self::FlowAuthConfiguration { .. } => "FlowAuthConfigurationError",
            Self::FlowAuth { .. } => "FlowAuthError",
        }
    }

    /// Whether Python would raise this as a `ShotgunAuthenticationError` (the family that
    /// callers catch to handle authentication problems).
    pub fn is_shotgun_authentication_error(&self) -> bool {
        matches!(
            self,
            Self::Authentication { .. }
                | Self::IncompleteCredentials(_)
                | Self::AuthenticationCancelled
                | Self::ConsoleLoginNotSupported { .. }
                | Self::UnresolvableHumanUser { .. }
                | Self::UnresolvableScriptUser { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::get_csrf_key;
    use crate::{HttpProxy, deserialize_user, sanitize_http_proxy};

    const SECRET: &str = "canary-0a9f";

    /// Which variant an error is. The match is exhaustive on purpose: a new variant does
    /// not compile until it is added to the canary below.
    fn variant(e: &Error) -> &'static str {
        match e {
            Error::Authentication { .. } => "Authentication",
            Error::IncompleteCredentials(_) => "IncompleteCredentials",
            Error::AuthenticationCancelled => "AuthenticationCancelled",
            Error::ConsoleLoginNotSupported { .. } => "ConsoleLoginNotSupported",
            Error::UnresolvableHumanUser { .. } => "UnresolvableHumanUser",
            Error::UnresolvableScriptUser { .. } => "UnresolvableScriptUser",
            Error::InvalidProxy { .. } => "InvalidProxy",
            Error::InvalidPort(_) => "InvalidPort",
            Error::InvalidUserType(_) => "InvalidUserType",
            Error::InvalidPayload(_) => "InvalidPayload",
            Error::MultiSessionNotSupported { .. } => "MultiSessionNotSupported",
            Error::FlowAuthConfiguration { .. } => "FlowAuthConfiguration",
            Error::FlowAuth { .. } => "FlowAuth",
        }
    }

    #[test]
    fn no_error_variant_shows_a_secret() {
        use base64::Engine as _;
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        let two_sites = b64(&format!(
            "csrf_token_u1={SECRET}; domain=a.com\r\ncsrf_token_u2={SECRET}; domain=b.com"
        ));
        let payload = |data: &str| format!(r#"{{"type": "SessionUser", "data": {data}}}"#);
        let errors = [
            // Made by this crate from input full of secrets.
            deserialize_user(payload(&format!(r#"{{"session_token": "{SECRET}"}}"#)).as_str()),
            deserialize_user(
                format!(r#"{{"type": "HumanUser", "data": {{"session_token": "{SECRET}"}}}}"#)
                    .as_str(),
            ),
            deserialize_user(payload(&format!(r#""{SECRET}""#)).as_str()),
            deserialize_user(format!("(dp0\nV{SECRET}\\u12\n").as_str()),
            Err(HttpProxy::parse(&format!("bob:{SECRET}@proxy:port")).unwrap_err()),
            sanitize_http_proxy(&format!("bob:{SECRET}@proxy:port"))
                .port()
                .map(|_| unreachable!("the port is not a number")),
            get_csrf_key(Some(&two_sites)).map(|_| unreachable!("two sites")),
            // Made by the crates above this one from what the site or person said.
            Err(Error::Authentication {
                message: "Authentication failed: wrong password".to_owned(),
            }),
            Err(Error::AuthenticationCancelled),
            Err(Error::ConsoleLoginNotSupported {
                url: "https://mysite.shotgunstudio.com".to_owned(),
                site_auth_type: "Single Sign-On".to_owned(),
            }),
            Err(Error::UnresolvableHumanUser {
                login: "jf".to_owned(),
            }),
            Err(Error::UnresolvableScriptUser {
                script: "robot-jf".to_owned(),
            }),
            crate::FlowSettings {
                application_id: SECRET.to_owned(),
                base_url: format!("ftp://host/{SECRET}"),
                callback_url: format!("http://localhost/?code={SECRET}"),
            }
            .validated()
            .map(|_| unreachable!("ftp is refused")),
            Err(Error::FlowAuth {
                message: "the token endpoint refused the refresh token".to_owned(),
            }),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for result in errors {
            let e = result.expect_err("every case fails");
            for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                assert!(!text.contains(SECRET), "{text}");
            }
            seen.insert(variant(&e));
        }
        assert_eq!(seen.len(), 13, "every variant is covered: {seen:?}");
    }

    /// Which cause a payload error is; exhaustive for the same reason as [`variant`].
    fn payload_variant(e: &PayloadError) -> &'static str {
        match e {
            PayloadError::Empty => "Empty",
            PayloadError::TooLarge { .. } => "TooLarge",
            PayloadError::Json(_) => "Json",
            PayloadError::Pickle(_) => "Pickle",
            PayloadError::NotADict { .. } => "NotADict",
            PayloadError::MissingData => "MissingData",
            PayloadError::DataNotADict { .. } => "DataNotADict",
            PayloadError::EncodingNotAString { .. } => "EncodingNotAString",
            PayloadError::UnsupportedEncoding => "UnsupportedEncoding",
            PayloadError::OutsideEncoding { .. } => "OutsideEncoding",
            PayloadError::BytesNotUtf8(_) => "BytesNotUtf8",
        }
    }

    /// The error and all its causes, as `{:#}` shows them in the CLI.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        text
    }

    #[test]
    fn no_payload_error_shows_the_payload_text() {
        let text = |payload: String| deserialize_user(payload.as_str());
        let mut not_utf8 = b"(dp0\nVx\nC".to_vec();
        not_utf8.push(u8::try_from(SECRET.len() + 1).unwrap());
        not_utf8.extend(SECRET.as_bytes());
        not_utf8.extend(b"\xffs.");
        let results = [
            text(String::new()),
            text(format!(
                r#"{{"session_token": "{}"}}"#,
                SECRET.repeat(100_000)
            )),
            text(format!(
                r#"{{"type": "SessionUser", "data": {{"session_token": "{SECRET}\q"}}}}"#
            )),
            text(format!("(dp0\nVsession_token\nV{SECRET}\\u12\n")),
            text(format!("V{SECRET}\n.")),
            text(format!(
                r#"{{"type": "SessionUser", "session_token": "{SECRET}"}}"#
            )),
            text(format!(r#"{{"type": "SessionUser", "data": "{SECRET}"}}"#)),
            text(format!("(dp0\nV_payload_encoding\n(lp1\nV{SECRET}\nas.")),
            text(format!("(dp0\nV_payload_encoding\nV{SECRET}\ns.")),
            text(format!(
                "(dp0\nV_payload_encoding\nVascii\nsVx\nV{SECRET}\u{e9}\ns."
            )),
            deserialize_user(&not_utf8),
            text(format!(
                r#"{{"type": {{"session_token": "{SECRET}"}}, "data": {{}}}}"#
            )),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for result in results {
            let e = result.expect_err("every case fails");
            for shown in [chain(&e), format!("{e:?}"), format!("{e:#?}")] {
                assert!(!shown.contains(SECRET), "{shown}");
            }
            if let Error::InvalidPayload(cause) = &e {
                seen.insert(payload_variant(cause));
            }
        }
        assert_eq!(seen.len(), 11, "every cause is covered: {seen:?}");
    }
}
