//! The wait while another program renews the same session: a spinner with the elapsed
//! time on stderr (see [`spinner`](super::spinner)) until the renewal lock is free.
//!
//! Nothing to cancel here and no raw mode: Ctrl-C stays the terminal's signal and ends the
//! program, which holds no lock and has written nothing yet, so nothing is left behind.

use std::sync::atomic::AtomicBool;

use super::spinner::{Spinner, StopOnDrop, TICK, stoppable, stopped};
use super::terminal::Decoration;
use crate::RenewalWaitNotice;

/// Starts the wait; the returned guard ends it when dropped. The closure shows the wait
/// (on a blocking thread) until then.
pub(super) fn start(
    decoration: Decoration,
    notice: &RenewalWaitNotice,
) -> (StopOnDrop, impl FnOnce() + Send + use<>) {
    let text = waiting_text(notice);
    stoppable(move |stop| show_until_stopped(stop, decoration, text))
}

fn show_until_stopped(stop: &AtomicBool, decoration: Decoration, text: String) {
    let mut spinner = Spinner::show(decoration, text, None);
    while !stopped(stop) {
        spinner.tick();
        std::thread::sleep(TICK);
    }
}

/// "Waiting for another program (process 1234 on host) to renew alice's session on …".
fn waiting_text(notice: &RenewalWaitNotice) -> String {
    let who = match &notice.holder {
        Some(holder) => format!("another program ({holder})"),
        None => "another program".to_owned(),
    };
    let text = format!(
        "Waiting for {who} to renew {}'s session on {}",
        notice.login, notice.site
    );
    crate::terminal_safe(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(holder: Option<&str>) -> RenewalWaitNotice {
        RenewalWaitNotice {
            site: "https://mysite.shotgunstudio.com".into(),
            login: "alice".into(),
            holder: holder.map(str::to_owned),
        }
    }

    #[test]
    fn the_wait_names_the_login_the_site_and_the_holder_when_known() {
        assert_eq!(
            waiting_text(&notice(Some("process 1234 on farm-12"))),
            "Waiting for another program (process 1234 on farm-12) to renew alice's session \
             on https://mysite.shotgunstudio.com"
        );
        assert_eq!(
            waiting_text(&notice(None)),
            "Waiting for another program to renew alice's session on \
             https://mysite.shotgunstudio.com"
        );
    }

    #[test]
    fn the_wait_ends_when_its_guard_is_dropped() {
        let (guard, wait) = start(Decoration::decide(false, true), &notice(None));
        let waiting = std::thread::spawn(wait);
        drop(guard);
        waiting.join().unwrap();
    }
}
