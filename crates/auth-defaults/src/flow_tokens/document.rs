//! Reading the token file as Python's `file_store._load` reads it, and waiting out a Python
//! writer that is rewriting it in place.

use std::io::Read as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value};

use crate::cache_file::MAX_FILE_BYTES;

/// A file modified this recently that does not parse may be half-written by Python.
const SETTLING: Duration = Duration::from_secs(1);
/// How long such a file is read again before it counts as empty, and the pause between reads.
const SETTLE_LIMIT: Duration = Duration::from_millis(100);
const SETTLE_PAUSE: Duration = Duration::from_millis(20);

/// What the token file holds.
pub(super) enum Loaded {
    /// No file: nothing stored yet.
    Missing,
    /// A JSON object: the entries, in their order.
    Entries(Map<String, Value>),
    /// Anything else (empty, not UTF-8, not JSON, JSON that is not an object, too large);
    /// Python reads it as no entries.
    Unusable(String),
}

impl Loaded {
    /// The entries, as Python's `_load` returns them (`{}` for anything unusable).
    pub(super) fn into_entries(self) -> Map<String, Value> {
        match self {
            Self::Entries(map) => map,
            Self::Missing | Self::Unusable(_) => Map::new(),
        }
    }
}

/// Reads `path`, reading it again for up to [`SETTLE_LIMIT`] while it is empty or not JSON
/// and was modified within the last second: Python truncates the file and then writes it,
/// so a reader can meet it empty or cut short. Errors are I/O errors other than a missing
/// file.
pub(super) fn load_settled(path: &Path) -> std::io::Result<Loaded> {
    let start = Instant::now();
    loop {
        let (loaded, torn, modified) = load(path)?;
        // A modification time in the future (clock skew) counts as recent.
        let recent = modified.is_some_and(|t| {
            SystemTime::now()
                .duration_since(t)
                .map_or(true, |age| age < SETTLING)
        });
        if !(torn && recent) || start.elapsed() >= SETTLE_LIMIT {
            return Ok(loaded);
        }
        tracing::debug!(path = %path.display(), "the Flow token file is being rewritten; reading it again");
        std::thread::sleep(SETTLE_PAUSE);
    }
}

/// One read: what the file holds, whether it looks like a write in progress (empty or cut
/// short), and when it was modified.
fn load(path: &Path) -> std::io::Result<(Loaded, bool, Option<SystemTime>)> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Loaded::Missing, false, None));
        }
        Err(e) => return Err(e),
    };
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let why = format!("it is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024);
        return Ok((Loaded::Unusable(why), false, modified));
    }
    if bytes.is_empty() {
        return Ok((Loaded::Unusable("it is empty".to_owned()), true, modified));
    }
    let loaded = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => (Loaded::Entries(map), false, modified),
        Ok(_) => (
            Loaded::Unusable("it holds JSON that is not an object".to_owned()),
            false,
            modified,
        ),
        Err(e) => (
            Loaded::Unusable(format!("it is not JSON ({})", json_problem(&e))),
            true,
            modified,
        ),
    };
    Ok(loaded)
}

/// What kind of JSON error `e` is, without quoting the file (it holds tokens).
fn json_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "it ends too early",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "a read error",
    }
}

/// The token a service entry holds for `profile`: a string inside a JSON object. Python's
/// `data.get(service, {}).get(profile)` also returns other kinds of values, and raises when
/// the entry is not an object; neither is a token.
pub(super) fn token<'a>(
    entries: &'a Map<String, Value>,
    service: &str,
    profile: &str,
) -> Option<&'a str> {
    entries.get(service)?.as_object()?.get(profile)?.as_str()
}
