//! Credentials in site and proxy addresses never reach an error, whatever characters the
//! password holds — typed as is or percent-encoded — on every path a client can fail on.

use std::net::TcpListener;

use tk_auth_http::{ClientOptions, Env, SiteClient};

use crate::support;

/// Passwords holding every character that ends or splits a URL's credentials.
const PASSWORDS: &[&str] = &[
    "canary://x",
    "x@canary://y",
    "canary:// x",
    "ca;nary",
    "ca nary",
    "cä nary ☃",
    "ca/nary",
    "12/canary",
    "ca?nary",
    "ca#nary",
    "ca%nary",
    "ca%41nary",
    "ca@nary",
    "ca:nary",
    "1/canary?#%@:x",
];

/// The password with every reserved character percent-encoded.
fn encoded(password: &str) -> String {
    percent_encoding::utf8_percent_encode(password, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn assert_hidden(context: &str, text: &str) {
    assert!(
        !text.contains("nary"),
        "{context}: a password leaked: {text}"
    );
}

/// Builds a client and makes one call; every message, source and `Debug` along the way is
/// checked.
async fn check(context: &str, url: &str, options: Result<ClientOptions, tk_auth_http::HttpError>) {
    let options = match options {
        Ok(options) => {
            assert_hidden(context, &format!("{options:?}"));
            options
        }
        Err(err) => return assert_hidden(context, &support::full_text(&err)),
    };
    let client = match SiteClient::new(url, options) {
        Ok(client) => client,
        Err(err) => return assert_hidden(context, &support::full_text(&err)),
    };
    assert_hidden(context, &format!("{client:?} {}", client.site()));
    if let Err(err) = client.call("info", None, None).await {
        assert_hidden(context, &support::full_text(&err));
    }
}

#[tokio::test]
async fn site_url_passwords_never_show() {
    let port = closed_port();
    for password in PASSWORDS {
        for shown in [(*password).to_owned(), encoded(password)] {
            for url in [
                format!("bob:{shown}@127.0.0.1:{port}"),
                format!("http://bob:{shown}@127.0.0.1:{port}"),
                format!("https://bob:{shown}@127.0.0.1:{port}/prefix"),
                format!("ftp://bob:{shown}@127.0.0.1:{port}"),
                format!("https://bob:{shown}@"),
            ] {
                check(&url, &url, Ok(support::options())).await;
            }
        }
    }
}

#[tokio::test]
async fn configured_proxy_passwords_never_show() {
    let port = closed_port();
    let site = format!("http://127.0.0.1:{}", closed_port());
    for password in PASSWORDS {
        for proxy in [
            format!("bob:{password}@127.0.0.1:{port}"),
            format!("http://bob:{password}@127.0.0.1:{port}"),
            format!("socks5://bob:{password}@127.0.0.1:{port}"),
            format!("bob:{password}@127.0.0.1:notaport"),
            format!("bob:{password}@"),
        ] {
            check(&proxy, &site, support::options().http_proxy(&proxy)).await;
        }
    }
}

#[tokio::test]
async fn environment_proxy_passwords_never_show() {
    let port = closed_port();
    for password in PASSWORDS {
        for shown in [(*password).to_owned(), encoded(password)] {
            for (variable, site) in [
                ("HTTPS_PROXY", "https://site.example.com"),
                ("http_proxy", "http://127.0.0.1:9"),
            ] {
                for value in [
                    format!("http://bob:{shown}@127.0.0.1:{port}"),
                    format!("bob:{shown}@127.0.0.1:{port}"),
                    format!("http://bob:{shown}@"),
                ] {
                    let env = Env::from_pairs([(variable, value.as_str())]);
                    check(&value, site, Ok(support::options().environment(env))).await;
                }
            }
        }
    }
}
