//! A minimal HTTP/1.1 client for the control routes of helper servers on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

/// Generous: the servers are local, but the machine may be busy.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The body of `GET path` on 127.0.0.1:`port`, or what went wrong (an answer other than
/// `200` among it, with its body).
pub(crate) fn get(port: u16, path: &str) -> Result<String, String> {
    request(port, "GET", path, "")
}

/// The body of `POST path` (a JSON `body`) on 127.0.0.1:`port`, or what went wrong.
pub(crate) fn post(port: u16, path: &str, body: &str) -> Result<String, String> {
    request(port, "POST", path, body)
}

fn request(port: u16, method: &str, path: &str, body: &str) -> Result<String, String> {
    let what = format!("{method} {path} on 127.0.0.1:{port}");
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .map_err(|e| format!("{what}: could not connect: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("{what}: {e}"))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("{what}: could not send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("{what}: could not read the answer: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{what}: not an HTTP answer"))?;
    let status_line = head.lines().next().unwrap_or("");
    if status_line.split(' ').nth(1) != Some("200") {
        return Err(format!("{what}: answered {status_line}: {body}"));
    }
    Ok(body.to_owned())
}
