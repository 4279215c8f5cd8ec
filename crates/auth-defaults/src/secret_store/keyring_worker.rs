//! The thread that talks to one keyring store, so that a call that never returns costs one
//! waiting thread, not one more thread per call.
//!
//! Callers hand the worker a job and wait for its answer at most a time limit. While a job
//! has been running for longer than that limit, new calls fail at once instead of queueing
//! behind it; when it finally returns, the worker serves calls again.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{DefaultsError, Result};

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    jobs: mpsc::Sender<Job>,
    // When the job being run started, if one is running.
    running_since: Arc<Mutex<Option<Instant>>>,
}

// One worker per keyring store kind, for the whole process.
static WORKERS: Mutex<Vec<(&'static str, Worker)>> = Mutex::new(Vec::new());

fn spawn(store: &'static str) -> Result<Worker> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let running_since = Arc::new(Mutex::new(None));
    let running = running_since.clone();
    std::thread::Builder::new()
        .name(format!("keyring {store}"))
        .spawn(move || {
            for job in queue {
                *running.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                job();
                *running.lock().unwrap_or_else(PoisonError::into_inner) = None;
            }
        })
        .map_err(|source| DefaultsError::KeyringThread { source })?;
    tracing::debug!(store, "started the keyring thread");
    Ok(Worker {
        jobs,
        running_since,
    })
}

/// Runs `f` on the worker of `store` and waits at most `limit` for its answer.
pub(super) fn call<T: Send + 'static>(
    store: &'static str,
    operation: &'static str,
    limit: Duration,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (answer, answered) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = answer.send(f());
    });
    {
        let mut workers = WORKERS.lock().unwrap_or_else(PoisonError::into_inner);
        let index = if let Some(i) = workers.iter().position(|(name, _)| *name == store) {
            i
        } else {
            workers.push((store, spawn(store)?));
            workers.len() - 1
        };
        let stuck = workers[index]
            .1
            .running_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|since| since.elapsed() >= limit);
        if stuck {
            return Err(DefaultsError::KeyringTimeout { operation, limit });
        }
        if let Err(mpsc::SendError(job)) = workers[index].1.jobs.send(job) {
            // The thread is gone (a store panicked): start another one.
            let worker = spawn(store)?;
            let _ = worker.jobs.send(job);
            workers[index].1 = worker;
        }
    }
    answered
        .recv_timeout(limit)
        .map_err(|_| DefaultsError::KeyringTimeout { operation, limit })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn threads_of(store: &str) -> usize {
        // The kernel keeps the first 15 bytes of a thread's name.
        let name: String = format!("keyring {store}").chars().take(15).collect();
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter(|t| {
                let comm = t.as_ref().unwrap().path().join("comm");
                std::fs::read_to_string(comm).is_ok_and(|c| c.trim_end() == name)
            })
            .count()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn calls_that_never_answer_leave_one_thread_and_later_calls_fail_at_once() {
        let limit = Duration::from_millis(50);
        for _ in 0..5 {
            let err = call("test-hanging", "read", limit, || {
                std::thread::sleep(Duration::from_secs(2));
                Ok(())
            })
            .unwrap_err();
            assert!(
                matches!(
                    err,
                    DefaultsError::KeyringTimeout {
                        operation: "read",
                        ..
                    }
                ),
                "{err}"
            );
        }
        let started = Instant::now();
        assert!(call("test-hanging", "write", limit, || Ok(())).is_err());
        assert!(started.elapsed() < limit, "no wait behind a hung call");
        assert_eq!(
            threads_of("test-hanging"),
            1,
            "one thread, not one per call"
        );
    }

    #[test]
    fn a_worker_answers_again_once_a_slow_call_returns() {
        let limit = Duration::from_millis(50);
        assert!(
            call("test-slow", "read", limit, || {
                std::thread::sleep(Duration::from_millis(150));
                Ok(())
            })
            .is_err()
        );
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(call("test-slow", "read", limit, || Ok(7)).unwrap(), 7);
    }
}
