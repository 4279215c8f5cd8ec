//! A browser's part in a login, for tests and demos: visit a page of the emulator (or a
//! loopback callback) over plain http and follow its redirects, as a person's browser does
//! after the click that the emulator's approval stands in for.

use std::io::{self, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

/// One page's answer: the status, where it redirects, and its body.
#[derive(Debug)]
pub struct Visit {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body, as text.
    pub body: String,
}

/// GETs `url` (`http://host:port/…`) over a fresh connection, without following anything.
pub fn visit(url: &str) -> io::Result<Visit> {
    visit_with(url, &[])
}

/// [`visit`] with extra request headers (`Authorization: Bearer …`, say).
pub fn visit_with(url: &str, headers: &[(&str, &str)]) -> io::Result<Visit> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::other(format!("not a plain http URL: {url}")))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let address = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other(format!("{authority} names no address")))?;
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    )?;
    for (name, value) in headers {
        write!(stream, "{name}: {value}\r\n")?;
    }
    stream.write_all(b"\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    let location = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    Ok(Visit {
        status,
        location,
        body: body.to_owned(),
    })
}

/// Visits `url` and follows up to 5 redirects; the last page's answer.
pub fn follow(url: &str) -> io::Result<Visit> {
    let mut page = visit(url)?;
    for _ in 0..5 {
        match (&page.location, page.status) {
            (Some(next), 300..=399) => page = visit(&next.clone())?,
            _ => return Ok(page),
        }
    }
    Err(io::Error::other(format!("too many redirects from {url}")))
}
