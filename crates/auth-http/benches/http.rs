//! Authenticated `find_one` on loopback: tk-auth's client beside `shotgun_api3` against the
//! same site emulator, in the same run, sequentially and 64 calls at a time.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p tk-auth-http --bench http`). The Python
//! interpreter is `TK_AUTH_PYTHON`, else the workspace's `.venv`. `TK_AUTH_BENCH_SCALE`
//! multiplies the number of calls (default 1: a run of some tens of seconds).
//!
//! A third line, the site floor, is the same call written by hand on a raw socket: the
//! emulator's own time per call, which bounds what any client can reach.

#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on the terminal"
)]

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tk_auth_http::{Auth, ClientOptions, Env, SiteClient};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONCURRENCY: usize = 64;

/// What one side measured: the latency of every call, and the wall time of the whole run.
struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Run {
    #[expect(clippy::cast_precision_loss, reason = "call counts are far below 2^52")]
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rank within a vector of latencies: small and non-negative"
    )]
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((sorted.len() as f64) * p).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:<28} {:>10.0} {:>9.3} ms {:>9.3} ms   ({} calls)",
            self.per_second(),
            self.percentile(0.50).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            self.latencies.len()
        )
    }
}

fn scale() -> usize {
    tk_auth_http::Env::process()
        .var(tk_auth_http::env::TK_AUTH_BENCH_SCALE)
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(1)
}

async fn find_alice(client: &SiteClient, auth: &Auth) {
    let found = client
        .find_one(
            auth,
            "HumanUser",
            &json!([["login", "is", "alice"]]),
            &["id"],
        )
        .await
        .expect("find_one succeeds");
    assert!(found.is_some(), "alice is found");
}

async fn rust_sequential(client: &SiteClient, auth: &Auth, calls: usize) -> Run {
    let mut latencies = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        find_alice(client, auth).await;
        latencies.push(t.elapsed());
    }
    Run {
        latencies,
        wall: start.elapsed(),
    }
}

async fn rust_concurrent(client: &SiteClient, auth: &Auth, calls: usize) -> Run {
    let per_task = calls / CONCURRENCY;
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let client = client.clone();
            let auth = auth.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    find_alice(&client, &auth).await;
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    for task in tasks {
        latencies.extend(task.await.expect("a benchmark task finishes"));
    }
    Run {
        latencies,
        wall: start.elapsed(),
    }
}

/// The site's own share of a call: the same `read` written by hand on one kept-alive
/// connection, with nothing between the socket and the bytes. No client can beat it, so it
/// tells how much of each side's time is the client's.
async fn site_floor(site: &SiteEmulator, token: &str, calls: usize) -> Run {
    let body = json!({"method_name": "read", "params": [
        {"session_token": token, "reject_if_expired": true},
        {"type": "HumanUser", "return_fields": ["id"],
         "filters": {"logical_operator": "and",
                     "conditions": [{"path": "login", "relation": "is", "values": ["alice"]}]},
         "return_only": "active", "paging": {"entities_per_page": 1, "current_page": 1},
         "api_return_image_urls": true, "return_paging_info_without_counts": false}]})
    .to_string();
    let addr = site.local_addr();
    let request = format!(
        "POST /api3/json HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.expect("a connection");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut latencies = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        stream.write_all(request.as_bytes()).await.expect("a write");
        buffer.clear();
        let wanted = loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("a read");
            assert!(n > 0, "the site closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("a content-length");
                break end + 4 + length;
            }
        };
        while buffer.len() < wanted {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("a read");
            assert!(n > 0, "the site closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
        }
        assert!(buffer.starts_with(b"HTTP/1.1 200"), "the raw read succeeds");
        latencies.push(t.elapsed());
    }
    Run {
        latencies,
        wall: start.elapsed(),
    }
}

/// The same loops, run by `shotgun_api3`; each thread of the concurrent run has its own
/// connection object, as `shotgun_api3` requires.
const PYTHON_LOOP: &str = r#"
import json, sys, threading, time
import shotgun_api3

url, token, sequential, concurrent, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def connect():
    return shotgun_api3.Shotgun(url, session_token=token, connect=False)

def find(sg):
    assert sg.find_one("HumanUser", [["login", "is", "alice"]], ["id"])["id"] == 1

def loop(sg, n, out):
    for _ in range(n):
        t = time.perf_counter()
        find(sg)
        out.append(time.perf_counter() - t)

sg = connect()
for _ in range(20):
    find(sg)
seq = []
t0 = time.perf_counter()
loop(sg, sequential, seq)
seq_wall = time.perf_counter() - t0

per_thread = concurrent // workers
conns = [connect() for _ in range(workers)]
for c in conns:
    find(c)
outs = [[] for _ in range(workers)]
threads = [threading.Thread(target=loop, args=(conns[i], per_thread, outs[i])) for i in range(workers)]
t0 = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
conc_wall = time.perf_counter() - t0
json.dump({"sequential": seq, "sequential_wall": seq_wall,
           "concurrent": [x for o in outs for x in o], "concurrent_wall": conc_wall}, sys.stdout)
"#;

fn python_runs(url: &str, token: &str, sequential: usize, concurrent: usize) -> (Run, Run) {
    let python = tk_auth_test_support::python();
    let output = Command::new(&python)
        .arg("-c")
        .arg(PYTHON_LOOP)
        .args([
            url,
            token,
            &sequential.to_string(),
            &concurrent.to_string(),
            &CONCURRENCY.to_string(),
        ])
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "the Python loop failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value =
        serde_json::from_slice(&output.stdout).expect("the Python loop prints JSON");
    let run = |key: &str| Run {
        latencies: result[key]
            .as_array()
            .expect("latencies")
            .iter()
            .filter_map(Value::as_f64)
            .map(Duration::from_secs_f64)
            .collect(),
        wall: Duration::from_secs_f64(result[format!("{key}_wall")].as_f64().expect("wall time")),
    };
    (run("sequential"), run("concurrent"))
}

fn main() {
    let scale = scale();
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-bench").with_id(1))
        .start()
        .expect("the emulator starts");
    let token = site.create_session("alice").expect("a session");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let options = ClientOptions::new().environment(Env::empty());
    let client = SiteClient::new(site.url(), options.clone()).expect("a client");
    let auth = Auth::session_token(token.clone());

    // One thread for the sequential loop, as the Python loop has; the shared pool of
    // threads for the concurrent one.
    let rust_seq = {
        let single = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let client = SiteClient::new(site.url(), options.clone()).expect("a client");
        single.block_on(async {
            for _ in 0..50 {
                find_alice(&client, &auth).await;
            }
            rust_sequential(&client, &auth, 3000 * scale).await
        })
    };
    let floor = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(site_floor(&site, &token, 3000 * scale));
    let rust_conc = runtime.block_on(async {
        for _ in 0..50 {
            find_alice(&client, &auth).await;
        }
        rust_concurrent(&client, &auth, 64 * 120 * scale).await
    });
    let (py_seq, py_conc) = python_runs(site.url(), &token, 1500 * scale, 64 * 30 * scale);

    println!();
    println!(
        "http: authenticated find_one on loopback against the site emulator ({})",
        site.url()
    );
    println!(
        "{:<28} {:>10} {:>12} {:>12}",
        "", "requests/s", "p50", "p99"
    );
    println!("{}", rust_seq.line("tk-auth sequential"));
    println!("{}", py_seq.line("shotgun_api3 sequential"));
    println!("{}", rust_conc.line("tk-auth 64 concurrent"));
    println!("{}", py_conc.line("shotgun_api3 64 concurrent"));
    println!("{}", floor.line("site floor (raw socket)"));
    let sequential_ratio = rust_seq.per_second() / py_seq.per_second();
    println!(
        "ratio sequential: {sequential_ratio:.1}x (goal: at least 5x)   ratio 64 concurrent: {:.1}x",
        rust_conc.per_second() / py_conc.per_second()
    );
    // Time per call beyond what the site itself needs, at the median.
    let beyond = |run: &Run| {
        run.percentile(0.50)
            .saturating_sub(floor.percentile(0.50))
            .as_secs_f64()
    };
    println!(
        "client time per call beyond the site floor (p50): tk-auth {:.3} ms, shotgun_api3 {:.3} ms: {:.1}x",
        beyond(&rust_seq) * 1e3,
        beyond(&py_seq) * 1e3,
        beyond(&py_seq) / beyond(&rust_seq).max(1e-9)
    );
    println!(
        "note: one run on this machine, client and emulator sharing its cores; expect some \
         noise between runs"
    );
}
