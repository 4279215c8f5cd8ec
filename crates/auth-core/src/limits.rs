//! How much work and memory reading one payload may take.
//!
//! Payloads arrive from other processes (environment variables of farm jobs), so a hostile
//! or broken one must not take down whatever decodes it. Real payloads are a few hundred
//! bytes and a dozen values; these limits are far above that and keep the peak memory of
//! decoding any input under 64 MiB (checked by `tests/peak_memory.rs`).

use std::cell::Cell;

/// The largest payload read at all, in bytes.
pub(crate) const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// The most values a payload may turn into. Memo references let a few bytes name the same
/// object many times over (`[l, l]`, nested), which Python shares but a finished value
/// copies; every copy counts.
pub(crate) const MAX_VALUES: usize = 1 << 16;

/// The most bytes of text and binary data a payload may turn into, copies included.
pub(crate) const MAX_VALUE_BYTES: usize = 2 << 20;

/// The most objects, stack entries or memo entries a pickle may hold while it is read.
pub(crate) const MAX_PICKLE_ITEMS: usize = 1 << 17;

/// What is left of the value and byte limits while one payload is read.
pub(crate) struct Budget {
    values: Cell<usize>,
    bytes: Cell<usize>,
}

/// Which limit a payload went past; the text says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Values,
    Bytes,
}

impl Exceeded {
    pub(crate) fn message(self) -> String {
        match self {
            Self::Values => format!(
                "the data holds more than {MAX_VALUES} values once its shared references are copied"
            ),
            Self::Bytes => format!(
                "the data holds more than {MAX_VALUE_BYTES} bytes of text once its shared references are copied"
            ),
        }
    }
}

impl Budget {
    pub(crate) fn new() -> Self {
        Self {
            values: Cell::new(MAX_VALUES),
            bytes: Cell::new(MAX_VALUE_BYTES),
        }
    }

    /// Counts one value holding `bytes` bytes of text or data.
    pub(crate) fn charge(&self, bytes: usize) -> Result<(), Exceeded> {
        let values = self.values.get().checked_sub(1).ok_or(Exceeded::Values)?;
        let left = self.bytes.get().checked_sub(bytes).ok_or(Exceeded::Bytes)?;
        self.values.set(values);
        self.bytes.set(left);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_runs_out_of_values_or_bytes() {
        let budget = Budget::new();
        assert_eq!(budget.charge(MAX_VALUE_BYTES + 1), Err(Exceeded::Bytes));
        assert_eq!(budget.charge(MAX_VALUE_BYTES), Ok(()));
        assert_eq!(budget.charge(1), Err(Exceeded::Bytes));
        let budget = Budget::new();
        for _ in 0..MAX_VALUES {
            budget.charge(0).unwrap();
        }
        assert_eq!(budget.charge(0), Err(Exceeded::Values));
    }
}
