//! Waiting for a lock: the pauses between attempts.
//!
//! Waiters poll rather than block in `flock`: the holder deletes the lock file before it
//! unlocks, so every process blocked on the old file would wake at each release only to find
//! it replaced, and with dozens of waiters that costs more than polling.

use std::time::{Duration, SystemTime};

/// Grows the pause between attempts from 1 ms to 50 ms, with jitter so that many waiting
/// processes do not wake in step.
pub(super) struct Backoff {
    current: u64,
    seed: u64,
}

impl Backoff {
    pub(super) fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()))
            .unwrap_or_default();
        Self {
            current: 1,
            seed: nanos ^ u64::from(std::process::id()).rotate_left(17),
        }
    }

    pub(super) fn next(&mut self) -> Duration {
        // xorshift: cheap, good enough for jitter.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let jitter = self.seed % (self.current + 1);
        let pause = Duration::from_micros((self.current + jitter) * 500);
        self.current = (self.current * 2).min(50);
        pause
    }
}
