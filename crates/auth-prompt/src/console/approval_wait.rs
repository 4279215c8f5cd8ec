//! The wait for a browser approval: a spinner with the elapsed time on stderr, and Ctrl-C
//! or Esc on the terminal to give up.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use super::terminal::Decoration;

/// How often keys are checked and the spinner redrawn.
const TICK: Duration = Duration::from_millis(100);

/// The spinner's frames.
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// Ends the wait when dropped (the approval arrived and the caller dropped the future), and
/// waits briefly for the waiting thread to put the terminal back, so that what the program
/// prints next is not written in raw mode.
pub(crate) struct StopOnDrop {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.done.recv_timeout(TICK * 3);
    }
}

/// Starts the wait; the returned guard ends it when dropped.
pub(crate) fn start(decoration: Decoration) -> (StopOnDrop, impl FnOnce() -> bool + Send) {
    let stop = Arc::new(AtomicBool::new(false));
    let (done_sender, done) = mpsc::channel();
    let guard = StopOnDrop {
        stop: Arc::clone(&stop),
        done,
    };
    let wait = move || {
        let gave_up = wait_until_given_up(&stop, decoration);
        let _ = done_sender.send(());
        gave_up
    };
    (guard, wait)
}

/// Puts the terminal back in line mode when the wait ends, however it ends.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Runs until the person gives up (returns `true`) or `stop` is set (returns `false`).
fn wait_until_given_up(stop: &AtomicBool, decoration: Decoration) -> bool {
    // Raw mode lets Ctrl-C arrive as a key instead of a signal that would end the program
    // without cleaning up; without it (no terminal to set), the wait is only a wait.
    let raw = terminal::enable_raw_mode().ok().map(|()| RawMode);
    let started = Instant::now();
    let mut frame = 0;
    let mut err = std::io::stderr();
    if !decoration.animate {
        let _ = write!(err, "Waiting for the approval (Ctrl-C to cancel)…\r\n");
    }
    let gave_up = loop {
        if stop.load(Ordering::SeqCst) {
            break false;
        }
        if decoration.animate {
            let _ = write!(
                err,
                "\r{} Waiting for the approval… {}s (Ctrl-C to cancel)\x1b[K",
                FRAMES[frame % FRAMES.len()],
                started.elapsed().as_secs()
            );
            let _ = err.flush();
            frame += 1;
        }
        if raw.is_some() {
            match event::poll(TICK) {
                Ok(true) => {
                    if let Ok(Event::Key(key)) = event::read()
                        && key.kind == KeyEventKind::Press
                        && is_give_up(key.code, key.modifiers)
                    {
                        break true;
                    }
                }
                Ok(false) => {}
                // The terminal went away: nobody can give up any more, but the site may
                // still approve.
                Err(_) => std::thread::sleep(TICK),
            }
        } else {
            std::thread::sleep(TICK);
        }
    };
    if decoration.animate {
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
    drop(raw);
    gave_up
}

/// Ctrl-C, Ctrl-D and Esc give up.
fn is_give_up(code: KeyCode, modifiers: KeyModifiers) -> bool {
    match code {
        KeyCode::Esc => true,
        KeyCode::Char('c' | 'd') => modifiers.contains(KeyModifiers::CONTROL),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_c_ctrl_d_and_esc_give_up_and_other_keys_do_not() {
        assert!(is_give_up(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(is_give_up(KeyCode::Char('d'), KeyModifiers::CONTROL));
        assert!(is_give_up(KeyCode::Esc, KeyModifiers::NONE));
        assert!(!is_give_up(KeyCode::Char('c'), KeyModifiers::NONE));
        assert!(!is_give_up(KeyCode::Enter, KeyModifiers::NONE));
    }

    #[test]
    fn the_wait_ends_when_its_guard_is_dropped() {
        let decoration = Decoration::decide(false, true);
        let (guard, wait) = start(decoration);
        let waiting = std::thread::spawn(wait);
        drop(guard);
        assert!(!waiting.join().unwrap());
    }
}
