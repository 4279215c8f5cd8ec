//! The wait for a browser approval: a spinner with the elapsed time on stderr (see
//! [`spinner`](super::spinner)), and Ctrl-C or Esc on the terminal to give up.

use std::sync::atomic::AtomicBool;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

use super::spinner::{Spinner, StopOnDrop, TICK, stoppable, stopped};
use super::terminal::Decoration;

/// Starts the wait; the returned guard ends it when dropped. The closure runs the wait (on
/// a blocking thread) and says whether the person gave up.
pub(super) fn start(decoration: Decoration) -> (StopOnDrop, impl FnOnce() -> bool + Send) {
    stoppable(move |stop| wait_until_given_up(stop, decoration))
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
    let mut spinner = Spinner::show(
        decoration,
        "Waiting for the approval".to_owned(),
        Some("Ctrl-C to cancel"),
    );
    // Raw mode lets Ctrl-C arrive as a key instead of a signal that would end the program
    // without cleaning up; without it (no terminal to set), the wait is only a wait.
    let raw = terminal::enable_raw_mode().ok().map(|()| RawMode);
    let gave_up = loop {
        if stopped(stop) {
            break false;
        }
        spinner.tick();
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
    drop(spinner);
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
