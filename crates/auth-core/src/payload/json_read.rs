//! JSON payloads read straight into plain Python data, counted against the same
//! [limits](crate::limits) as pickles and with Python's rule for repeated keys (the last
//! value wins, at the first key's place).

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::limits::Budget;
use crate::py_value::PyValue;

/// Reads one JSON document; trailing whitespace only.
pub(super) fn loads(bytes: &[u8]) -> Result<PyValue, serde_json::Error> {
    let budget = Budget::new();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed(&budget).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

#[derive(Clone, Copy)]
struct Seed<'b>(&'b Budget);

impl Seed<'_> {
    fn charge<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        self.0
            .charge(bytes)
            .map_err(|exceeded| E::custom(exceeded.message()))
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = PyValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PyValue, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = PyValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<PyValue, E> {
        self.charge(0)?;
        Ok(PyValue::None)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PyValue, E> {
        self.charge(0)?;
        Ok(PyValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PyValue, E> {
        self.charge(0)?;
        Ok(PyValue::Int(i128::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PyValue, E> {
        self.charge(0)?;
        Ok(PyValue::Int(i128::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PyValue, E> {
        self.charge(0)?;
        Ok(PyValue::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PyValue, E> {
        self.charge(v.len())?;
        Ok(PyValue::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<PyValue, E> {
        self.charge(v.len())?;
        Ok(PyValue::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
        self.charge(0)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(PyValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
        self.charge(0)?;
        let mut entries: Vec<(PyValue, PyValue)> = Vec::new();
        let mut positions: HashMap<String, usize> = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            // The key is held twice: in the dict and in the index.
            self.charge(key.len() * 2)?;
            let value = map.next_value_seed(self)?;
            if let Some(&position) = positions.get(&key) {
                entries[position].1 = value;
            } else {
                positions.insert(key.clone(), entries.len());
                entries.push((PyValue::Str(key), value));
            }
        }
        Ok(PyValue::Dict(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_keeps_its_place_and_takes_the_last_value() {
        let value = loads(br#"{"a": 1, "b": [true, null, 2.5, "x"], "a": 3} "#).unwrap();
        assert_eq!(
            value,
            PyValue::Dict(vec![
                (PyValue::Str("a".into()), PyValue::Int(3)),
                (
                    PyValue::Str("b".into()),
                    PyValue::List(vec![
                        PyValue::Bool(true),
                        PyValue::None,
                        PyValue::Float(2.5),
                        PyValue::Str("x".into())
                    ])
                ),
            ])
        );
        assert!(loads(b"{} x").is_err());
    }

    #[test]
    fn json_counts_against_the_value_limit() {
        let many = format!("[{}0]", "0,".repeat(crate::limits::MAX_VALUES));
        let e = loads(many.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("values"), "{e}");
    }
}
