//! `tk-auth emulator`: announces its URL, serves a site, stops cleanly on signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn example_config(extension: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../docs/examples/emulator.{extension}"))
}

/// Starts `tk-auth emulator` with `args` and returns the process and the URL it printed.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tk-auth"))
        .arg("emulator")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    (child, first.trim_end().to_owned())
}

/// One HTTP/1.1 request over a plain socket; returns the whole response text.
fn http(url: &str, method: &str, path: &str, content_type: &str, body: &str) -> String {
    let authority = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[cfg(unix)]
fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "stops the emulator with a Unix signal (SIGTERM or SIGINT), which Windows has not"
)]
fn prints_the_url_first_and_serves_the_example_site_until_sigterm() {
    #[cfg(unix)]
    {
        let config = example_config("toml");
        let (mut child, url) = start(&["--config", config.to_str().unwrap()]);
        assert!(url.starts_with("http://127.0.0.1:"), "first line: {url:?}");

        let info = http(
            &url,
            "POST",
            "/api3/json",
            "application/json",
            r#"{"method_name":"info","params":[]}"#,
        );
        assert!(info.starts_with("HTTP/1.1 200"), "{info}");
        assert!(
            info.contains(r#""user_authentication_method":"default""#),
            "{info}"
        );

        let login = http(
            &url,
            "POST",
            "/api3/json",
            "application/json",
            r#"{"method_name":"get_session_token","params":[{"user_login":"alice","user_password":"alice-password"}]}"#,
        );
        assert!(login.contains(r#""session_id""#), "{login}");

        signal(&child, "TERM");
        let status = child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "stops the emulator with a Unix signal (SIGTERM or SIGINT), which Windows has not"
)]
fn the_yaml_example_declares_the_same_site() {
    #[cfg(unix)]
    {
        let config = example_config("yml");
        let (mut child, url) = start(&["--config", config.to_str().unwrap()]);
        let summary = http(&url, "GET", "/_emulator/", "application/json", "");
        for expected in [
            r#"{"login":"alice","id":1,"active":true,"two_factor":false}"#,
            r#"{"login":"bob","id":2,"active":true,"two_factor":true}"#,
            r#"{"login":"carol","id":3,"active":false,"two_factor":false}"#,
            r#"{"name":"farm_script","id":1}"#,
        ] {
            assert!(summary.contains(expected), "{expected} not in {summary}");
        }
        let toml = example_config("toml");
        let (mut other, other_url) = start(&["--config", toml.to_str().unwrap()]);
        let other_summary = http(&other_url, "GET", "/_emulator/", "application/json", "");
        let users = |s: &str| {
            s[s.find("\"human_users\"").unwrap()..s.find("\"routes\"").unwrap()].to_owned()
        };
        assert_eq!(users(&summary), users(&other_summary));
        for c in [&mut child, &mut other] {
            signal(c, "TERM");
            assert!(c.wait().unwrap().success());
        }
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "stops the emulator with a Unix signal (SIGTERM or SIGINT), which Windows has not"
)]
fn sigint_stops_it_cleanly_and_listen_picks_the_address() {
    #[cfg(unix)]
    {
        // Port 0 asks for a free port; the printed URL names the one chosen.
        let (mut child, url) = start(&["--listen", "127.0.0.1:0"]);
        let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
        assert_ne!(port, 0);
        let page = http(&url, "GET", "/_emulator/", "application/json", "");
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");

        signal(&child, "INT");
        let status = child.wait().unwrap();
        assert!(status.success(), "{status:?}");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(!stderr.contains("error"), "{stderr}");
    }
}

#[test]
fn a_bad_config_file_is_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    std::fs::write(&path, "user_authentication_method = \"kerberos\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tk-auth"))
        .args(["emulator", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("site.toml") && stderr.contains("kerberos"),
        "{stderr}"
    );
}

#[test]
fn a_busy_address_fails_with_exit_code_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_tk-auth"))
        .args(["emulator", "--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&addr), "{stderr}");
}

/// The shell commands of the "Round trip with curl" section of docs/emulator.md, in order,
/// with the site address replaced by `url`.
#[cfg(unix)]
fn documented_curl_round_trip(url: &str) -> String {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/emulator.md"),
    )
    .unwrap();
    let section = doc
        .split("### Round trip with curl")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/emulator.md has a \"Round trip with curl\" section");
    let mut script = String::new();
    let (mut in_console, mut continued) = (false, false);
    for line in section.lines() {
        if line.starts_with("```") {
            in_console = line == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        let command = if continued {
            Some(line)
        } else {
            line.strip_prefix("$ ")
        };
        if let Some(command) = command {
            let command = match command.strip_prefix("SITE=") {
                Some(_) => format!("SITE={url}"),
                None => command.to_owned(),
            };
            script.push_str(&command);
            script.push('\n');
            continued = command.ends_with('\\');
        }
    }
    script
}

#[test]
#[cfg_attr(windows, ignore = "runs the documented curl line in a POSIX shell")]
fn the_documented_curl_round_trip_works_against_the_example_site() {
    #[cfg(unix)]
    {
        let curl = Command::new("curl").arg("--version").output();
        assert!(
            curl.is_ok_and(|o| o.status.success()),
            "curl is needed to check the documented round trip"
        );
        let config = example_config("toml");
        let (mut child, url) = start(&["--config", config.to_str().unwrap()]);
        let script = documented_curl_round_trip(&url);
        assert!(script.contains("app_session_request") && script.contains("api3/json"));
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("sh")
            .args(["-eu", "-c", &script])
            .current_dir(dir.path())
            .output()
            .unwrap();
        signal(&child, "TERM");
        assert!(child.wait().unwrap().success());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{script}\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let waiting = stdout.find(r#"{"approved":false}"#).expect(&stdout);
        let approved = stdout.find(r#""approved":true"#).expect(&stdout);
        assert!(waiting < approved, "{stdout}");
        assert!(stdout.contains(r#""userLogin":"alice""#), "{stdout}");
        assert!(
            stdout.contains(r#"{"type":"HumanUser","id":1,"login":"alice"}"#),
            "{stdout}"
        );
        assert!(
            stdout.trim_end().ends_with(" 404"),
            "the collected request must be gone: {stdout}"
        );
    }
}

/// `tk-auth emulator ARGS` run to its end (a refusal), as (exit code, stdout, stderr).
fn refused(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tk-auth"))
        .arg("emulator")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_address_that_is_not_loopback_is_refused_without_the_exposing_flag() {
    for addr in [
        "0.0.0.0:0",
        "[::]:0",
        "192.0.2.1:8080",
        "[::ffff:0.0.0.0]:0",
    ] {
        let (code, stdout, stderr) = refused(&["--listen", addr]);
        assert_eq!(code, Some(2), "{addr}: {stderr}");
        assert!(stdout.is_empty(), "{addr}: {stdout}");
        assert!(
            stderr.contains(&format!("{addr} is not a loopback address")),
            "{stderr}"
        );
        assert!(
            stderr.contains("--expose-unauthenticated-control-api"),
            "{stderr}"
        );
    }
    // The same for a configuration's `listen` key.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    std::fs::write(&path, "listen = \"0.0.0.0:0\"\n").unwrap();
    let (code, _, stderr) = refused(&["--config", path.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
}

/// Whether this machine has IPv6 loopback.
fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// Stops `child` and returns what it wrote on stderr.
#[cfg(unix)]
fn stop(mut child: Child) -> String {
    signal(&child, "TERM");
    assert!(child.wait().unwrap().success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

#[test]
#[cfg_attr(
    windows,
    ignore = "stops the emulator with a Unix signal (SIGTERM or SIGINT), which Windows has not"
)]
fn the_printed_url_reaches_the_site_on_every_address_it_may_listen_on() {
    #[cfg(unix)]
    {
        let mut cases = vec![
            ("127.0.0.1:0", "http://127.0.0.1:", false),
            ("0.0.0.0:0", "http://127.0.0.1:", true),
        ];
        if ipv6_loopback() {
            cases.push(("[::1]:0", "http://[::1]:", false));
            cases.push(("[::]:0", "http://[::1]:", true));
        }
        for (addr, prefix, exposed) in cases {
            let mut args = vec!["--listen", addr];
            if exposed {
                args.push("--expose-unauthenticated-control-api");
            }
            let (child, url) = start(&args);
            assert!(url.starts_with(prefix), "{addr}: {url}");
            let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
            assert_ne!(port, 0, "{addr}: {url}");
            let page = http(&url, "GET", "/_emulator/", "application/json", "");
            assert!(page.starts_with("HTTP/1.1 200"), "{addr}: {page}");
            let stderr = stop(child);
            let listening = format!("{}:{port}", &addr[..addr.len() - 2]);
            assert_eq!(
                stderr.contains(&format!("warning: listening on {listening}:")),
                exposed,
                "{addr}: {stderr}"
            );
        }
    }
}
