//! Unit tests of the data-only pickle reader.

use super::*;

fn s(text: &str) -> PyValue {
    PyValue::Str(text.to_owned())
}

#[test]
fn reads_protocol_0_with_memo_references() {
    let value = loads(b"(dp0\nVa\np1\nVshared\np2\nsVb\np3\ng2\ns.").unwrap();
    assert_eq!(
        value,
        PyValue::Dict(vec![(s("a"), s("shared")), (s("b"), s("shared"))])
    );
}

#[test]
fn memo_references_share_containers() {
    // l = []; d = {'x': l}; l.append(1) after memoizing — both views see the append.
    let value = loads(b"(dp0\nVx\np1\n(lp2\nsVy\np3\ng2\nsg2\nI1\na0.").unwrap();
    assert_eq!(
        value,
        PyValue::Dict(vec![
            (s("x"), PyValue::List(vec![PyValue::Int(1)])),
            (s("y"), PyValue::List(vec![PyValue::Int(1)]))
        ])
    );
}

#[test]
fn python2_strings_are_read() {
    assert_eq!(
        loads(b"S'caf\\xc3\\xa9 \\'q\\''\np0\n.").unwrap(),
        s("café 'q'")
    );
    assert_eq!(loads(b"U\x02hi.").unwrap(), s("hi"));
    assert_eq!(loads(b"T\x02\x00\x00\x00hi.").unwrap(), s("hi"));
}

#[test]
fn object_building_opcodes_are_refused() {
    let hostile = b"cos\nsystem\n(S'echo pwned'\ntR.";
    let e = loads(hostile).unwrap_err();
    assert!(e.0.contains("GLOBAL"), "{}", e.0);
    for op in [
        b'R', b'b', b'i', b'o', 0x81, 0x92, 0x93, b'P', b'Q', 0x82, 0x97, 0x98,
    ] {
        let e = loads(&[b'N', op, b'.']).unwrap_err();
        assert!(e.0.contains("would build or call"), "{op}: {}", e.0);
    }
}

#[test]
fn errors_name_the_problem() {
    assert_eq!(
        loads(b"hello world").unwrap_err().0,
        "Memo value not found at index 101"
    );
    assert_eq!(loads(b" {").unwrap_err().0, "invalid load key, ' '.");
    assert_eq!(loads(b"(dp0\n").unwrap_err().0, "pickle data was truncated");
    assert!(
        loads(b"(lp0\ng0\na.")
            .unwrap_err()
            .0
            .contains("refers to itself")
    );
}

#[test]
fn binary_protocols_are_read() {
    // pickle.dumps({'a': [1, 2.5, b'x', None, True], 'b': (1,)}, protocol=5)
    let data = b"\x80\x05\x95&\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01G@\x04\x00\x00\x00\x00\x00\x00C\x01x\x94N\x88e\x8c\x01b\x94K\x01\x85\x94u.";
    let value = loads(data).unwrap();
    assert_eq!(
        value,
        PyValue::Dict(vec![
            (
                s("a"),
                PyValue::List(vec![
                    PyValue::Int(1),
                    PyValue::Float(2.5),
                    PyValue::Bytes(b"x".to_vec()),
                    PyValue::None,
                    PyValue::Bool(true)
                ])
            ),
            (s("b"), PyValue::Tuple(vec![PyValue::Int(1)]))
        ])
    );
}

#[test]
fn shared_references_that_blow_up_are_refused() {
    // l0 = [1]; l1 = [l0, l0]; …; l40 = [l39, l39]: a few hundred bytes naming 2^40 values.
    let mut data = b"\x80\x02]q\x00K\x01a".to_vec();
    for i in 1..=40u8 {
        data.extend([b']', b'q', i, b'h', i - 1, b'a', b'h', i - 1, b'a']);
    }
    data.push(b'.');
    let e = loads(&data).unwrap_err();
    assert!(e.0.contains("shared references are copied"), "{}", e.0);
}

#[test]
fn memo_and_stack_growth_is_bounded() {
    for data in [
        vec![b'('; 1 << 18],
        [&b"N"[..], &vec![0x94; 1 << 18]].concat(),
        [&b"N"[..], &b"2".repeat(1 << 18)].concat(),
        b"]".repeat(1 << 18),
    ] {
        let e = loads(&data).unwrap_err();
        assert!(
            e.0.contains("objects, stack entries or memo entries"),
            "{}",
            e.0
        );
    }
}

#[test]
fn deeply_nested_tuple_keys_are_refused() {
    // ((((…(None,)…),),),): a dict key nested far deeper than any payload.
    let mut data = b"\x80\x02}N".to_vec();
    data.extend(std::iter::repeat_n(0x85, 100_000));
    data.extend(b"Ns.");
    let e = loads(&data).unwrap_err();
    assert!(e.0.contains("nests too deeply"), "{}", e.0);
}

#[test]
fn large_dicts_read_whole() {
    let mut data = b"\x80\x02}(".to_vec();
    for i in 0..5000u16 {
        data.push(b'M');
        data.extend(i.to_le_bytes());
        data.extend(b"N");
    }
    data.extend(b"u.");
    let PyValue::Dict(entries) = loads(&data).unwrap() else {
        panic!("a dict");
    };
    assert_eq!(entries.len(), 5000);
}

#[test]
fn building_a_dict_compares_each_key_with_few_others() {
    // Scanning the keys read so far would compare n²/2 = 12.5 million times.
    let n = 5000u16;
    let mut data = b"\x80\x02}(".to_vec();
    for i in 0..n {
        data.push(b'X');
        let key = format!("key{i}");
        data.extend(u32::try_from(key.len()).unwrap().to_le_bytes());
        data.extend(key.as_bytes());
        data.extend(b"N");
    }
    data.extend(b"u.");
    let before = crate::py_value::KEY_COMPARISONS.with(std::cell::Cell::get);
    let PyValue::Dict(entries) = loads(&data).unwrap() else {
        panic!("a dict");
    };
    let comparisons = crate::py_value::KEY_COMPARISONS.with(std::cell::Cell::get) - before;
    assert_eq!(entries.len(), usize::from(n));
    assert!(comparisons < usize::from(n), "{comparisons} comparisons");
}

#[test]
fn a_tuple_is_checked_for_hashability_once_when_it_is_built() {
    // t = (None, None); t = (t, t) 64 times; {t: None}: 2^64 paths through the key.
    let mut data = b"}(NNt".to_vec();
    for _ in 0..64 {
        data.extend(b"2\x86");
    }
    data.extend(b"Ns.");
    let e = loads(&data).unwrap_err();
    assert!(e.0.contains("values once its shared references"), "{}", e.0);
    // Unhashable items anywhere inside are still found, and named as Python names them.
    let mut data = b"}(]t".to_vec();
    for _ in 0..64 {
        data.extend(b"2\x86");
    }
    data.extend(b"Ns.");
    assert_eq!(loads(&data).unwrap_err().0, "unhashable type: 'list'");
}
