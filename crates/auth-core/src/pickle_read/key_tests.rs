//! Unit tests of dict keys and set items that defeat a hash of the value: NaNs, tuples of
//! NaNs, one frozenset in many orders, integers past 2^53 (Decision 15). The work is
//! bounded by counting key comparisons, never by the clock.

use super::*;
use crate::py_value::KEY_COMPARISONS;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile-pickles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// What reading `data` gave, and how many key comparisons it took.
fn loads_counting(data: &[u8]) -> (Result<PyValue, PickleError>, usize) {
    let before = KEY_COMPARISONS.with(std::cell::Cell::get);
    let result = loads(data);
    (result, KEY_COMPARISONS.with(std::cell::Cell::get) - before)
}

/// The entries of the `extra` dict of a hostile fixture's `data`.
fn extra(value: &PyValue) -> &[(PyValue, PyValue)] {
    match value.get("data").and_then(|data| data.get("extra")) {
        Some(PyValue::Dict(entries)) => entries,
        other => panic!("an `extra` dict, not {other:?}"),
    }
}

/// `count` keys, each `key` then `None` and `SETITEM`, in a protocol-0 dict.
fn dict_of(key: &[u8], count: usize) -> Vec<u8> {
    let mut data = b"(dp0\n".to_vec();
    for _ in 0..count {
        data.extend(key);
        data.extend(b"Ns");
    }
    data
}

#[test]
fn sixty_thousand_nan_keys_are_compared_with_few_others_each() {
    // Each NaN hashed by its value alike and equal to none: n²/2 = 1.8 billion comparisons.
    let data = fixture("nan_keys.pickle0");
    let (result, comparisons) = loads_counting(&data);
    assert!(comparisons <= 60_001 * 2, "{comparisons} comparisons");
    // 60,001 keys, each copied at its insertion and again into the value: past the budget.
    let e = result.unwrap_err();
    assert!(e.0.contains("values once its shared references"), "{}", e.0);
}

#[test]
fn nan_keys_are_distinct_unless_they_are_one_object() {
    // dict.fromkeys(float("nan") for _ in range(1000)), then one NaN set twice through
    // the memo: Python's dict finds the same object again.
    let mut data = dict_of(b"Fnan\n", 1000);
    data.extend(b"Fnan\np1\nI0\nsg1\nI1\ns.");
    let (value, comparisons) = loads_counting(&data);
    let PyValue::Dict(entries) = value.unwrap() else {
        panic!("a dict")
    };
    assert_eq!(entries.len(), 1001);
    assert!(comparisons <= 1001 * 2, "{comparisons} comparisons");
    assert_eq!(entries[1000].1, PyValue::Int(1));
    // Binary NaNs of any bits, and a memo reference (`h`) to one: the same rule.
    let mut data = b"\x80\x02}(".to_vec();
    for bits in [
        0x7ff8_0000_0000_0000u64,
        0xfff8_0000_0000_0001,
        0x7ff0_0000_0000_0001,
    ] {
        data.push(b'G');
        data.extend(bits.to_be_bytes());
        data.extend(b"N");
    }
    data.extend(b"uG\x7f\xf8\x00\x00\x00\x00\x00\x00q\x05K\x01sh\x05K\x02s.");
    let Ok(PyValue::Dict(entries)) = loads(&data) else {
        panic!("a dict")
    };
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[3].1, PyValue::Int(2));
}

#[test]
fn tuples_of_nans_are_compared_with_few_others_each() {
    let data = fixture("nan_tuple_keys.pickle0");
    let (result, comparisons) = loads_counting(&data);
    assert!(comparisons <= 60_000 * 2, "{comparisons} comparisons");
    assert!(result.is_err());
    // Tuples of distinct NaNs are distinct keys; tuples of one NaN object are one key.
    let mut data = dict_of(b"(Fnan\nt", 500);
    data.extend(b"Fnan\np1\n0(g1\ntI0\ns(g1\ntI1\ns(g1\nI2\ntI2\ns.");
    let (value, comparisons) = loads_counting(&data);
    let PyValue::Dict(entries) = value.unwrap() else {
        panic!("a dict")
    };
    assert_eq!(entries.len(), 502);
    assert_eq!(entries[500].1, PyValue::Int(1));
    assert!(comparisons <= 503 * 2, "{comparisons} comparisons");
}

#[test]
fn one_frozenset_in_every_order_is_one_key() {
    // frozenset(range(6)) written in its 720 orders: one key to Python.
    let data = fixture("frozenset_orders.pickle");
    let (value, comparisons) = loads_counting(&data);
    let value = value.unwrap();
    let entries = extra(&value);
    assert_eq!(entries.len(), 1);
    assert!(comparisons <= 720 * 2, "{comparisons} comparisons");
    assert_eq!(entries[0].0.py_repr(), "frozenset({0, 1, 2, 3, 4, 5})");
}

#[test]
fn sets_and_frozensets_keep_one_of_equal_items() {
    // {1, 1.0, True, n, n}, `n` one NaN object (DUP), as ADDITEMS and as FROZENSET.
    let items = b"(K\x01G?\xf0\x00\x00\x00\x00\x00\x00\x88G\x7f\xf8\x00\x00\x00\x00\x00\x002";
    let set = loads(&[&b"\x80\x04\x8f"[..], items, b"\x90."].concat()).unwrap();
    assert_eq!(set.py_repr(), "{1, nan}");
    let frozen = loads(&[&b"\x80\x04"[..], items, b"\x91."].concat()).unwrap();
    assert_eq!(frozen.py_repr(), "frozenset({1, nan})");
    // Many NaN items: each compared with few others.
    let mut data = b"\x80\x04\x8f(".to_vec();
    for _ in 0..10_000 {
        data.extend(b"G\x7f\xf8\x00\x00\x00\x00\x00\x00");
    }
    data.extend(b"\x90.");
    let (value, comparisons) = loads_counting(&data);
    let Ok(PyValue::Set(items)) = value else {
        panic!("a set")
    };
    assert_eq!(items.len(), 10_000);
    assert!(comparisons <= 10_000 * 2, "{comparisons} comparisons");
}

#[test]
fn integers_past_two_to_the_53_are_distinct_keys() {
    let data = fixture("large_int_keys.pickle0");
    let (value, comparisons) = loads_counting(&data);
    let value = value.unwrap();
    let entries = extra(&value);
    // 1,000 integers 2^53 + i; 2.0^53 replaces the value of 2^53; True, 1, 1.0 are one key.
    assert_eq!(entries.len(), 1001);
    assert_eq!(entries[0].1, PyValue::Str("float".into()));
    assert_eq!(entries[1].0, PyValue::Int((1 << 53) + 1));
    assert_eq!(entries[1].1, PyValue::Int(1));
    assert_eq!(entries[1000].0, PyValue::Bool(true));
    assert_eq!(entries[1000].1, PyValue::Str("one float".into()));
    assert!(comparisons <= 1004 * 2, "{comparisons} comparisons");
}
