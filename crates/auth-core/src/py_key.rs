//! Dict keys compared with Python's `==`, hashable so that building a dict of `n` keys takes
//! `n` look-ups instead of `n²` comparisons.

use std::hash::{BuildHasher, Hash, Hasher};

use crate::py_value::PyValue;

/// A hashable [`PyValue`] whose equality is [`PyValue::py_eq`]: `1`, `1.0` and `True` are one
/// key, as in Python.
#[derive(Debug, Clone)]
pub(crate) struct PyKey(pub(crate) PyValue);

impl PartialEq for PyKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.py_eq(&other.0)
    }
}

impl Eq for PyKey {}

impl Hash for PyKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}

/// Feeds `value` to `state` so that values equal under `py_eq` (and under `==`) hash alike.
fn hash_value<H: Hasher>(value: &PyValue, state: &mut H) {
    if let Some(number) = value.as_number() {
        // Numbers compare as floats; -0.0 == 0.0.
        let number = if number == 0.0 { 0.0 } else { number };
        state.write_u8(0);
        state.write_u64(number.to_bits());
        return;
    }
    match value {
        PyValue::Str(s) => {
            state.write_u8(1);
            s.hash(state);
        }
        PyValue::Bytes(b) => {
            state.write_u8(2);
            b.hash(state);
        }
        PyValue::Tuple(items) => {
            state.write_u8(3);
            state.write_usize(items.len());
            for item in items {
                hash_value(item, state);
            }
        }
        PyValue::FrozenSet(items) => {
            // Order-independent: the sum of the items' own hashes.
            state.write_u8(4);
            let builder = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
            let sum = items.iter().fold(0u64, |acc, item| {
                let mut h = builder.build_hasher();
                hash_value(item, &mut h);
                acc.wrapping_add(h.finish())
            });
            state.write_u64(sum);
        }
        // The rest are `None` or unhashable in Python; the discriminant is enough.
        other => {
            state.write_u8(5);
            state.write(other.type_name().as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn equal_numbers_and_equal_tuples_are_one_key() {
        let mut map = HashMap::new();
        map.insert(PyKey(PyValue::Int(1)), "int");
        map.insert(PyKey(PyValue::Bool(true)), "bool");
        map.insert(PyKey(PyValue::Float(1.0)), "float");
        map.insert(PyKey(PyValue::Float(-0.0)), "zero");
        map.insert(PyKey(PyValue::Int(0)), "int zero");
        let tuple = |n| {
            PyKey(PyValue::Tuple(vec![
                PyValue::Int(n),
                PyValue::Str("a".into()),
            ]))
        };
        map.insert(tuple(2), "tuple");
        map.insert(
            PyKey(PyValue::Tuple(vec![
                PyValue::Float(2.0),
                PyValue::Str("a".into()),
            ])),
            "same tuple",
        );
        map.insert(PyKey(PyValue::Str("1".into())), "str");
        assert_eq!(map.len(), 4);
        assert_eq!(map[&PyKey(PyValue::Int(1))], "float");
        assert_eq!(map[&tuple(2)], "same tuple");
    }
}
