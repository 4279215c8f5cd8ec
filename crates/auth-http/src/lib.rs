//! Crate root; filled in by its issue.
#![deny(missing_docs)]
