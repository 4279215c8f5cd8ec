//! `--site URL`, checked where it enters: a value no site client accepts is bad usage
//! (exit code 2), refused before anything is read, written or sent.

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

/// Parses `--site` into a [`Site`](tk_auth::Site), kept as its normalised URL as a typed
/// site is, and accepted when the site client accepts it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SiteArg;

impl TypedValueParser for SiteArg {
    type Value = tk_auth::Site;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<tk_auth::Site, clap::Error> {
        let invalid = |reason: &dyn std::fmt::Display| {
            // The value as given, without the credentials it may hold, in clap's own words.
            let name = arg.map_or_else(|| "--site".to_owned(), ToString::to_string);
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!(
                    "invalid value '{}' for '{name}': {reason}\n",
                    without_credentials(&value.to_string_lossy())
                ),
            )
            .with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| invalid(&"it is not UTF-8"))?;
        let site = tk_auth::Site::new(text).normalized();
        match tk_auth::http::SiteUrl::from_site(&site) {
            Ok(_) => Ok(site),
            // The reason alone: the cleaned-up address it names may keep the start of a
            // password that held a '/' (`https://bob:pa/ss@…` becomes `https://bob:pa`).
            Err(tk_auth::http::HttpError::InvalidSiteUrl { reason, .. }) => Err(invalid(&reason)),
            Err(e) => Err(invalid(&e)),
        }
    }
}

/// `text` with everything between `://` and the last `@` (a login and password) replaced,
/// as the site client shows site addresses.
fn without_credentials(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text[start..].rfind('@') {
        Some(at) => format!("{}<redacted>{}", &text[..start], &text[start + at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_site_value_are_never_shown() {
        assert_eq!(
            without_credentials("https://bob:pa/ss@site.example.com"),
            "https://<redacted>@site.example.com"
        );
        assert_eq!(without_credentials("not a url"), "not a url");
    }
}
