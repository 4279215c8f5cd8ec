//! Dict keys and set items in the form Python's `==` and `hash()` see them, so that building
//! a dict or set of `n` keys takes `n` look-ups instead of `n²` comparisons, whatever the
//! keys are.
//!
//! Equality here is a true equivalence (every key equals itself), which Python's `==` on
//! floats is not: Python finds a NaN key again only by identity, so a NaN is kept with the
//! identity of the object it was read as (Decision 15).

use std::hash::{Hash, Hasher};

/// A hashable key whose equality is Python's for dict keys: `1`, `1.0` and `True` are one
/// key; integers are compared exactly, beyond 2^53 too; a NaN equals only itself (the same
/// object); frozensets are equal whatever the order they were written in.
#[derive(Debug, Clone)]
pub(crate) struct PyKey(pub(crate) KeyForm);

impl PartialEq for PyKey {
    fn eq(&self, other: &Self) -> bool {
        #[cfg(test)]
        crate::py_value::KEY_COMPARISONS.with(|n| n.set(n.get() + 1));
        self.0 == other.0
    }
}

impl Eq for PyKey {}

impl Hash for PyKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// What decides whether two hashable values are the same key. Derived equality, order and
/// hash agree with each other, so a hash map or a sort finds equal keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum KeyForm {
    None,
    /// A `bool`, an `int`, or a `float` with an integral value that an `i128` holds.
    Int(i128),
    /// Any other float but a NaN, by its bits (`-0.0` is `Int(0)`, so bits compare as `==`).
    Float(u64),
    /// A NaN: equal only to the same object, named by where the reader keeps it.
    Nan(usize),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<KeyForm>),
    /// The items sorted and without repeats: equal sets have one form.
    FrozenSet(Vec<KeyForm>),
}

impl KeyForm {
    /// The form of a float; `object` names the NaN object, if it is one.
    pub(crate) fn float(f: f64, object: usize) -> Self {
        if f.is_nan() {
            return Self::Nan(object);
        }
        match exact_int(f) {
            Some(i) => Self::Int(i),
            None => Self::Float(f.to_bits()),
        }
    }

    /// The form of a frozenset of items of these forms.
    pub(crate) fn frozenset(mut items: Vec<KeyForm>) -> Self {
        items.sort_unstable();
        items.dedup();
        Self::FrozenSet(items)
    }
}

/// The integer a float is equal to under Python's `==`, if an `i128` holds it.
pub(crate) fn exact_int(f: f64) -> Option<i128> {
    // 2^127: the first float past `i128::MAX`; `-2^127` is `i128::MIN` itself.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    #[expect(
        clippy::cast_possible_truncation,
        reason = "used only when the value is integral and within i128, where the cast is exact"
    )]
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i128)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn int(i: i128) -> PyKey {
        PyKey(KeyForm::Int(i))
    }

    fn float(f: f64, object: usize) -> PyKey {
        PyKey(KeyForm::float(f, object))
    }

    #[test]
    fn equal_numbers_and_equal_tuples_are_one_key() {
        let mut map = HashMap::new();
        map.insert(int(1), "int");
        map.insert(float(1.0, 0), "float");
        map.insert(float(-0.0, 1), "zero");
        map.insert(int(0), "int zero");
        let tuple = |n| PyKey(KeyForm::Tuple(vec![n, KeyForm::Str("a".into())]));
        map.insert(tuple(KeyForm::Int(2)), "tuple");
        map.insert(tuple(KeyForm::float(2.0, 2)), "same tuple");
        map.insert(PyKey(KeyForm::Str("1".into())), "str");
        assert_eq!(map.len(), 4);
        assert_eq!(map[&int(1)], "float");
        assert_eq!(map[&tuple(KeyForm::Int(2))], "same tuple");
    }

    #[test]
    fn integers_past_two_to_the_53_stay_apart_and_meet_only_their_own_float() {
        let big = 1i128 << 53;
        assert_ne!(int(big), int(big + 1));
        assert_eq!(int(big), float(9_007_199_254_740_992.0, 0));
        assert_ne!(int(big + 1), float(9_007_199_254_740_992.0, 0));
        assert_eq!(int(i128::MIN), float(-(2f64.powi(127)), 0));
        assert_ne!(float(2f64.powi(127), 0), int(i128::MAX));
        assert_ne!(float(0.5, 0), int(0));
    }

    #[test]
    fn a_nan_is_the_same_key_only_as_the_same_object() {
        assert_eq!(float(f64::NAN, 7), float(f64::NAN, 7));
        assert_ne!(float(f64::NAN, 7), float(f64::NAN, 8));
    }

    #[test]
    fn frozensets_are_equal_whatever_their_order() {
        let a = KeyForm::frozenset(vec![KeyForm::Int(2), KeyForm::Str("x".into())]);
        let b = KeyForm::frozenset(vec![
            KeyForm::Str("x".into()),
            KeyForm::float(2.0, 0),
            KeyForm::Int(2),
        ]);
        assert_eq!(PyKey(a), PyKey(b));
    }
}
