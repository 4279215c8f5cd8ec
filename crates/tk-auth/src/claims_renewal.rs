//! Renewing the single sign-on claims of a session before they lapse (Python's
//! `start_claims_renewal` on `ShotgunSamlUser`).
//!
//! Each round renews the session as a renewing connection would, in the same single flight
//! (`renewal.rs`): a newer session another process saved, else the stored cookies replayed
//! to the identity provider without a person, else one prompt. Then it reads the new
//! deadline from the session's cookies — the claims expiration, or on a Unified Login Flow
//! site the web session's expiration. Only when it moved later is the next round
//! scheduled, at `threshold` of the remaining lifetime, or after
//! `SHOTGUN_SSO_RENEWAL_INTERVAL` seconds when that is set.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tk_auth_core::env::SHOTGUN_SSO_RENEWAL_INTERVAL;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::renewal::{self, Why};
use crate::user::WeakUser;
use crate::{Error, ShotgunUser};

/// The share of the claims' remaining lifetime after which they are renewed, unless told
/// otherwise (Python's default `preemtive_renewal_threshold`).
pub const DEFAULT_CLAIMS_RENEWAL_THRESHOLD: f64 = 0.9;

/// The claims renewal task of one user, if any.
#[derive(Default)]
pub(crate) struct ClaimsRenewal {
    task: Mutex<Option<JoinHandle<()>>>,
}

impl ClaimsRenewal {
    fn task(&self) -> std::sync::MutexGuard<'_, Option<JoinHandle<()>>> {
        self.task.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_active(&self) -> bool {
        self.task().as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Starts the rounds unless they run already; returns the first round's outcome.
    pub(crate) async fn start(&self, user: &ShotgunUser, threshold: f64) -> Result<(), Error> {
        let first = {
            // Checking and starting under one lock: a concurrent stop either comes before
            // (and there is nothing to stop) or after (and aborts this very task).
            let mut task = self.task();
            if task.as_ref().is_some_and(|t| !t.is_finished()) {
                tracing::debug!(site = %user.host(), "claims renewal is already active");
                return Ok(());
            }
            let (report, first) = oneshot::channel();
            *task = Some(tokio::spawn(rounds(user.downgrade(), threshold, report)));
            first
        };
        // A stop before the first round ended drops the sender: stopped, not failed.
        first.await.unwrap_or(Ok(()))
    }

    pub(crate) fn stop(&self) {
        if let Some(task) = self.task().take() {
            task.abort();
        } else {
            tracing::debug!("claims renewal was not active");
        }
    }
}

impl Drop for ClaimsRenewal {
    fn drop(&mut self) {
        if let Some(task) = self.task().take() {
            task.abort();
        }
    }
}

impl ShotgunUser {
    /// When the single sign-on claims of the session expire, in seconds since the epoch,
    /// from its cookies (Python's `get_claims_expiration`); `None` without such a cookie.
    pub fn claims_expiration(&self) -> Result<Option<i64>, Error> {
        let metadata = self.session_metadata();
        tk_auth_core::cookies::get_saml_claims_expiration(
            metadata.as_ref().map(tk_auth_core::Secret::expose),
        )
        .map_err(Error::from)
    }

    /// When the web session expires (Unified Login Flow sites), in seconds since the epoch,
    /// from its cookies (`shotgun_current_session_expiration`); `None` without such a
    /// cookie.
    pub fn session_expiration(&self) -> Option<i64> {
        let metadata = self.session_metadata();
        tk_auth_core::cookies::get_session_expiration(
            metadata.as_ref().map(tk_auth_core::Secret::expose),
        )
    }

    /// Renews the session now, then again before its single sign-on claims lapse, in the
    /// background, until [`stop_claims_renewal`](Self::stop_claims_renewal) (Python's
    /// `start_claims_renewal`).
    ///
    /// Each renewal is [`renew_session`](Self::renew_session)'s, shared with every other
    /// renewal of this session: a newer session another process saved, else the stored
    /// cookies replayed to the identity provider without a person (`docs/sso.md`), else one
    /// prompt. The renewed session is saved in the session cache, where other processes
    /// (Python ones included) find it. The next renewal comes after
    /// `preemptive_renewal_threshold` (0 to 1; Python's default is
    /// [`DEFAULT_CLAIMS_RENEWAL_THRESHOLD`](crate::DEFAULT_CLAIMS_RENEWAL_THRESHOLD)) of the
    /// time left until the new claims expiration (on a Unified Login Flow site, the web
    /// session's expiration), or after `SHOTGUN_SSO_RENEWAL_INTERVAL` seconds when that is
    /// set. When a renewal does not move that expiration later, a warning is logged and the
    /// renewals stop; a failed or cancelled renewal stops them too.
    ///
    /// Returns the outcome of the first renewal. Starting renewals that are active already
    /// does nothing; a script user has no claims, and nothing starts. Needs a tokio runtime
    /// (the renewals run on it); they end when the last clone of this user is dropped.
    pub async fn start_claims_renewal(
        &self,
        preemptive_renewal_threshold: f64,
    ) -> Result<(), Error> {
        if self.is_script_user() {
            tracing::debug!(site = %self.site(), "a script user has no claims to renew");
            return Ok(());
        }
        self.claims_renewal()
            .start(self, preemptive_renewal_threshold)
            .await
    }

    /// Stops the background claims renewal (Python's `stop_claims_renewal`); a renewal in
    /// progress is abandoned by this user (callers waiting for it still get its outcome).
    pub fn stop_claims_renewal(&self) {
        self.claims_renewal().stop();
    }

    /// Whether the background claims renewal is running (Python's
    /// `is_claims_renewal_active`).
    pub fn is_claims_renewal_active(&self) -> bool {
        self.claims_renewal().is_active()
    }
}

/// The rounds of renewal; the first round's outcome goes to `report`.
async fn rounds(user: WeakUser, threshold: f64, report: oneshot::Sender<Result<(), Error>>) {
    let mut report = Some(report);
    loop {
        // The task must not keep a user alive that nobody else holds.
        let Some(user) = user.upgrade() else {
            return;
        };
        let next = round(&user, threshold).await;
        let outcome = match next {
            Ok(Some(delay)) => {
                tracing::debug!(site = %user.host(), ?delay, "next claims renewal scheduled");
                Ok(Some(delay))
            }
            Ok(None) => {
                tracing::warn!(
                    site = %user.host(),
                    "the renewal brought no later claims expiration: no further claims renewal in the background"
                );
                Ok(None)
            }
            Err(e) => {
                if e.is_cancelled() {
                    tracing::debug!(site = %user.host(), "claims renewal was cancelled");
                } else {
                    tracing::warn!(site = %user.host(), error = %e, "claims renewal failed");
                }
                Err(e)
            }
        };
        drop(user);
        let delay = match (report.take(), outcome) {
            (Some(report), outcome) => {
                let delay = outcome.as_ref().ok().copied().flatten();
                // The caller may be gone; the rounds go on all the same.
                let _ = report.send(outcome.map(drop));
                delay
            }
            (None, outcome) => outcome.ok().flatten(),
        };
        let Some(delay) = delay else {
            return;
        };
        tokio::time::sleep(delay).await;
    }
}

/// One renewal; the delay to the next one, or `None` when the deadline did not move later.
async fn round(user: &ShotgunUser, threshold: f64) -> Result<Option<Duration>, Error> {
    let previous = renewal::deadline_of(user.session_metadata().as_ref());
    let previous_token = user.session_token();
    tracing::debug!(site = %user.host(), "renewing the claims");
    if renewal::renew_held(user, Why::ClaimsDue).await?.is_none() {
        return Ok(None);
    }
    let renewed = renewal::deadline_of(user.session_metadata().as_ref());
    // A new session renewed within the second its predecessor was made can end at the same
    // second: still a renewal, as long as that end is ahead.
    let new_session = user.session_token() != previous_token;
    let Some(expiration) = renewed
        .filter(|new| previous.is_none_or(|old| *new > old) || (new_session && *new > epoch_now()))
    else {
        return Ok(None);
    };
    let interval = user
        .context()
        .options
        .env
        .var(SHOTGUN_SSO_RENEWAL_INTERVAL)
        .map(|v| v.trim().parse::<u64>());
    Ok(Some(match interval {
        Some(Ok(seconds)) => Duration::from_secs(seconds),
        Some(Err(_)) => {
            tracing::warn!(
                "ignoring {SHOTGUN_SSO_RENEWAL_INTERVAL}: it is not a whole number of seconds"
            );
            share_of_lifetime(expiration, threshold)
        }
        None => share_of_lifetime(expiration, threshold),
    }))
}

/// Seconds since the epoch, now.
fn epoch_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `threshold` (clamped to 0..=1) of the time left until `expiration` (epoch seconds).
fn share_of_lifetime(expiration: i64, threshold: f64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    // Epoch seconds are far below 2^52: exact as f64.
    #[allow(clippy::cast_precision_loss)]
    let left = expiration as f64 - now;
    let seconds = (left * threshold.clamp(0.0, 1.0)).max(0.0);
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
    }

    #[test]
    fn the_delay_is_the_threshold_share_of_the_time_left() {
        let delay = share_of_lifetime(now() + 100, 0.9);
        assert!(delay > Duration::from_secs(88) && delay <= Duration::from_secs(90));
    }

    #[test]
    fn lapsed_claims_and_odd_thresholds_give_no_negative_delay() {
        assert_eq!(share_of_lifetime(now() - 100, 0.9), Duration::ZERO);
        assert_eq!(share_of_lifetime(now() + 100, -1.0), Duration::ZERO);
        assert_eq!(share_of_lifetime(now() + 100, f64::NAN), Duration::ZERO);
        assert!(share_of_lifetime(now() + 100, 7.0) <= Duration::from_secs(100));
    }
}
