//! Who holds a lock: the record written into lock files, and whether its process lives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// A value unique to one lock taken by this process, so that a holder can tell its own lock
/// file from one that replaced it.
pub(super) fn new_nonce() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{:x}-{:x}-{:x}",
        std::process::id(),
        nanos,
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

pub(super) fn holder_record(method: &str, nonce: &str) -> String {
    format!(
        "{method} pid={} host={} nonce={nonce}\n",
        std::process::id(),
        hostname()
    )
}

pub(super) fn parse_holder(record: &str) -> Option<(u32, String)> {
    let mut pid = None;
    let mut host = None;
    for word in record.split_whitespace() {
        if let Some(p) = word.strip_prefix("pid=") {
            pid = p.parse().ok();
        } else if let Some(h) = word.strip_prefix("host=") {
            host = Some(h.to_owned());
        }
    }
    Some((pid?, host?))
}

/// The holder that the lock file at `lock_path` names, as `process <pid> on <host>`.
pub(super) fn describe_holder(lock_path: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(lock_path)
        .ok()
        .and_then(|r| parse_holder(&r))
        .map(|(pid, host)| format!("process {pid} on {host}"))
}

/// The holder for a message: as [`describe_holder`], else "an unknown process".
pub(super) fn holder_of(lock_path: &std::path::Path) -> String {
    describe_holder(lock_path).unwrap_or_else(|| "an unknown process".to_owned())
}

#[cfg(unix)]
pub(super) fn process_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match rustix::process::Pid::from_raw(raw) {
        Some(pid) => match rustix::process::test_kill_process(pid) {
            Ok(()) => true,
            Err(e) => e != rustix::io::Errno::SRCH,
        },
        None => false,
    }
}

#[cfg(windows)]
pub(super) fn process_alive(pid: u32) -> bool {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let pid = Pid::from_u32(pid);
    // Uncertain counts as alive: the lock then waits for its age limit, never taken early.
    let Ok(mut system) = System::new() else {
        return true;
    };
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing(),
    );
    system.process(pid).is_some()
}

#[cfg(not(any(unix, windows)))]
pub(super) fn process_alive(_pid: u32) -> bool {
    // Without a cheap check, rely on the age limit alone.
    true
}

pub(super) fn hostname() -> String {
    tk_auth_core::env::hostname()
}
