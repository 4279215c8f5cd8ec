//! What each pickle opcode does, grouped by concern: framing and the stack, scalars,
//! strings and bytes, containers, and the memo. Opcodes that would look up, build or call
//! an object are refused before anything else is done with them.

use super::literals::{
    long_from_le, parse_int_text, parse_py2_string_literal, py2_string, raw_unicode_escape_decode,
};
use super::machine::{Obj, Reader, Slot};
use super::{PickleError, err};
use crate::py_value::PyValue;
use crate::urlparse::{py_repr_str, py_strip};

/// The name of an opcode that would build or call an object, or `None` for a data opcode.
fn forbidden(op: u8) -> Option<&'static str> {
    Some(match op {
        b'c' => "GLOBAL",
        0x93 => "STACK_GLOBAL",
        b'R' => "REDUCE",
        b'b' => "BUILD",
        b'i' => "INST",
        b'o' => "OBJ",
        0x81 => "NEWOBJ",
        0x92 => "NEWOBJ_EX",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => return None,
    })
}

/// What an opcode handler did: went on, or reached `STOP` with the result's heap index.
enum Step {
    Continue,
    Stop(usize),
}

/// Each group's handler: `None` when the opcode is not one of its own.
type Handler = fn(&mut Reader<'_>, u8) -> Result<Option<Step>, PickleError>;

const HANDLERS: &[Handler] = &[framing, scalars, text, containers, memo];

impl Reader<'_> {
    /// Runs the program to its `STOP`; the heap index of the value it left.
    pub(super) fn run(&mut self) -> Result<usize, PickleError> {
        loop {
            let offset = self.offset();
            let op = self.byte()?;
            if let Some(name) = forbidden(op) {
                return err(format!(
                    "opcode {name} at offset {offset} would build or call an object; only plain data is accepted"
                ));
            }
            let mut step = None;
            for handler in HANDLERS {
                step = handler(self, op)?;
                if step.is_some() {
                    break;
                }
            }
            match step {
                Some(Step::Continue) => {}
                Some(Step::Stop(root)) => return Ok(root),
                None => {
                    return err(format!(
                        "invalid load key, {}.",
                        py_repr_str(&char::from(op).to_string())
                    ));
                }
            }
        }
    }
}

/// `STOP`, `PROTO`, `FRAME`, `MARK` and the stack opcodes.
fn framing(r: &mut Reader<'_>, op: u8) -> Result<Option<Step>, PickleError> {
    match op {
        b'.' => return Ok(Some(Step::Stop(r.pop()?))),
        0x80 => {
            let version = r.byte()?;
            if version > 5 {
                return err(format!("unsupported pickle protocol: {version}"));
            }
        }
        // FRAME only announces the size of what follows.
        0x95 => {
            r.take(8)?;
        }
        b'(' => r.push_slot(Slot::Mark)?,
        b'0' => {
            if r.stack.pop().is_none() {
                return err("unpickling stack underflow");
            }
        }
        b'1' => {
            r.pop_mark()?;
        }
        b'2' => {
            let top = r.top()?;
            r.push_slot(Slot::Obj(top))?;
        }
        _ => return Ok(None),
    }
    Ok(Some(Step::Continue))
}

/// `None`, booleans, integers and floats.
fn scalars(r: &mut Reader<'_>, op: u8) -> Result<Option<Step>, PickleError> {
    let value = match op {
        b'N' => PyValue::None,
        0x88 => PyValue::Bool(true),
        0x89 => PyValue::Bool(false),
        // Protocol 0 writes booleans as `I01` and `I00`.
        b'I' => match r.line()? {
            b"00" => PyValue::Bool(false),
            b"01" => PyValue::Bool(true),
            line => PyValue::Int(parse_int_text(line)?),
        },
        b'L' => {
            let line = r.line()?;
            PyValue::Int(parse_int_text(line.strip_suffix(b"L").unwrap_or(line))?)
        }
        b'J' => PyValue::Int(i128::from(i32::from_le_bytes(r.take_array()?))),
        b'K' => PyValue::Int(i128::from(r.byte()?)),
        b'M' => PyValue::Int(i128::from(u16::from_le_bytes(r.take_array()?))),
        0x8a => {
            let n = r.le_len(1)?;
            PyValue::Int(long_from_le(r.take(n)?)?)
        }
        0x8b => {
            let n = r.signed_len("LONG")?;
            PyValue::Int(long_from_le(r.take(n)?)?)
        }
        b'F' => {
            let line = r.line()?;
            let v = std::str::from_utf8(line)
                .ok()
                .and_then(|s| py_strip(s).parse::<f64>().ok())
                .ok_or_else(|| PickleError("could not convert string to float".into()))?;
            PyValue::Float(v)
        }
        b'G' => PyValue::Float(f64::from_be_bytes(r.take_array()?)),
        _ => return Ok(None),
    };
    r.push_value(value)?;
    Ok(Some(Step::Continue))
}

/// Python 2 strings, unicode strings, bytes and bytearrays.
fn text(r: &mut Reader<'_>, op: u8) -> Result<Option<Step>, PickleError> {
    let value = match op {
        b'S' => py2_string(parse_py2_string_literal(r.line()?)?)?,
        b'T' => {
            let n = r.signed_len("BINSTRING")?;
            py2_string(r.take(n)?.to_vec())?
        }
        b'U' => {
            let n = r.le_len(1)?;
            py2_string(r.take(n)?.to_vec())?
        }
        b'V' => PyValue::Str(raw_unicode_escape_decode(r.line()?)?),
        b'X' | 0x8c | 0x8d => {
            let width = match op {
                b'X' => 4,
                0x8c => 1,
                _ => 8,
            };
            let n = r.le_len(width)?;
            let s = std::str::from_utf8(r.take(n)?)
                .map_err(|_| PickleError("a unicode string is not valid UTF-8".into()))?;
            PyValue::Str(s.to_owned())
        }
        b'B' | b'C' | 0x8e => {
            let width = match op {
                b'B' => 4,
                b'C' => 1,
                _ => 8,
            };
            let n = r.le_len(width)?;
            PyValue::Bytes(r.take(n)?.to_vec())
        }
        0x96 => {
            let n = r.le_len(8)?;
            PyValue::ByteArray(r.take(n)?.to_vec())
        }
        _ => return Ok(None),
    };
    r.push_value(value)?;
    Ok(Some(Step::Continue))
}

/// Tuples, lists, dicts, sets and frozensets, and the opcodes that fill them.
fn containers(r: &mut Reader<'_>, op: u8) -> Result<Option<Step>, PickleError> {
    match op {
        b')' => r.push_tuple(Vec::new())?,
        b't' => {
            let items = r.pop_mark()?;
            r.push_tuple(items)?;
        }
        // TUPLE1, TUPLE2, TUPLE3.
        0x85..=0x87 => {
            let n = usize::from(op - 0x84);
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(r.pop()?);
            }
            items.reverse();
            r.push_tuple(items)?;
        }
        b']' => r.push(Obj::List(Vec::new()))?,
        b'l' => {
            let items = r.pop_mark()?;
            r.push(Obj::List(items))?;
        }
        b'a' => {
            let item = r.pop()?;
            let target = r.top()?;
            r.append(target, vec![item])?;
        }
        b'e' => {
            let items = r.pop_mark()?;
            let target = r.top()?;
            r.append(target, items)?;
        }
        b'}' => r.push(Obj::Dict(Box::default()))?,
        b'd' => {
            let items = r.pop_mark()?;
            r.push(Obj::Dict(Box::default()))?;
            let target = r.top()?;
            r.set_items(target, &items)?;
        }
        b's' => {
            let value = r.pop()?;
            let key = r.pop()?;
            let target = r.top()?;
            r.set_items(target, &[key, value])?;
        }
        b'u' => {
            let items = r.pop_mark()?;
            let target = r.top()?;
            r.set_items(target, &items)?;
        }
        0x8f => r.push(Obj::Set(Box::default()))?,
        0x90 => {
            let items = r.pop_mark()?;
            let target = r.top()?;
            r.add_items(target, items)?;
        }
        0x91 => {
            let items = r.pop_mark()?;
            r.push_frozenset(items)?;
        }
        _ => return Ok(None),
    }
    Ok(Some(Step::Continue))
}

/// `PUT`/`GET` in their text, one-byte and four-byte forms, and `MEMOIZE`.
fn memo(r: &mut Reader<'_>, op: u8) -> Result<Option<Step>, PickleError> {
    let index = match op {
        b'p' | b'g' => {
            let line = r.line()?;
            std::str::from_utf8(line)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    let name = if op == b'p' { "PUT" } else { "GET" };
                    PickleError(format!("invalid {name} index in pickle"))
                })?
        }
        b'q' | b'h' => u64::from(r.byte()?),
        b'r' | b'j' => r.le_len(4)? as u64,
        0x94 => r.memo_len(),
        _ => return Ok(None),
    };
    if matches!(op, b'g' | b'h' | b'j') {
        r.memo_get(index)?;
    } else {
        r.memo_put(index)?;
    }
    Ok(Some(Step::Continue))
}
