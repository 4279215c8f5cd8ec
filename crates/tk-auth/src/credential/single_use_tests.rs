//! The core carries a kind it was not written for: an access token with a single-use
//! refresh token, saved in a file of its own, refreshed at an authority over loopback that
//! refuses a refresh token spent twice. Many processes with many tasks each need a fresh
//! access token at once: one refresh in all.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tk_auth_defaults::{DefaultsError, RenewalLock, SessionCache};
use tk_auth_prompt::{NonInteractivePrompter, Prompter};
use tk_auth_test_support::child;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};

use super::{FlightKey, Renewable, Subject};
use crate::context::Context;
use crate::{AuthOptions, Error};

const PROCESSES: usize = 8;
const TASKS: usize = 200;
const LOCK_NAME: &str = "test-refresh/farm-profile";

/// An access token and the refresh token that replaces it, once.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pair {
    access: String,
    refresh: String,
}

impl Pair {
    fn read(file: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(file).ok()?;
        let (access, refresh) = text.trim().split_once(' ')?;
        Some(Self {
            access: access.to_owned(),
            refresh: refresh.to_owned(),
        })
    }

    /// Replaces `file` whole: a reader sees the old pair or the new one.
    fn write(&self, file: &Path) -> std::io::Result<()> {
        let temp = file.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&temp, format!("{} {}\n", self.access, self.refresh))?;
        std::fs::rename(&temp, file)
    }
}

/// What the authority saw.
#[derive(Default, Debug)]
struct Ledger {
    refreshes: usize,
    spent_twice: usize,
    unknown: usize,
    valid: Option<String>,
}

/// Issues pairs over loopback: `REFRESH <token>` gets `OK <access> <refresh>` once per
/// refresh token, `SPENT` on its second use.
fn start_authority(first: &Pair) -> (SocketAddr, Arc<Mutex<Ledger>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let ledger = Arc::new(Mutex::new(Ledger {
        valid: Some(first.refresh.clone()),
        ..Ledger::default()
    }));
    let book = Arc::clone(&ledger);
    std::thread::spawn(move || {
        let mut spent = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let token = line
                .trim()
                .strip_prefix("REFRESH ")
                .unwrap_or("")
                .to_owned();
            let mut ledger = book.lock().unwrap();
            let answer = if ledger.valid.as_deref() == Some(token.as_str()) {
                ledger.refreshes += 1;
                spent.push(token);
                let n = ledger.refreshes;
                ledger.valid = Some(format!("refresh-{n}"));
                format!("OK access-{n} refresh-{n}\n")
            } else if spent.contains(&token) {
                ledger.spent_twice += 1;
                "SPENT\n".to_owned()
            } else {
                ledger.unknown += 1;
                "UNKNOWN\n".to_owned()
            };
            drop(ledger);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (address, ledger)
}

/// The test-only kind: the pair in memory, saved in `file`, locked in `cache`.
#[derive(Clone)]
struct RefreshKind {
    ctx: Arc<Context>,
    file: PathBuf,
    authority: SocketAddr,
    held: Arc<Mutex<Pair>>,
}

impl RefreshKind {
    fn held_now(&self) -> Pair {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Renewable for RefreshKind {
    type Token = Pair;
    type Lock = RenewalLock;

    fn flight_key(&self) -> FlightKey {
        FlightKey::new(
            "test-refresh",
            &self.ctx,
            self.file.clone(),
            ["farm-profile".to_owned()],
        )
    }

    fn subject(&self) -> Subject {
        Subject {
            site: format!("http://{}", self.authority).into(),
            login: "farm-profile".to_owned(),
            what: "access token",
        }
    }

    fn prompter(&self) -> Arc<dyn Prompter> {
        Arc::clone(&self.ctx.prompter)
    }

    fn renewal_wait(&self) -> Duration {
        self.ctx.options.renewal_wait
    }

    fn held(&self, stale: &Pair) -> Option<Pair> {
        Some(self.held_now()).filter(|held| held.access != stale.access)
    }

    fn try_lock(&self) -> Result<Option<RenewalLock>, DefaultsError> {
        self.ctx.cache.try_lock_renewal(LOCK_NAME)
    }

    fn lock(&self, wait: Duration) -> Result<RenewalLock, DefaultsError> {
        self.ctx.cache.lock_renewal(LOCK_NAME, wait)
    }

    fn lock_holder(&self) -> Option<String> {
        self.ctx.cache.renewal_holder(LOCK_NAME).ok().flatten()
    }

    fn saved(&self, stale: &Pair) -> Option<Pair> {
        Pair::read(&self.file).filter(|saved| saved.access != stale.access)
    }

    async fn obtain(&self, stale: &Pair) -> Result<Pair, Error> {
        let failed =
            |what: String| Error::runtime("test refresh").caused_by(std::io::Error::other(what));
        let stream = tokio::net::TcpStream::connect(self.authority)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let (read, mut write) = stream.into_split();
        write
            .write_all(format!("REFRESH {}\n", stale.refresh).as_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut answer = String::new();
        tokio::io::BufReader::new(read)
            .read_line(&mut answer)
            .await
            .map_err(|e| failed(e.to_string()))?;
        match answer.split_whitespace().collect::<Vec<_>>()[..] {
            ["OK", access, refresh] => Ok(Pair {
                access: access.to_owned(),
                refresh: refresh.to_owned(),
            }),
            _ => Err(failed(format!("the authority answered {answer:?}"))),
        }
    }

    fn save(&self, token: &Pair) {
        token.write(&self.file).unwrap();
    }

    fn adopt(&self, token: &Pair) {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = token.clone();
    }
}

/// `TASKS` tasks of this process, each with its own handle on the pair that starts stale,
/// renewing at once; the access tokens they got.
fn renew_from_many_tasks(dir: &Path, authority: SocketAddr, stale: &Pair) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ctx = Context::new(
        SessionCache::at(dir.join("cache")),
        Arc::new(NonInteractivePrompter),
        AuthOptions::new(),
    );
    runtime.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let kind = RefreshKind {
                    ctx: Arc::clone(&ctx),
                    file: dir.join("tokens"),
                    authority,
                    held: Arc::new(Mutex::new(stale.clone())),
                };
                let stale = stale.clone();
                tokio::spawn(async move {
                    let renewed = super::renew(&kind, &stale).await.unwrap();
                    renewed.saved.wait().await;
                    assert_eq!(kind.held_now(), renewed.token, "the holder adopted it");
                    renewed.token.access
                })
            })
            .collect();
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap());
        }
        got
    })
}

#[test]
fn processes_and_tasks_needing_a_single_use_refresh_at_once_refresh_once() {
    let dir = tempfile::tempdir().unwrap();
    let stale = Pair {
        access: "access-0".to_owned(),
        refresh: "refresh-0".to_owned(),
    };
    stale.write(&dir.path().join("tokens")).unwrap();
    let (authority, ledger) = start_authority(&stale);
    let go = dir.path().join("go");
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            child::command("credential::single_use_tests::child_renews_from_many_tasks")
                .env("TEST_DIR", dir.path())
                .env("TEST_AUTHORITY", authority.to_string())
                .env("TEST_GO", &go)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Every process is up and waiting before any of them starts: they all need it at once.
    std::fs::write(&go, "").unwrap();
    let mut tokens = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("tokens: "))
            .unwrap_or_else(|| panic!("no tokens line in {stdout}"));
        tokens.extend(line.split(',').map(str::to_owned));
    }
    let ledger = ledger.lock().unwrap();
    assert_eq!(ledger.refreshes, 1, "{ledger:?}");
    assert_eq!(ledger.spent_twice, 0, "{ledger:?}");
    assert_eq!(ledger.unknown, 0, "{ledger:?}");
    assert_eq!(tokens.len(), PROCESSES * TASKS);
    assert!(tokens.iter().all(|t| t == "access-1"), "{tokens:?}");
    assert_eq!(
        Pair::read(&dir.path().join("tokens")),
        Some(Pair {
            access: "access-1".to_owned(),
            refresh: "refresh-1".to_owned(),
        })
    );
}

#[test]
#[ignore = "run by processes_and_tasks_needing_a_single_use_refresh_at_once_refresh_once"]
fn child_renews_from_many_tasks() {
    child::enter("credential::single_use_tests::child_renews_from_many_tasks");
    let dir = PathBuf::from(child::var("TEST_DIR"));
    let authority: SocketAddr = child::var("TEST_AUTHORITY").parse().unwrap();
    let go = PathBuf::from(child::var("TEST_GO"));
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(2));
    }
    let stale = Pair {
        access: "access-0".to_owned(),
        refresh: "refresh-0".to_owned(),
    };
    let got = renew_from_many_tasks(&dir, authority, &stale);
    let mut out = std::io::stdout().lock();
    // On a line of its own: the test harness's own line is still open.
    writeln!(out, "\ntokens: {}", got.join(",")).unwrap();
}
