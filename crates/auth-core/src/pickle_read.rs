//! A pickle reader for plain data only (protocols 0–5).
//!
//! Python's `pickle.loads` can import and call anything a payload names; a user payload
//! only ever needs dicts of strings. This reader builds strings, numbers, bytes, lists,
//! tuples, dicts and sets, follows memo references, and rejects every opcode that would
//! look up, build or call an object (`GLOBAL`, `STACK_GLOBAL`, `REDUCE`, `BUILD`, `INST`,
//! `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, `EXT*`, `PERSID`, out-of-band buffers) — before doing
//! anything with it. It never panics, whatever the input.
//!
//! - [`machine`]: the unpickler's stack, memo and object heap;
//! - [`opcodes`]: what each opcode does to them, and which opcodes are refused;
//! - [`literals`]: the text forms inside opcodes (Python 2 strings, integers).

use crate::py_value::PyValue;

mod literals;
mod machine;
mod opcodes;

/// Why a pickle could not be read: the text says what was wrong and where, in Python's
/// words where Python has them (`Memo value not found at index 101`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PickleError(pub(crate) String);

fn err<T>(message: impl Into<String>) -> Result<T, PickleError> {
    Err(PickleError(message.into()))
}

/// Reads one pickled value. Bytes after the `STOP` opcode are ignored, as in Python.
pub(crate) fn loads(data: &[u8]) -> Result<PyValue, PickleError> {
    let mut reader = machine::Reader::new(data);
    let root = reader.run()?;
    reader.to_value(root)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod key_tests;
