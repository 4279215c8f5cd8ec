//! Types, errors and serialization of Flow Production Tracking Toolkit users — no I/O, no
//! network. (Crate documentation is completed with the user model.)

#![deny(missing_docs)]

mod secret;

pub use secret::{REDACTED, Secret};
