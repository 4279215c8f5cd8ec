//! Credentials in site addresses and proxy settings, hidden for messages, logs and `Debug`.
//!
//! A password typed without percent-encoding may hold any character — `/ ? # @ : ;`,
//! spaces, even `://` — so where the credentials end cannot be parsed; they are taken to
//! run to the last `@`, and a leading `scheme://` is one only if nothing before it could
//! belong to credentials. An `@` later in a path or query costs some of the message, never
//! a secret.

use crate::REDACTED;

/// Where the `user[:password]` part of `text` lies: from the end of a leading `scheme://`
/// (or from the start) to the last `@` after it.
fn userinfo(text: &str) -> Option<(usize, usize)> {
    let start = match text.find("://") {
        Some(i) if is_scheme(&text[..i]) => i + 3,
        _ => 0,
    };
    let at = text[start..].rfind('@')?;
    Some((start, start + at))
}

/// Whether `prefix`, found before a `://`, is a scheme rather than the start of credentials
/// (`user:pa://ss@host`): a scheme holds none of the characters that credentials or a
/// message around them would.
fn is_scheme(prefix: &str) -> bool {
    let prefix = prefix.trim_start();
    !prefix.is_empty()
        && !prefix.contains(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '/' | '?' | '#' | '@' | '%' | '[' | ']' | ';')
        })
}

/// A proxy setting or URL with the password of its `user:pass@` part replaced by
/// `<redacted>`, for showing it in messages and logs. The user name stays.
///
/// ```
/// use tk_auth_core::redact_proxy_password;
///
/// assert_eq!(redact_proxy_password("http://bob:s3cret@proxy:3128"), "http://bob:<redacted>@proxy:3128");
/// assert_eq!(redact_proxy_password("bob:s3://cret@proxy:3128"), "bob:<redacted>@proxy:3128");
/// assert_eq!(redact_proxy_password("proxy:3128"), "proxy:3128");
/// ```
pub fn redact_proxy_password(text: &str) -> String {
    let Some((start, at)) = userinfo(text) else {
        return text.to_owned();
    };
    match text[start..at].find(':') {
        Some(colon) => format!("{}{REDACTED}{}", &text[..=start + colon], &text[at..]),
        None => text.to_owned(),
    }
}

/// A URL with its whole `user:pass@` part replaced by `<redacted>@`: for site addresses,
/// whose user name may be a token.
///
/// ```
/// use tk_auth_core::redact_url_credentials;
///
/// assert_eq!(redact_url_credentials("https://bob:pa/ss@site"), "https://<redacted>@site");
/// assert_eq!(redact_url_credentials("bob:pa://ss@site"), "<redacted>@site");
/// assert_eq!(redact_url_credentials("https://site/a"), "https://site/a");
/// ```
pub fn redact_url_credentials(text: &str) -> String {
    match userinfo(text) {
        Some((start, at)) => format!("{}{REDACTED}{}", &text[..start], &text[at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passwords holding every character that ends or splits credentials, as typed.
    const PASSWORDS: &[&str] = &[
        "canary://x",
        "ca://nary",
        "x@canary://y",
        "canary:// x",
        "ca/nary",
        "ca?nary",
        "ca#nary",
        "ca%nary",
        "ca%41nary",
        "ca%3A%2F%2Fnary",
        "ca@nary",
        "ca:nary",
        "ca;nary",
        "ca nary",
        "cä nary ☃",
        "1/canary?#%@:x",
    ];

    #[test]
    fn no_password_shows_whatever_it_holds() {
        for password in PASSWORDS {
            for text in [
                format!("bob:{password}@proxy:3128"),
                format!("http://bob:{password}@proxy:3128"),
                format!("socks5://bob:{password}@proxy:3128/path@x"),
                format!("  https://bob:{password}@site"),
                format!("1http://bob:{password}@"),
                format!(":{password}@proxy"),
            ] {
                for shown in [redact_proxy_password(&text), redact_url_credentials(&text)] {
                    assert!(!shown.contains("nary"), "{text}: {shown}");
                }
            }
        }
    }

    #[test]
    fn the_scheme_and_user_name_stay() {
        assert_eq!(
            redact_proxy_password("http://bob:pa://ss@proxy:3128"),
            "http://bob:<redacted>@proxy:3128"
        );
        assert_eq!(
            redact_proxy_password("bob:pa://ss@proxy:3128"),
            "bob:<redacted>@proxy:3128"
        );
        assert_eq!(
            redact_url_credentials("ftp://bob:pa@ss@site/x"),
            "ftp://<redacted>@site/x"
        );
        assert_eq!(redact_proxy_password("bob@proxy"), "bob@proxy");
        assert_eq!(redact_url_credentials("https://site"), "https://site");
    }
}
