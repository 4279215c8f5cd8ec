//! The unpickler's state: the input cursor, the stack with its marks, the memo, and a heap
//! of objects that containers refer to by index, so that memo references share them the
//! way Python does.

use std::cell::Cell;
use std::collections::HashMap;

use super::{PickleError, err};
use crate::py_value::PyValue;

/// Containers nest at most this deep (Python's own limit is about as deep).
const MAX_DEPTH: usize = 200;

const NESTS_TOO_DEEPLY: &str = "the data nests too deeply or refers to itself";

/// The most values a pickle may turn into. Memo references let a few bytes name the same
/// list many times over (`[l, l]`, nested), which Python shares but a finished value copies;
/// this stops such a payload from growing without bound.
const MAX_VALUES: usize = 1 << 20;

/// An object on the unpickler's heap.
pub(super) enum Obj {
    Value(PyValue),
    List(Vec<usize>),
    Tuple(Vec<usize>),
    Dict(Vec<DictEntry>),
    Set(Vec<usize>),
    FrozenSet(Vec<usize>),
}

/// A dict entry; the key's finished value is kept to compare keys with Python's `==`
/// (keys are immutable, so it cannot go stale).
pub(super) struct DictEntry {
    key: usize,
    key_value: PyValue,
    value: usize,
}

#[derive(Clone, Copy)]
pub(super) enum Slot {
    Mark,
    Obj(usize),
}

pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    pub(super) heap: Vec<Obj>,
    pub(super) stack: Vec<Slot>,
    memo: HashMap<u64, usize>,
    /// How many more values [`Reader::to_value`] may produce.
    budget: Cell<usize>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            heap: Vec::new(),
            stack: Vec::new(),
            memo: HashMap::new(),
            budget: Cell::new(MAX_VALUES),
        }
    }

    /// Where the next opcode starts.
    pub(super) fn offset(&self) -> usize {
        self.pos
    }

    fn truncated() -> PickleError {
        PickleError("pickle data was truncated".to_owned())
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let end = self.pos.checked_add(n).ok_or_else(Self::truncated)?;
        let bytes = self.data.get(self.pos..end).ok_or_else(Self::truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    pub(super) fn take_array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(super) fn byte(&mut self) -> Result<u8, PickleError> {
        Ok(self.take_array::<1>()?[0])
    }

    /// An unsigned little-endian number of `width` bytes (a length or a memo index).
    pub(super) fn le_len(&mut self, width: usize) -> Result<usize, PickleError> {
        let bytes = self.take(width)?;
        let value = bytes
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        usize::try_from(value).map_err(|_| Self::truncated())
    }

    /// A 4-byte signed length, which must not be negative.
    pub(super) fn signed_len(&mut self, opcode: &str) -> Result<usize, PickleError> {
        let n = i32::from_le_bytes(self.take_array()?);
        usize::try_from(n)
            .map_err(|_| PickleError(format!("{opcode} pickle has negative byte count")))
    }

    /// A line without its `\n`.
    pub(super) fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let Some(len) = rest.iter().position(|b| *b == b'\n') else {
            return Err(Self::truncated());
        };
        self.pos += len + 1;
        Ok(&rest[..len])
    }

    pub(super) fn push(&mut self, obj: Obj) {
        self.heap.push(obj);
        self.stack.push(Slot::Obj(self.heap.len() - 1));
    }

    pub(super) fn push_value(&mut self, value: PyValue) {
        self.push(Obj::Value(value));
    }

    pub(super) fn pop(&mut self) -> Result<usize, PickleError> {
        match self.stack.pop() {
            Some(Slot::Obj(i)) => Ok(i),
            Some(Slot::Mark) => err("unexpected MARK found"),
            None => err("unpickling stack underflow"),
        }
    }

    pub(super) fn top(&self) -> Result<usize, PickleError> {
        match self.stack.last() {
            Some(Slot::Obj(i)) => Ok(*i),
            Some(Slot::Mark) => err("unexpected MARK found"),
            None => err("unpickling stack underflow"),
        }
    }

    /// The objects above the topmost mark, which is removed.
    pub(super) fn pop_mark(&mut self) -> Result<Vec<usize>, PickleError> {
        let Some(mark) = self.stack.iter().rposition(|s| matches!(s, Slot::Mark)) else {
            return err("could not find MARK");
        };
        let items = self
            .stack
            .drain(mark..)
            .skip(1)
            .filter_map(|s| match s {
                Slot::Obj(i) => Some(i),
                Slot::Mark => None,
            })
            .collect();
        Ok(items)
    }

    pub(super) fn memo_put(&mut self, index: u64) -> Result<(), PickleError> {
        let top = match self.stack.last() {
            Some(Slot::Obj(i)) => *i,
            _ => return err("memo key must be put after an object"),
        };
        self.memo.insert(index, top);
        Ok(())
    }

    /// The memo index that `MEMOIZE` uses: the memo's size.
    pub(super) fn memo_len(&self) -> u64 {
        self.memo.len() as u64
    }

    pub(super) fn memo_get(&mut self, index: u64) -> Result<(), PickleError> {
        match self.memo.get(&index) {
            Some(i) => {
                self.stack.push(Slot::Obj(*i));
                Ok(())
            }
            None => err(format!("Memo value not found at index {index}")),
        }
    }

    /// Stores `key: value` pairs into the dict at `target`, a later key replacing an equal one.
    pub(super) fn set_items(&mut self, target: usize, items: &[usize]) -> Result<(), PickleError> {
        if !items.len().is_multiple_of(2) {
            return err("odd number of items for SETITEMS");
        }
        for pair in items.chunks(2) {
            let (key, value) = (pair[0], pair[1]);
            self.check_hashable(key, 0)?;
            let key_value = self.to_value(key)?;
            let Obj::Dict(entries) = &mut self.heap[target] else {
                return err("SETITEM target is not a dict");
            };
            match entries.iter_mut().find(|e| e.key_value.py_eq(&key_value)) {
                Some(entry) => entry.value = value,
                None => entries.push(DictEntry {
                    key,
                    key_value,
                    value,
                }),
            }
        }
        Ok(())
    }

    /// Adds items to the set at `target`.
    pub(super) fn add_items(
        &mut self,
        target: usize,
        items: Vec<usize>,
    ) -> Result<(), PickleError> {
        self.check_all_hashable(&items)?;
        let Obj::Set(set) = &mut self.heap[target] else {
            return err("ADDITEMS target is not a set");
        };
        set.extend(items);
        Ok(())
    }

    /// Appends items to the list at `target`.
    pub(super) fn append(&mut self, target: usize, items: Vec<usize>) -> Result<(), PickleError> {
        let Obj::List(list) = &mut self.heap[target] else {
            return err("APPEND target is not a list");
        };
        list.extend(items);
        Ok(())
    }

    pub(super) fn check_all_hashable(&self, items: &[usize]) -> Result<(), PickleError> {
        items.iter().try_for_each(|i| self.check_hashable(*i, 0))
    }

    fn check_hashable(&self, index: usize, depth: usize) -> Result<(), PickleError> {
        match &self.heap[index] {
            Obj::Value(PyValue::ByteArray(_)) => err("unhashable type: 'bytearray'"),
            Obj::List(_) => err("unhashable type: 'list'"),
            Obj::Dict(_) => err("unhashable type: 'dict'"),
            Obj::Set(_) => err("unhashable type: 'set'"),
            // Tuples nested deeper than a finished value may be are refused later anyway;
            // stopping here keeps the recursion bounded.
            Obj::Tuple(_) if depth > MAX_DEPTH => err(NESTS_TOO_DEEPLY),
            Obj::Tuple(items) => items
                .iter()
                .try_for_each(|i| self.check_hashable(*i, depth + 1)),
            _ => Ok(()),
        }
    }

    /// The finished value of a heap object. A container that contains itself, or data that
    /// repeated references blow up past [`MAX_VALUES`], is refused.
    pub(super) fn to_value(&self, index: usize) -> Result<PyValue, PickleError> {
        self.value_at(index, 0)
    }

    fn value_at(&self, index: usize, depth: usize) -> Result<PyValue, PickleError> {
        if depth > MAX_DEPTH {
            return err(NESTS_TOO_DEEPLY);
        }
        let Some(budget) = self.budget.get().checked_sub(1) else {
            return err(format!(
                "the data holds more than {MAX_VALUES} values once its shared references are copied"
            ));
        };
        self.budget.set(budget);
        let all = |items: &[usize]| -> Result<Vec<PyValue>, PickleError> {
            items.iter().map(|i| self.value_at(*i, depth + 1)).collect()
        };
        Ok(match &self.heap[index] {
            Obj::Value(v) => v.clone(),
            Obj::List(items) => PyValue::List(all(items)?),
            Obj::Tuple(items) => PyValue::Tuple(all(items)?),
            Obj::Set(items) => PyValue::Set(all(items)?),
            Obj::FrozenSet(items) => PyValue::FrozenSet(all(items)?),
            Obj::Dict(entries) => PyValue::Dict(
                entries
                    .iter()
                    .map(|e| {
                        Ok((
                            self.value_at(e.key, depth + 1)?,
                            self.value_at(e.value, depth + 1)?,
                        ))
                    })
                    .collect::<Result<_, PickleError>>()?,
            ),
        })
    }
}
