//! When a session's single sign-on claims and web session expire, as `tk-auth status` and
//! `tk-auth renew` show them: from the session's stored cookies, read as the Python Toolkit
//! reads them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tk_auth::blocking::ShotgunUser;

/// The expirations a session's cookies name (seconds since the epoch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SessionLife {
    pub(crate) claims_expiration: Option<i64>,
    pub(crate) session_expiration: Option<i64>,
}

impl SessionLife {
    /// What `user`'s cookies say; nothing for a user without cookies or a jar that cannot
    /// be read.
    pub(crate) fn of(user: &ShotgunUser) -> Self {
        Self {
            claims_expiration: user.claims_expiration().ok().flatten(),
            session_expiration: user.session_expiration(),
        }
    }

    /// The JSON fields: `claims_expiration`, `session_expiration` (epoch seconds or null)
    /// and `claims` (`valid` / `lapsed`, null when no expiration is known).
    pub(crate) fn json_fields(&self) -> [(&'static str, Value); 3] {
        let claims = self
            .claims_expiration
            .map(|at| if at > now() { "valid" } else { "lapsed" });
        [
            ("claims_expiration", json!(self.claims_expiration)),
            ("session_expiration", json!(self.session_expiration)),
            ("claims", json!(claims)),
        ]
    }

    /// The text lines, `(label, value)`, for the expirations that are known.
    pub(crate) fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        if let Some(at) = self.claims_expiration {
            lines.push(("claims expire:", describe(at)));
        }
        if let Some(at) = self.session_expiration {
            lines.push(("web session:", describe(at)));
        }
        lines
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `Sat, 05 Dec 2026 18:00:00 GMT (in 3 h 12 min)`, or `… (lapsed 4 min ago)`.
fn describe(at: i64) -> String {
    let left = at.saturating_sub(now());
    let when = u64::try_from(at)
        .ok()
        .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
        .map_or_else(|| at.to_string(), httpdate::fmt_http_date);
    if left > 0 {
        format!("{when} (in {})", span(left.unsigned_abs()))
    } else {
        format!("{when} (lapsed {} ago)", span(left.unsigned_abs()))
    }
}

/// `3 h 12 min`, `12 min`, `40 s`.
fn span(seconds: u64) -> String {
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_a_person_would_say_them() {
        assert_eq!(span(40), "40 s");
        assert_eq!(span(12 * 60 + 5), "12 min");
        assert_eq!(span(3 * 3600 + 12 * 60), "3 h 12 min");
    }

    #[test]
    fn a_past_expiration_is_lapsed_and_a_future_one_is_ahead() {
        assert!(describe(now() + 3600).contains("(in 1 h 0 min)"));
        assert!(describe(now() - 300).ends_with("(lapsed 5 min ago)"));
        assert!(describe(0).starts_with("Thu, 01 Jan 1970 00:00:00 GMT"));
    }
}
