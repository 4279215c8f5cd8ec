//! How `PyYAML` writes mapping keys: which are simple (`key: value`) and in what order.

use super::scalar::Scalar;
use crate::yaml::Yaml;

/// Keys at least this long (tag included) are written as complex keys (`? key`).
const SIMPLE_KEY_LIMIT: usize = 128;

/// Whether `PyYAML` writes `key` as a simple key (`key: value`) rather than `? key`.
pub(super) fn is_simple_key(key: &Yaml) -> bool {
    match key {
        Yaml::Seq(items) => items.is_empty(),
        Yaml::Map(entries) => entries.is_empty(),
        scalar => Scalar::of(scalar).is_some_and(|s| {
            s.tag_len + s.chars.len() < SIMPLE_KEY_LIMIT
                && !s.analysis.empty
                && !s.analysis.multiline
        }),
    }
}

/// The entries in the order `PyYAML` writes them: sorted when Python can compare every key
/// with every other (all strings, or all numbers and booleans), else as they are.
pub(super) fn sorted(entries: &[(Yaml, Yaml)]) -> Vec<&(Yaml, Yaml)> {
    let mut refs: Vec<&(Yaml, Yaml)> = entries.iter().collect();
    let all_strings = entries.iter().all(|(k, _)| matches!(k, Yaml::Str(_)));
    let all_numbers = entries.iter().all(|(k, _)| number(k).is_some());
    if all_strings {
        refs.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    } else if all_numbers {
        refs.sort_by(|a, b| {
            number(&a.0)
                .partial_cmp(&number(&b.0))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    refs
}

#[expect(clippy::cast_precision_loss, reason = "used for ordering only")]
fn number(value: &Yaml) -> Option<f64> {
    match value {
        Yaml::Bool(b) => Some(f64::from(u8::from(*b))),
        Yaml::Int(i) => Some(*i as f64),
        Yaml::UInt(u) => Some(*u as f64),
        Yaml::Float(f) => Some(*f),
        _ => None,
    }
}
