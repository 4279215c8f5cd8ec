//! Queued faults, hostile bodies, and many connections at once.

use std::time::Duration;

use serde_json::json;
use tk_auth_site_emulator::{Fault, SiteEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{client, request_session, rpc};

fn info() -> serde_json::Value {
    json!({"method_name": "info", "params": []})
}

#[tokio::test]
async fn status_faults_answer_the_next_calls_in_order_then_the_site_recovers() {
    let site = SiteEmulator::builder().start().unwrap();
    let http = client();
    site.queue_fault(Fault::Status(502), 2);
    site.queue_fault(Fault::Status(503), 1);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(rpc(&http, site.url(), &info()).await.0);
    }
    assert_eq!(statuses, [502, 502, 503, 200]);
    assert_eq!(site.calls("info"), 4);
}

#[tokio::test]
async fn faults_touch_neither_the_control_api_nor_the_approval_page() {
    let site = SiteEmulator::builder().start().unwrap();
    let http = client();
    site.queue_fault(Fault::Status(500), 1);
    let control = http
        .get(format!("{}/_emulator/calls", site.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status().as_u16(), 200);
    let page = http
        .get(format!("{}/app_session_request/x", site.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 404);
    assert_eq!(request_session(&http, site.url(), "a", "b").await.0, 500);
    site.queue_fault(Fault::Status(500), 3);
    site.clear_faults();
    assert_eq!(rpc(&http, site.url(), &info()).await.0, 200);
}

#[tokio::test]
async fn a_dropped_connection_closes_without_an_answer() {
    let site = SiteEmulator::builder().start().unwrap();
    site.queue_fault(Fault::DropConnection, 1);
    let mut stream = tokio::net::TcpStream::connect(site.local_addr())
        .await
        .unwrap();
    let body = info().to_string();
    let request = format!(
        "POST /api3/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // End of stream (or a reset) with nothing written back.
    let _ = stream.read_to_end(&mut answer).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(rpc(&client(), site.url(), &info()).await.0, 200);
}

#[tokio::test]
async fn a_stall_delays_a_normal_answer() {
    let site = SiteEmulator::builder().start().unwrap();
    site.queue_fault(Fault::Stall(Duration::from_millis(50)), 1);
    let (status, answer) = rpc(&client(), site.url(), &info()).await;
    assert_eq!(status, 200);
    assert!(answer["version"].is_array());
}

#[tokio::test]
async fn a_malformed_body_is_json_typed_but_not_json() {
    let site = SiteEmulator::builder().start().unwrap();
    site.queue_fault(Fault::MalformedBody, 1);
    let response = client()
        .post(format!("{}/api3/json", site.url()))
        .body(info().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_json_is_400_with_an_exception_body() {
    let site = SiteEmulator::builder().start().unwrap();
    for body in [
        &b"{not json"[..],
        b"",
        b"\x00\x01",
        b"{\"method_name\": \"\xff\xfe\"}",
    ] {
        let response = client()
            .post(format!("{}/api3/json", site.url()))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body:?}");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["exception"], true);
    }
    assert_eq!(rpc(&client(), site.url(), &info()).await.0, 200);
}

#[tokio::test]
async fn bytes_that_are_not_http_get_400_and_the_site_keeps_serving() {
    let site = SiteEmulator::builder().start().unwrap();
    for garbage in [
        &b"\x00\x01\xff garbage\r\n\r\n"[..],
        b"POST /api3/json HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(site.local_addr())
            .await
            .unwrap();
        stream.write_all(garbage).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answer}"
        );
    }
    let (status, answer) = rpc(&client(), site.url(), &info()).await;
    assert_eq!((status, answer["version"].is_array()), (200, true));
}

#[tokio::test]
async fn bodies_over_ten_megabytes_are_413_and_the_site_keeps_serving() {
    let site = SiteEmulator::builder().start().unwrap();
    let http = client();
    let huge = vec![b' '; tk_auth_site_emulator::MAX_BODY_BYTES + 1];
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    // Just under the limit is read (and is not JSON).
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .body(vec![b'x'; tk_auth_site_emulator::MAX_BODY_BYTES])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(rpc(&http, site.url(), &info()).await.0, 200);
}

/// Lets this process hold `needed` more descriptors: raises the soft limit towards the hard
/// one, as a shell's `ulimit -n` would (CI machines often start at 1,024).
fn allow_open_files(needed: u64) {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        let wanted = needed.saturating_add(1024);
        if limit.current.is_some_and(|current| current < wanted) {
            limit.current = Some(limit.maximum.map_or(wanted, |max| max.min(wanted)));
            setrlimit(Resource::Nofile, limit).unwrap();
        }
    }
    #[cfg(not(unix))]
    let _ = needed;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_are_served_at_once() {
    const CONNECTIONS: usize = 1000;
    // Client and server ends both live in this process.
    allow_open_files(2 * CONNECTIONS as u64);
    let site = SiteEmulator::builder().start().unwrap();
    let addr = site.local_addr();
    // Open every connection before any request, so that all are held at the same time.
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        streams.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let body = info().to_string();
    let request = format!(
        "POST /api3/json HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut tasks = tokio::task::JoinSet::new();
    for mut stream in streams {
        let request = request.clone();
        tasks.spawn(async move {
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            answer
        });
    }
    let answers = async {
        let mut answers = Vec::with_capacity(CONNECTIONS);
        while let Some(answer) = tasks.join_next().await {
            answers.push(answer.unwrap());
        }
        answers
    };
    // Not a speed check: the bound only turns a server that stopped answering into a
    // failure instead of a test run that never ends.
    let answers = tokio::time::timeout(Duration::from_mins(10), answers)
        .await
        .expect("the site stopped answering");
    for answer in &answers {
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"version\":[8,50,0]"), "{answer}");
    }
    assert_eq!(answers.len(), CONNECTIONS);
    assert_eq!(site.calls("info"), CONNECTIONS);
}

#[tokio::test]
async fn an_oversized_body_is_announced_and_withheld_or_sent_without_a_length() {
    let site = SiteEmulator::builder().start().unwrap();
    let http = client();
    site.queue_fault(
        Fault::OversizedBody {
            bytes: 40_000_000,
            announced: true,
        },
        1,
    );
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .json(&info())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.content_length(), Some(40_000_000));
    // The body never comes: reading it waits until given up on.
    let read = tokio::time::timeout(Duration::from_millis(200), response.bytes()).await;
    assert!(read.is_err(), "the announced body was sent");

    site.queue_fault(
        Fault::OversizedBody {
            bytes: 300_000,
            announced: false,
        },
        1,
    );
    let response = http
        .post(format!("{}/api3/json", site.url()))
        .json(&info())
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_length(), None);
    assert_eq!(
        response.headers()["transfer-encoding"].to_str().unwrap(),
        "chunked"
    );
    assert_eq!(response.bytes().await.unwrap().len(), 300_000);
    // The site recovers.
    assert_eq!(rpc(&http, site.url(), &info()).await.0, 200);
}
