//! A wait shown on stderr: a spinner with the elapsed seconds, redrawn in place on a
//! terminal, or one plain line where stderr is not a terminal; and the thread that draws
//! it until the waiting future is dropped.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::terminal::Decoration;

/// How often the spinner is redrawn (and, in a wait that reads keys, keys are checked).
pub(super) const TICK: Duration = Duration::from_millis(100);

/// The spinner's frames.
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// A wait's line on stderr, cleared when dropped.
pub(super) struct Spinner {
    decoration: Decoration,
    /// What is awaited ("Waiting for the approval").
    text: String,
    /// What the person can do meanwhile ("Ctrl-C to cancel"), if anything.
    hint: Option<&'static str>,
    started: Instant,
    frame: usize,
    /// The terminal's width in columns, when it says.
    columns: Option<usize>,
}

impl Spinner {
    /// Starts showing the wait. Where stderr is not a terminal this writes the one plain
    /// line the wait gets; on a terminal, [`tick`](Self::tick) draws it.
    pub(super) fn show(decoration: Decoration, text: String, hint: Option<&'static str>) -> Self {
        let columns = if decoration.animate {
            // Measured once: a resize during a wait is rare, and asking costs a system call
            // (or, where that fails, a process).
            crossterm::terminal::size()
                .ok()
                .map(|(columns, _)| usize::from(columns))
                .filter(|&columns| columns > 0)
        } else {
            write_stderr(&plain_line(&text, hint));
            None
        };
        Self {
            decoration,
            text,
            hint,
            started: Instant::now(),
            frame: 0,
            columns,
        }
    }

    /// Redraws the line with the next frame and the seconds waited so far (on a terminal;
    /// elsewhere nothing).
    pub(super) fn tick(&mut self) {
        if self.decoration.animate {
            write_stderr(&spinner_line(
                FRAMES[self.frame % FRAMES.len()],
                &self.text,
                self.started.elapsed().as_secs(),
                self.hint,
                self.columns,
            ));
            self.frame += 1;
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if self.decoration.animate {
            write_stderr("\r\x1b[K");
        }
    }
}

/// The line where stderr is not a terminal: no carriage return, no escape codes.
fn plain_line(text: &str, hint: Option<&str>) -> String {
    match hint {
        Some(hint) => format!("{text} ({hint})…\n"),
        None => format!("{text}…\n"),
    }
}

/// One frame of the line on a terminal: back to the line's start, the frame, the text, the
/// seconds, the hint, and the rest of the line erased. On a terminal `columns` wide the
/// text is cut to keep the line on one row (a wrapped line would not be redrawn in place),
/// with the last column left free.
fn spinner_line(
    frame: char,
    text: &str,
    seconds: u64,
    hint: Option<&str>,
    columns: Option<usize>,
) -> String {
    let hint = hint.map(|h| format!(" ({h})")).unwrap_or_default();
    let tail = format!("… {seconds}s{hint}");
    let text: String = match columns {
        // The frame and its space take two columns.
        Some(columns) => {
            let room = columns.saturating_sub(3 + tail.chars().count());
            text.chars().take(room).collect()
        }
        None => text.to_owned(),
    };
    format!("\r{frame} {text}{tail}\x1b[K")
}

/// Writes on stderr; a closed stderr is not worth failing a login for.
fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Ends a wait running on a blocking thread when dropped (the awaited thing arrived and the
/// caller dropped the future), and waits briefly for that thread to clean up (clear its
/// line, put the terminal back), so that what the program prints next starts on a clean
/// line.
pub(super) struct StopOnDrop {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.done.recv_timeout(TICK * 3);
    }
}

/// Prepares a wait: `run` is to run on a blocking thread (the returned closure) and return
/// once the flag it is given is set, which dropping the returned guard does.
pub(super) fn stoppable<T>(
    run: impl FnOnce(&AtomicBool) -> T + Send,
) -> (StopOnDrop, impl FnOnce() -> T + Send) {
    let stop = Arc::new(AtomicBool::new(false));
    let (done_sender, done) = mpsc::channel();
    let guard = StopOnDrop {
        stop: Arc::clone(&stop),
        done,
    };
    let wait = move || {
        let outcome = run(&stop);
        let _ = done_sender.send(());
        outcome
    };
    (guard, wait)
}

/// Whether `stop` is set.
pub(super) fn stopped(stop: &AtomicBool) -> bool {
    stop.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_line_has_neither_carriage_return_nor_escape_codes() {
        for hint in [None, Some("Ctrl-C to cancel")] {
            let line = plain_line("Waiting for the approval", hint);
            assert!(line.ends_with("…\n"), "{line:?}");
            assert!(!line.contains(['\r', '\x1b']), "{line:?}");
            assert_eq!(line.matches('\n').count(), 1, "{line:?}");
        }
        assert_eq!(
            plain_line("Waiting for the approval", Some("Ctrl-C to cancel")),
            "Waiting for the approval (Ctrl-C to cancel)…\n"
        );
    }

    #[test]
    fn a_spinner_frame_redraws_its_line_with_the_seconds_waited() {
        assert_eq!(
            spinner_line(
                '/',
                "Waiting for the approval",
                12,
                Some("Ctrl-C to cancel"),
                None
            ),
            "\r/ Waiting for the approval… 12s (Ctrl-C to cancel)\x1b[K"
        );
        assert_eq!(
            spinner_line('|', "Waiting", 0, None, Some(80)),
            "\r| Waiting… 0s\x1b[K"
        );
    }

    #[test]
    fn a_spinner_line_too_wide_for_the_terminal_is_cut_to_one_row() {
        let text = "Waiting for another program to renew alice's session on https://mysite.shotgunstudio.com";
        let line = spinner_line('-', text, 125, None, Some(40));
        let shown = line.trim_start_matches('\r').trim_end_matches("\x1b[K");
        assert_eq!(shown.chars().count(), 39, "{shown:?}");
        assert_eq!(shown, "- Waiting for another program to … 125s");
        // The seconds stay even on a terminal too narrow for any text.
        assert_eq!(spinner_line('-', text, 7, None, Some(4)), "\r- … 7s\x1b[K");
    }

    #[test]
    fn a_stoppable_wait_ends_when_its_guard_is_dropped() {
        let (guard, wait) = stoppable(|stop| {
            while !stopped(stop) {
                std::thread::sleep(Duration::from_millis(5));
            }
            "stopped"
        });
        let waiting = std::thread::spawn(wait);
        drop(guard);
        assert_eq!(waiting.join().unwrap(), "stopped");
    }
}
