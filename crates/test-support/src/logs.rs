//! Capturing what `tracing` logs, so that tests can search it (for secrets above all).

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// A writer that keeps everything a `tracing` formatter writes; clones share the buffer.
///
/// ```
/// use tk_auth_test_support::LogCapture;
///
/// let logs = LogCapture::new();
/// tracing::subscriber::with_default(logs.subscriber(), || tracing::warn!(login = "jdoe", "hello"));
/// assert!(logs.text().contains("hello"), "{}", logs.text());
/// ```
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// A subscriber that logs every level, without colours, into this capture.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish()
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogCapture {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs `f` with every log message of this thread captured, and returns what was logged.
pub fn logs_of(f: impl FnOnce()) -> String {
    let logs = LogCapture::new();
    tracing::subscriber::with_default(logs.subscriber(), f);
    logs.text()
}

/// Like [`logs_of`], for a closure whose result the test also needs: returns both.
pub fn logs_with<T>(f: impl FnOnce() -> T) -> (T, String) {
    let logs = LogCapture::new();
    let out = tracing::subscriber::with_default(logs.subscriber(), f);
    (out, logs.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_is_captured_without_colour_codes() {
        let text = logs_of(|| {
            tracing::trace!("quiet detail");
            tracing::error!(path = "/tmp/x", "loud failure");
        });
        assert!(text.contains("quiet detail"), "{text}");
        assert!(text.contains("loud failure"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
}
