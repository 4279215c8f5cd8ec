//! The unpickler's state: the input cursor, the stack with its marks, the memo, and a heap
//! of objects that containers refer to by index, so that memo references share them the
//! way Python does.

use std::collections::{HashMap, HashSet};

use super::{PickleError, err};
use crate::limits::{Budget, MAX_PICKLE_ITEMS};
use crate::py_key::{KeyForm, PyKey};
use crate::py_value::PyValue;

/// Containers nest at most this deep (Python's own limit is about as deep).
const MAX_DEPTH: usize = 200;

const NESTS_TOO_DEEPLY: &str = "the data nests too deeply or refers to itself";

/// An object on the unpickler's heap.
pub(super) enum Obj {
    Value(PyValue),
    List(Vec<usize>),
    /// A tuple, with the reason it cannot be hashed (`None` if it can), decided once when it
    /// is built: its items never change, and looking through shared items again at every
    /// use would take time exponential in the pickle's length.
    Tuple(Vec<usize>, Option<&'static str>),
    /// Boxed: a dict's index is large, and most objects are not dicts.
    Dict(Box<Dict>),
    Set(Box<Members>),
    /// Its items without repeats, decided when it is built.
    FrozenSet(Vec<usize>),
}

/// A set under construction: heap indices of its items in insertion order, and each item's
/// key, hashed, to find an equal item in one look-up.
#[derive(Default)]
pub(super) struct Members {
    items: Vec<usize>,
    keys: HashSet<PyKey>,
}

/// A dict under construction: heap indices of its keys and values in insertion order, and
/// each key's form, hashed, to find an equal key in one look-up (keys are immutable, so it
/// cannot go stale).
#[derive(Default)]
pub(super) struct Dict {
    entries: Vec<(usize, usize)>,
    positions: HashMap<PyKey, usize>,
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
    /// What [`Reader::to_value`] may still produce, copies of dict keys included.
    budget: Budget,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            heap: Vec::new(),
            stack: Vec::new(),
            memo: HashMap::new(),
            budget: Budget::new(),
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

    fn too_many() -> PickleError {
        PickleError(format!(
            "the pickle holds more than {MAX_PICKLE_ITEMS} objects, stack entries or memo entries"
        ))
    }

    /// Puts `slot` on the stack.
    pub(super) fn push_slot(&mut self, slot: Slot) -> Result<(), PickleError> {
        if self.stack.len() >= MAX_PICKLE_ITEMS {
            return Err(Self::too_many());
        }
        self.stack.push(slot);
        Ok(())
    }

    /// Puts a new object on the heap and on the stack.
    pub(super) fn push(&mut self, obj: Obj) -> Result<(), PickleError> {
        if self.heap.len() >= MAX_PICKLE_ITEMS {
            return Err(Self::too_many());
        }
        self.heap.push(obj);
        self.push_slot(Slot::Obj(self.heap.len() - 1))
    }

    pub(super) fn push_value(&mut self, value: PyValue) -> Result<(), PickleError> {
        self.push(Obj::Value(value))
    }

    /// Puts a new tuple of `items` on the heap and on the stack.
    pub(super) fn push_tuple(&mut self, items: Vec<usize>) -> Result<(), PickleError> {
        let unhashable = items.iter().find_map(|i| self.unhashable(*i));
        self.push(Obj::Tuple(items, unhashable))
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
        if self.memo.len() >= MAX_PICKLE_ITEMS && !self.memo.contains_key(&index) {
            return Err(Self::too_many());
        }
        self.memo.insert(index, top);
        Ok(())
    }

    /// The memo index that `MEMOIZE` uses: the memo's size.
    pub(super) fn memo_len(&self) -> u64 {
        self.memo.len() as u64
    }

    pub(super) fn memo_get(&mut self, index: u64) -> Result<(), PickleError> {
        match self.memo.get(&index) {
            Some(i) => self.push_slot(Slot::Obj(*i)),
            None => err(format!("Memo value not found at index {index}")),
        }
    }

    /// Stores `key: value` pairs into the dict at `target`, a later key replacing an equal one.
    pub(super) fn set_items(&mut self, target: usize, items: &[usize]) -> Result<(), PickleError> {
        if !items.len().is_multiple_of(2) {
            return err("odd number of items for SETITEMS");
        }
        if !matches!(self.heap[target], Obj::Dict(_)) {
            return err("SETITEM target is not a dict");
        }
        for pair in items.chunks(2) {
            let (key, value) = (pair[0], pair[1]);
            if let Some(kind) = self.unhashable(key) {
                return err(format!("unhashable type: '{kind}'"));
            }
            let key_value = PyKey(self.key_form(key)?);
            let Obj::Dict(dict) = &mut self.heap[target] else {
                return err("SETITEM target is not a dict");
            };
            if let Some(&position) = dict.positions.get(&key_value) {
                dict.entries[position].1 = value;
            } else {
                dict.positions.insert(key_value, dict.entries.len());
                dict.entries.push((key, value));
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
        for item in items {
            let key = PyKey(self.key_form(item)?);
            let Obj::Set(set) = &mut self.heap[target] else {
                return err("ADDITEMS target is not a set");
            };
            // An equal item already there stays, as `set.add` keeps it.
            if set.keys.insert(key) {
                set.items.push(item);
            }
        }
        Ok(())
    }

    /// Puts a new frozenset of `items`, without repeats, on the heap and on the stack.
    pub(super) fn push_frozenset(&mut self, items: Vec<usize>) -> Result<(), PickleError> {
        self.check_all_hashable(&items)?;
        let mut keys = HashSet::with_capacity(items.len());
        let mut unique = Vec::with_capacity(items.len());
        for item in items {
            if keys.insert(PyKey(self.key_form(item)?)) {
                unique.push(item);
            }
        }
        self.push(Obj::FrozenSet(unique))
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
        match items.iter().find_map(|i| self.unhashable(*i)) {
            Some(kind) => err(format!("unhashable type: '{kind}'")),
            None => Ok(()),
        }
    }

    /// The type that makes the object at `index` unhashable, as Python's `hash()` would name
    /// it; `None` if it is hashable. Constant time: tuples carry their answer.
    fn unhashable(&self, index: usize) -> Option<&'static str> {
        match &self.heap[index] {
            Obj::Value(PyValue::ByteArray(_)) => Some("bytearray"),
            Obj::List(_) => Some("list"),
            Obj::Dict(_) => Some("dict"),
            Obj::Set(_) => Some("set"),
            Obj::Tuple(_, unhashable) => *unhashable,
            Obj::Value(_) | Obj::FrozenSet(_) => None,
        }
    }

    /// The finished value of a heap object. A container that contains itself, or data that
    /// repeated references blow up past the [limits](crate::limits), is refused.
    pub(super) fn to_value(&self, index: usize) -> Result<PyValue, PickleError> {
        self.value_at(index, 0)
    }

    /// Counts a copy of the object at `index`, `depth` containers down, against the budget.
    fn charge(&self, index: usize, depth: usize) -> Result<&Obj, PickleError> {
        if depth > MAX_DEPTH {
            return err(NESTS_TOO_DEEPLY);
        }
        let obj = &self.heap[index];
        let bytes = match obj {
            Obj::Value(PyValue::Str(s)) => s.len(),
            Obj::Value(PyValue::Bytes(b) | PyValue::ByteArray(b)) => b.len(),
            _ => 0,
        };
        self.budget
            .charge(bytes)
            .map_err(|exceeded| PickleError(exceeded.message()))?;
        Ok(obj)
    }

    /// The key form of a hashable object: what Python's `hash()` and `==` see of it. A NaN
    /// is named by its heap index, so that the same object is the same key and two NaNs
    /// read apart are two keys, as in Python (Decision 15). Charged like a copy.
    fn key_form(&self, index: usize) -> Result<KeyForm, PickleError> {
        self.key_form_at(index, 0)
    }

    fn key_form_at(&self, index: usize, depth: usize) -> Result<KeyForm, PickleError> {
        let all = |items: &[usize]| -> Result<Vec<KeyForm>, PickleError> {
            items
                .iter()
                .map(|i| self.key_form_at(*i, depth + 1))
                .collect()
        };
        Ok(match self.charge(index, depth)? {
            Obj::Value(PyValue::None) => KeyForm::None,
            Obj::Value(PyValue::Bool(b)) => KeyForm::Int(i128::from(*b)),
            Obj::Value(PyValue::Int(i)) => KeyForm::Int(*i),
            Obj::Value(PyValue::Float(f)) => KeyForm::float(*f, index),
            Obj::Value(PyValue::Str(s)) => KeyForm::Str(s.clone()),
            Obj::Value(PyValue::Bytes(b)) => KeyForm::Bytes(b.clone()),
            Obj::Tuple(items, None) => KeyForm::Tuple(all(items)?),
            Obj::FrozenSet(items) => KeyForm::frozenset(all(items)?),
            _ => {
                let kind = self.unhashable(index).unwrap_or("object");
                return err(format!("unhashable type: '{kind}'"));
            }
        })
    }

    fn value_at(&self, index: usize, depth: usize) -> Result<PyValue, PickleError> {
        let obj = self.charge(index, depth)?;
        let all = |items: &[usize]| -> Result<Vec<PyValue>, PickleError> {
            items.iter().map(|i| self.value_at(*i, depth + 1)).collect()
        };
        Ok(match obj {
            Obj::Value(v) => v.clone(),
            Obj::List(items) => PyValue::List(all(items)?),
            Obj::Tuple(items, _) => PyValue::Tuple(all(items)?),
            Obj::Set(set) => PyValue::Set(all(&set.items)?),
            Obj::FrozenSet(items) => PyValue::FrozenSet(all(items)?),
            Obj::Dict(dict) => PyValue::Dict(
                dict.entries
                    .iter()
                    .map(|&(key, value)| {
                        Ok((
                            self.value_at(key, depth + 1)?,
                            self.value_at(value, depth + 1)?,
                        ))
                    })
                    .collect::<Result<_, PickleError>>()?,
            ),
        })
    }
}
