//! A small HTTP proxy (plain forwarding and CONNECT, Basic authentication required) and the
//! client going through it.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tk_auth_http::{Auth, Env, HttpError, ProxySetting, Secret, SiteClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

const PROXY_USER: &str = "tkUser";
/// Mixed case, with the characters that need care in a URL.
const PROXY_PASSWORD: &str = "MiXed@Pa:ss%-canary";

/// One request that reached the proxy.
#[derive(Clone, Debug)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    authorized: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A proxy on a loopback port that lets through only `PROXY_USER:PROXY_PASSWORD`.
struct TestProxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<Mutex<usize>>,
}

impl TestProxy {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{PROXY_USER}:{PROXY_PASSWORD}"))
        );
        tokio::spawn({
            let seen = Arc::clone(&seen);
            let connections = Arc::clone(&connections);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    *connections.lock().unwrap() += 1;
                    tokio::spawn(serve(stream, expected.clone(), Arc::clone(&seen)));
                }
            }
        });
        Self {
            port,
            seen,
            connections,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    fn address(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => format!("{user}:{password}@127.0.0.1:{}", self.port),
            None => format!("127.0.0.1:{}", self.port),
        }
    }
}

/// Reads a request head; returns it and whatever followed it in the buffer.
async fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end + 4]).into_owned();
            return Some((head, buffer[end + 4..].to_vec()));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

async fn serve(mut client: TcpStream, expected: String, seen: Arc<Mutex<Vec<Seen>>>) {
    let Some((head, rest)) = read_head(&mut client).await else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let authorized = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("proxy-authorization") && *v == expected);
    seen.lock().unwrap().push(Seen {
        request_line: request_line.clone(),
        headers,
        authorized,
    });
    if !authorized {
        let _ = client
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"test\"\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    if method == "CONNECT" {
        let Ok(mut upstream) = TcpStream::connect(target).await else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        let _ = upstream.write_all(&rest).await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }
    // Plain forwarding: the site accepts absolute-form request targets, so the bytes go
    // through unchanged, and later requests on this kept-alive connection follow them.
    let Some(authority) = target
        .strip_prefix("http://")
        .and_then(|t| t.split('/').next())
    else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(authority).await else {
        return;
    };
    if upstream.write_all(head.as_bytes()).await.is_err()
        || upstream.write_all(&rest).await.is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[tokio::test]
async fn requests_go_through_the_proxy_with_credentials_kept_as_typed() {
    let site = support::start();
    let proxy = TestProxy::start().await;
    let client = SiteClient::new(
        site.url(),
        support::options()
            .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        client.proxy(),
        Some(format!("127.0.0.1:{}", proxy.port).as_str())
    );
    let token = client
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap();
    for _ in 0..5 {
        support::find_anyone(&client, &Auth::SessionToken(token.clone()))
            .await
            .unwrap();
    }
    let seen = proxy.seen();
    assert!(seen[0].authorized, "{seen:?}");
    assert!(
        seen[0]
            .request_line
            .starts_with(&format!("POST {}/api3/json", site.url())),
        "{seen:?}"
    );
    assert_eq!(site.calls("read"), 5);
    // Seven calls (token, info, five reads) over kept-alive connections: the pool may open
    // a spare when a call starts before the previous one's connection is back in it, but
    // without keep-alive there would be seven.
    let connections = proxy.connections();
    assert!((1..=3).contains(&connections), "{connections} connections");
}

#[tokio::test]
async fn without_credentials_the_error_says_the_proxy_needs_them() {
    let site = support::start();
    let proxy = TestProxy::start().await;
    let client = SiteClient::new(
        site.url(),
        support::options().http_proxy(&proxy.address(None)).unwrap(),
    )
    .unwrap();
    let err = client.info().await.unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::ProxyAuthenticationRequired {
                credentials_given: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("requires authentication (HTTP 407)"),
        "{err}"
    );
    assert_eq!(site.calls("info"), 0);
}

#[tokio::test]
async fn a_password_in_the_wrong_case_is_refused() {
    let site = support::start();
    let proxy = TestProxy::start().await;
    let lowered = PROXY_PASSWORD.to_lowercase();
    let client = SiteClient::new(
        site.url(),
        support::options()
            .http_proxy(&proxy.address(Some((PROXY_USER, &lowered))))
            .unwrap(),
    )
    .unwrap();
    let err = client.info().await.unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::ProxyAuthenticationRequired {
                credentials_given: true,
                ..
            }
        ),
        "{err:?}"
    );
    support::assert_no_secret(&support::full_text(&err));
}

#[tokio::test]
async fn https_sites_are_tunnelled_with_connect() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let proxy = TestProxy::start().await;
    let options = support::options()
        .ca_file(&ca.ca_file)
        .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
        .unwrap();
    let client = SiteClient::new(site.url(), options).unwrap();
    let found = support::find_person(&client, &Auth::script("farm_script", SCRIPT_KEY), "alice")
        .await
        .unwrap();
    assert!(found.is_some());
    let seen = proxy.seen();
    let port = site.local_addr().port();
    assert_eq!(
        seen[0].request_line,
        format!("CONNECT 127.0.0.1:{port} HTTP/1.1")
    );
    assert!(seen[0].authorized);

    // Without credentials, the tunnel is refused with 407.
    let options = support::options()
        .ca_file(&ca.ca_file)
        .http_proxy(&proxy.address(None))
        .unwrap();
    let err = SiteClient::new(site.url(), options)
        .unwrap()
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::ProxyAuthenticationRequired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_environment_proxy_is_used_unless_no_proxy_lists_the_site() {
    let site = support::start();
    let proxy = TestProxy::start().await;
    let encoded = format!(
        "http://{PROXY_USER}:{}@127.0.0.1:{}",
        PROXY_PASSWORD
            .replace('%', "%25")
            .replace('@', "%40")
            .replace(':', "%3A"),
        proxy.port
    );
    let env = Env::from_pairs([("HTTP_PROXY", encoded.as_str())]);
    let client = SiteClient::new(site.url(), support::options().environment(env)).unwrap();
    client.info().await.unwrap();
    assert_eq!(proxy.connections(), 1);
    assert!(proxy.seen()[0].authorized);

    let env = Env::from_pairs([
        ("http_proxy", encoded.as_str()),
        ("NO_PROXY", "localhost, 127.0.0.1"),
    ]);
    let client = SiteClient::new(site.url(), support::options().environment(env)).unwrap();
    assert_eq!(client.proxy(), None);
    let site_info_calls = site.calls("info");
    client.call("info", None, None).await.unwrap();
    assert_eq!(site.calls("info"), site_info_calls + 1);
    assert_eq!(proxy.connections(), 1, "NO_PROXY bypasses the proxy");

    // An explicit choice of no proxy wins over the environment.
    let env = Env::from_pairs([("HTTP_PROXY", encoded.as_str())]);
    let client = SiteClient::new(
        site.url(),
        support::options()
            .environment(env)
            .proxy(ProxySetting::Direct),
    )
    .unwrap();
    assert_eq!(client.proxy(), None);
}

#[tokio::test]
async fn an_unreachable_proxy_is_named() {
    let site = support::start();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = SiteClient::new(
        site.url(),
        support::options()
            .http_proxy(&format!("bob:pw-canary@127.0.0.1:{port}"))
            .unwrap(),
    )
    .unwrap();
    let err = client.info().await.unwrap_err();
    let HttpError::ProxyUnreachable { proxy, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(proxy, &format!("127.0.0.1:{port}"));
    support::assert_no_secret(&support::full_text(&err));
    support::assert_no_secret(&format!("{client:?}"));
}

#[tokio::test]
async fn credentials_in_the_site_url_become_basic_authentication() {
    let site = support::start();
    let proxy = TestProxy::start().await;
    let url = site
        .url()
        .replace("http://", "http://Site%20User:S1te-P%40ss@");
    let client = SiteClient::new(
        &url,
        support::options()
            .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
            .unwrap(),
    )
    .unwrap();
    client.info().await.unwrap();
    let seen = proxy.seen();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("Site User:S1te-P@ss")
    );
    assert_eq!(seen[0].header("authorization"), Some(expected.as_str()));
    assert!(
        !seen[0].request_line.contains("S1te"),
        "credentials leave the URL: {}",
        seen[0].request_line
    );
}

#[tokio::test]
async fn a_proxy_that_cannot_reach_the_site_refuses_the_tunnel() {
    let proxy = TestProxy::start().await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = SiteClient::new(
        &format!("https://127.0.0.1:{port}"),
        support::options()
            .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
            .unwrap(),
    )
    .unwrap();
    let err = client.info().await.unwrap_err();
    assert!(matches!(err, HttpError::ProxyRefused { .. }), "{err:?}");
    assert!(proxy.seen()[0].authorized);
}

#[tokio::test]
async fn rest_access_tokens_go_through_the_proxy_and_its_tunnel() {
    use tk_auth_http::RestGrant;

    let grant = RestGrant::ClientCredentials {
        script_name: "farm_script".into(),
        api_key: Secret::new(SCRIPT_KEY),
    };
    let site = support::start();
    let proxy = TestProxy::start().await;
    let client = SiteClient::new(
        site.url(),
        support::options()
            .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
            .unwrap(),
    )
    .unwrap();
    client.rest_access_token(&grant).await.unwrap();
    let seen = proxy.seen();
    assert_eq!(
        seen[0].request_line,
        format!("POST {}/api/v1/auth/access_token HTTP/1.1", site.url()),
        "the parameters travel in the body, not the address"
    );
    assert!(seen[0].authorized);
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen[0].header("accept"), Some("application/json"));

    let ca = support::TestCa::new();
    let https = ca.https_site(support::builder());
    let options = support::options()
        .ca_file(&ca.ca_file)
        .http_proxy(&proxy.address(Some((PROXY_USER, PROXY_PASSWORD))))
        .unwrap();
    let token = SiteClient::new(https.url(), options)
        .unwrap()
        .rest_access_token(&grant)
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    let port = https.local_addr().port();
    assert!(
        proxy
            .seen()
            .iter()
            .any(|s| s.request_line == format!("CONNECT 127.0.0.1:{port} HTTP/1.1")),
        "{:?}",
        proxy.seen()
    );
    assert_eq!(https.calls("rest:client_credentials"), 1);

    let err = SiteClient::new(
        site.url(),
        support::options().http_proxy(&proxy.address(None)).unwrap(),
    )
    .unwrap()
    .rest_access_token(&grant)
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::ProxyAuthenticationRequired {
                credentials_given: false,
                ..
            }
        ),
        "{err:?}"
    );
}
