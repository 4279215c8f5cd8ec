//! Keeping a held lock file fresh, so that waiters on other hosts never judge a slow holder's
//! lock abandoned.

use std::fs::File;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Touches a lock file every `interval` until dropped.
#[derive(Debug)]
pub(super) struct Refresher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Refresher {
    pub(super) fn start(file: &File, interval: Duration) -> Self {
        let Ok(file) = file.try_clone() else {
            return Self {
                stop: None,
                thread: None,
            };
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("tk-auth-lock".to_owned())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    touch(&file);
                }
            })
            .ok();
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sets the file's times to "now" as the file server sees it.
pub(super) fn touch(file: &File) {
    #[cfg(unix)]
    {
        // UTIME_NOW lets the server use its own clock (NFS: "set to server time").
        let now = rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        };
        let times = rustix::fs::Timestamps {
            last_access: now,
            last_modification: now,
        };
        if let Err(e) = rustix::fs::futimens(file, &times) {
            tracing::debug!(error = %e, "could not refresh a lock file");
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}
