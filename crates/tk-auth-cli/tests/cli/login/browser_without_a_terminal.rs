//! `tk-auth login --method browser --no-browser` with standard input not a terminal: the
//! page to open is shown on stderr and the approval awaited, until the site approves, lets
//! the request lapse, or Ctrl-C (SIGINT) ends the wait.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use tk_auth::defaults::{LoginMethod, SessionCache};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use super::{PASSWORD, site, tk_auth};

/// Starts `tk-auth login --site URL --method browser --no-browser` with standard input
/// from `/dev/null`, stdout and stderr piped.
fn start_browser_login(home: &std::path::Path, url: &str) -> Child {
    tk_auth(home)
        .args([
            "login",
            "--site",
            url,
            "--method",
            "browser",
            "--no-browser",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tk-auth starts")
}

/// Reads stderr up to the line that shows the approval page; returns the page's URL and
/// everything read so far. Fails with what was shown when stderr ends first.
fn shown_page(child: &mut Child) -> (String, BufReader<std::process::ChildStderr>, String) {
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut shown = String::new();
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).unwrap();
        assert!(read > 0, "no approval page was shown: {shown}");
        shown.push_str(&line);
        if line.contains("/app_session_request/") {
            return (line.trim().to_owned(), stderr, shown);
        }
    }
}

/// Waits for the process; returns its exit code, stdout and the whole of stderr.
fn finish(
    mut child: Child,
    mut stderr: BufReader<std::process::ChildStderr>,
    mut shown: String,
) -> (Option<i32>, String, String) {
    stderr.read_to_string(&mut shown).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    (child.wait().unwrap().code(), stdout, shown)
}

/// Submits the approval page's form as the person's click does:
/// `POST <page>` with `action=approve&login=…`.
fn approve_page(page: &str, login: &str) -> String {
    let rest = page.strip_prefix("http://").expect("a loopback page");
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let body = format!("action=approve&login={login}");
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn without_a_terminal_the_page_is_shown_and_the_login_succeeds_once_it_is_approved() {
    let site = site();
    let home = tempfile::tempdir().unwrap();
    let mut child = start_browser_login(home.path(), site.url());
    let (page, stderr, shown) = shown_page(&mut child);
    assert!(page.starts_with(site.url()), "{page}");
    assert!(
        shown.contains("Open this page in a browser and approve this program there:"),
        "{shown}"
    );
    let answer = approve_page(&page, "alice");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (code, stdout, shown) = finish(child, stderr, shown);
    assert_eq!(code, Some(0), "{shown}");
    assert_eq!(stdout, format!("Logged in to {} as alice.\n", site.url()));
    let cache = SessionCache::at(home.path());
    assert_eq!(cache.get_current_host(), Some(site.url().into()));
    assert_eq!(
        cache.get_current_user(site.url()).unwrap().as_deref(),
        Some("alice")
    );
    assert!(
        cache
            .get_session_data(site.url(), "alice")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        cache.get_preferred_method(site.url()).unwrap(),
        Some(LoginMethod::AppSessionLauncher)
    );
}

#[test]
fn without_a_terminal_a_request_nobody_approves_ends_when_the_site_lets_it_lapse() {
    // Requests lapse after 1 s; the first poll comes 2 s after the page is shown.
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", PASSWORD))
        .app_session_request_lifetime(Duration::from_secs(1))
        .start()
        .expect("the site emulator starts");
    let home = tempfile::tempdir().unwrap();
    let mut child = start_browser_login(home.path(), site.url());
    let (_, stderr, shown) = shown_page(&mut child);
    let (code, stdout, shown) = finish(child, stderr, shown);
    assert_eq!(code, Some(1), "{shown}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        shown.contains(&format!(
            "tk-auth: error: the browser approval on {} failed: The request has been rejected \
             or has expired.",
            site.url()
        )),
        "{shown}"
    );
    assert_eq!(SessionCache::at(home.path()).get_current_host(), None);
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT, which Windows has not")]
fn without_a_terminal_sigint_ends_the_wait_as_a_cancelled_login() {
    #[cfg(unix)]
    {
        let site = site();
        let home = tempfile::tempdir().unwrap();
        let mut child = start_browser_login(home.path(), site.url());
        let (_, stderr, shown) = shown_page(&mut child);
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let (code, stdout, shown) = finish(child, stderr, shown);
        assert_eq!(code, Some(130), "{shown}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            shown.contains("tk-auth: error: Authentication was cancelled by the user."),
            "{shown}"
        );
        assert_eq!(SessionCache::at(home.path()).get_current_host(), None);
    }
}
