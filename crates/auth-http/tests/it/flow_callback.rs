//! The Flow login's loopback callback server, driven by a real HTTP client as a browser
//! would come back: one request with the right path and state is taken, anything else is
//! refused, and the wait is bounded and cancellable.

use std::time::{Duration, Instant};

use tk_auth_core::Secret;
use tk_auth_http::{CancelHandle, FlowCallback, FlowError, HttpError};

const WAIT: Duration = Duration::from_secs(20);

async fn bound() -> FlowCallback {
    FlowCallback::bind("http://localhost:0/auth/callback")
        .await
        .unwrap()
}

/// The browser coming back: one HTTP/1.1 request over a fresh connection, as raw bytes.
async fn send(method: &str, url: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(url).unwrap();
    let address = url.socket_addrs(|| None)?;
    let mut stream = tokio::net::TcpStream::connect(&*address).await?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let host = url.host_str().unwrap();
    stream
        .write_all(
            format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:?}")))?;
    Ok((status, answer))
}

async fn visit(url: &str) -> std::io::Result<(u16, String)> {
    send("GET", url).await
}

fn flow_error(e: HttpError) -> FlowError {
    match e {
        HttpError::Flow(e) => e,
        other => panic!("expected a Flow error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_right_callback_hands_its_code_over_once_and_the_server_stops_listening() {
    let callback = bound().await;
    let base = callback.redirect_uri().to_owned();
    assert!(
        base.starts_with("http://localhost:") && base.ends_with("/auth/callback"),
        "{base}"
    );
    assert_ne!(callback.port(), 0);
    let state = Secret::new("state-123");
    let waiting =
        tokio::spawn(async move { callback.wait(&state, WAIT, &CancelHandle::new()).await });

    // Refused, and the wait goes on: another path, no state, another state, another method.
    let port = base
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = visit(&format!("http://127.0.0.1:{port}/favicon.ico"))
        .await
        .unwrap();
    assert_eq!(status, 404);
    let (status, _) = visit(&format!("{base}?code=c-1")).await.unwrap();
    assert_eq!(status, 400);
    let (status, page) = visit(&format!("{base}?code=c-1&state=other"))
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(page.contains("does not belong"), "{page}");
    let (status, _) = send("POST", &format!("{base}?code=c-1&state=state-123"))
        .await
        .unwrap();
    assert_eq!(status, 405);
    assert!(!waiting.is_finished());

    // On IPv6 too, where the machine has it: `localhost` may name either.
    let (status, page) = visit(&format!(
        "http://localhost:{port}/auth/callback?state=state-123&code=the-code"
    ))
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("You can close this window"));
    let code = waiting.await.unwrap().unwrap();
    assert_eq!(code.expose(), "the-code");

    // A second callback finds nobody.
    let again = visit(&format!(
        "http://127.0.0.1:{port}/auth/callback?state=state-123&code=x"
    ))
    .await;
    assert!(again.is_err(), "{again:?}");
}

#[tokio::test]
async fn a_refusal_from_the_authorization_server_ends_the_wait_with_its_reason() {
    let callback = bound().await;
    let base = callback.redirect_uri().to_owned();
    let state = Secret::new("s");
    let waiting =
        tokio::spawn(async move { callback.wait(&state, WAIT, &CancelHandle::new()).await });
    let (status, page) = visit(&format!(
        "{base}?state=s&error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E"
    ))
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert!(
        !page.contains("<b>"),
        "nothing of the request is echoed: {page}"
    );
    let error = flow_error(waiting.await.unwrap().unwrap_err());
    assert!(
        matches!(&error, FlowError::Denied { error, description } if error == "access_denied" && description.as_deref() == Some("<b>no</b>")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_wait_ends_at_its_limit_and_when_cancelled() {
    let callback = bound().await;
    let started = Instant::now();
    let error = callback
        .wait(
            &Secret::new("s"),
            Duration::from_millis(300),
            &CancelHandle::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(flow_error(error), FlowError::TimedOut { timeout } if timeout == Duration::from_millis(300))
    );
    assert!(started.elapsed() < WAIT);

    let callback = bound().await;
    let cancel = CancelHandle::new();
    let cancelling = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancelling.cancel();
    });
    let error = callback
        .wait(&Secret::new("s"), WAIT, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(flow_error(error), FlowError::Cancelled));
}

#[tokio::test]
async fn a_port_another_program_listens_on_is_named_before_any_browser_opens() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let url = format!("http://localhost:{port}/auth/callback");
    let error = flow_error(FlowCallback::bind(&url).await.unwrap_err());
    assert!(
        matches!(&error, FlowError::CallbackPortInUse { port: p, .. } if *p == port),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("TK_FLOW_AUTH_CALLBACK_URL"),
        "{error}"
    );
}

#[tokio::test]
async fn callback_urls_that_cannot_be_served_here_are_refused() {
    for url in [
        "https://localhost:4201/auth/callback",
        "http://example.com:4201/auth/callback",
        "not a url",
    ] {
        let error = flow_error(FlowCallback::bind(url).await.unwrap_err());
        assert!(
            matches!(error, FlowError::CallbackUrl { .. }),
            "{url}: {error:?}"
        );
    }
}
