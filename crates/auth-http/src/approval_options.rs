//! How a browser approval runs: product name, polling, limits and retries.

use std::path::PathBuf;
use std::time::Duration;

/// How a browser approval runs. Defaults are the Python Toolkit's: poll every 2 s, give up
/// after 180 s, try each request up to 4 times.
///
/// ```
/// use std::time::Duration;
/// use tk_auth_http::ApprovalOptions;
///
/// let options = ApprovalOptions::default()
///     .with_product("rv")
///     .with_time_limit(Duration::from_secs(60));
/// assert_eq!(options.poll_interval, Duration::from_secs(2));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApprovalOptions {
    /// The product name shown to the person; resolved by [`product_name`](crate::product_name) when `None`.
    pub product: Option<String>,
    /// The wait between two polls.
    pub poll_interval: Duration,
    /// The overall limit from the first poll's wait to the approval.
    pub time_limit: Duration,
    /// Attempts for each request, retried on 5xx and when the connection fails.
    pub max_attempts: u32,
    /// Before attempt n ≥ 2 the wait is (n − 1) × this × a random factor in [1, 3).
    pub backoff: Duration,
    /// The executable whose name may give the product name (the running one when `None`).
    pub executable: Option<PathBuf>,
}

impl Default for ApprovalOptions {
    fn default() -> Self {
        Self {
            product: None,
            poll_interval: Duration::from_secs(2),
            time_limit: Duration::from_mins(3),
            max_attempts: 4,
            backoff: Duration::from_millis(750),
            executable: None,
        }
    }
}

impl ApprovalOptions {
    /// The same options with this product name.
    #[must_use]
    pub fn with_product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into());
        self
    }

    /// The same options with this wait between polls.
    #[must_use]
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The same options with this overall limit.
    #[must_use]
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// The same options with this many attempts per request.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The same options with this base wait between attempts.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// The same options with this executable giving the product name.
    #[must_use]
    pub fn with_executable(mut self, executable: impl Into<PathBuf>) -> Self {
        self.executable = Some(executable.into());
        self
    }
}
