//! The `read` RPC (what `find` and `find_one` send) over the site's `HumanUser` and
//! `ApiUser` entities: `is`/`is_not`/`in`/`not_in` filters, `and`/`or`, return fields and
//! paging.

use serde_json::{Map, Value, json};

use crate::rpc::fault_body;
use crate::state::State;
use crate::wire::ERR_GENERIC;

/// The fields each entity of a type has, as a site would return them.
fn entities(state: &State, entity_type: &str) -> Option<Vec<Map<String, Value>>> {
    let rows = match entity_type {
        "HumanUser" => state
            .humans
            .iter()
            .map(|u| {
                let name = [u.firstname.as_str(), u.lastname.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                entity(json!({
                    "type": "HumanUser",
                    "id": u.id,
                    "login": u.login,
                    "firstname": u.firstname,
                    "lastname": u.lastname,
                    "name": if name.is_empty() { u.login.clone() } else { name },
                    "email": u.email,
                    "sg_status_list": if u.active { "act" } else { "dis" },
                }))
            })
            .collect(),
        "ApiUser" => state
            .scripts
            .iter()
            .map(|s| {
                entity(json!({
                    "type": "ApiUser",
                    "id": s.id,
                    "firstname": s.name,
                    "lastname": "",
                    "name": s.name,
                    "sg_status_list": "act",
                }))
            })
            .collect(),
        _ => return None,
    };
    Some(rows)
}

/// The fields a filter may name, per type.
fn known_fields(entity_type: &str) -> &'static [&'static str] {
    match entity_type {
        "HumanUser" => &[
            "type",
            "id",
            "login",
            "firstname",
            "lastname",
            "name",
            "email",
            "sg_status_list",
        ],
        "ApiUser" => &[
            "type",
            "id",
            "firstname",
            "lastname",
            "name",
            "sg_status_list",
        ],
        _ => &[],
    }
}

fn entity(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn bad(message: &str) -> Value {
    fault_body(ERR_GENERIC, message)
}

/// Answers a `read` whose parameters are `params` (the element after the credentials).
pub(crate) fn read(state: &State, params: Option<&Value>) -> Value {
    let Some(params) = params.and_then(Value::as_object) else {
        return bad("API read() needs a parameters dictionary with at least \"type\"");
    };
    let Some(entity_type) = params.get("type").and_then(Value::as_str) else {
        return bad("API read() needs \"type\"");
    };
    let Some(mut rows) = entities(state, entity_type) else {
        return bad(&format!(
            "API read() {entity_type} is not an entity type this site knows \
             (it serves HumanUser and ApiUser)"
        ));
    };
    if params.get("return_only").and_then(Value::as_str) == Some("retired") {
        // Nothing is ever retired on the emulated site.
        rows.clear();
    }
    if let Some(filters) = params.get("filters") {
        // Check the filters once against the type's fields, so that a bad filter is an
        // error even when no entity would reach it.
        let template: Map<String, Value> = known_fields(entity_type)
            .iter()
            .map(|f| ((*f).to_owned(), Value::Null))
            .collect();
        if let Err(message) = matches(&template, filters) {
            return bad(&format!("API read() {entity_type}: {message}"));
        }
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            match matches(&row, filters) {
                Ok(true) => kept.push(row),
                Ok(false) => {}
                Err(message) => return bad(&format!("API read() {entity_type}: {message}")),
            }
        }
        rows = kept;
    }
    rows.sort_by_key(|r| r.get("id").and_then(Value::as_u64).unwrap_or(0));

    let fields: Vec<&str> = match params.get("return_fields") {
        None | Some(Value::Null) => vec!["id"],
        Some(Value::Array(f)) => match f.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
            Some(f) => f,
            None => return bad("API read() return_fields must be a list of field names"),
        },
        Some(_) => return bad("API read() return_fields must be a list of field names"),
    };
    let paging = params.get("paging").and_then(Value::as_object);
    let per_page = paging
        .and_then(|p| p.get("entities_per_page"))
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(500);
    let page = paging
        .and_then(|p| p.get("current_page"))
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let total = rows.len() as u64;
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let chosen: Vec<Value> = rows
        .into_iter()
        .skip(start)
        .take(take)
        .map(|row| Value::Object(project(&row, &fields)))
        .collect();

    let mut results = Map::new();
    results.insert("entities".into(), Value::Array(chosen));
    let flag = |name: &str| params.get(name).and_then(Value::as_bool).unwrap_or(false);
    if flag("return_paging_info_without_counts") {
        results.insert(
            "paging_info".into(),
            json!({
                "current_page": page,
                "entities_per_page": per_page,
                "has_next_page": page.saturating_mul(per_page) < total,
            }),
        );
    } else if flag("return_paging_info") {
        results.insert(
            "paging_info".into(),
            json!({
                "current_page": page,
                "entities_per_page": per_page,
                "entity_count": total,
                "page_count": total.div_ceil(per_page),
            }),
        );
    }
    json!({ "results": results })
}

/// `type` and `id` always, then each asked-for field (null when the entity has no such
/// field, rather than failing, so that clients asking for more than is modelled still work).
fn project(row: &Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["type", "id"] {
        out.insert(key.into(), row.get(key).cloned().unwrap_or(Value::Null));
    }
    for field in fields {
        out.insert(
            (*field).to_owned(),
            row.get(*field).cloned().unwrap_or(Value::Null),
        );
    }
    out
}

/// Whether `row` passes `filters`: `{"logical_operator", "conditions"}` with nested groups.
fn matches(row: &Map<String, Value>, filters: &Value) -> Result<bool, String> {
    let Some(group) = filters.as_object() else {
        return Err("filters must be a dictionary with logical_operator and conditions".into());
    };
    let operator = group
        .get("logical_operator")
        .and_then(Value::as_str)
        .unwrap_or("and");
    let conditions = match group.get("conditions") {
        None | Some(Value::Null) => return Ok(true),
        Some(Value::Array(c)) => c,
        Some(_) => return Err("filter conditions must be a list".into()),
    };
    let mut results = Vec::with_capacity(conditions.len());
    for condition in conditions {
        let result = if condition.get("conditions").is_some() {
            matches(row, condition)?
        } else {
            condition_holds(row, condition)?
        };
        results.push(result);
    }
    match operator {
        "and" => Ok(results.iter().all(|r| *r)),
        "or" => Ok(results.is_empty() || results.iter().any(|r| *r)),
        other => Err(format!("unknown logical_operator {other:?}")),
    }
}

fn condition_holds(row: &Map<String, Value>, condition: &Value) -> Result<bool, String> {
    let path = condition
        .get("path")
        .and_then(Value::as_str)
        .ok_or("a filter condition needs \"path\"")?;
    let relation = condition
        .get("relation")
        .and_then(Value::as_str)
        .ok_or("a filter condition needs \"relation\"")?;
    let values: Vec<&Value> = match condition.get("values") {
        Some(Value::Array(v)) => v.iter().collect(),
        Some(v) => vec![v],
        None => return Err("a filter condition needs \"values\"".into()),
    };
    let Some(actual) = row.get(path) else {
        return Err(format!("{path} doesn't exist"));
    };
    let equal = |v: &&Value| values_equal(actual, v);
    match relation {
        "is" => Ok(values.first().is_some_and(&equal)),
        "is_not" => Ok(!values.first().is_some_and(&equal)),
        "in" => Ok(values.iter().any(equal)),
        "not_in" => Ok(!values.iter().any(equal)),
        other => Err(format!(
            "relation {other:?} is not supported by the emulator (is, is_not, in, not_in are)"
        )),
    }
}

/// Equality as a site applies it: strings case-insensitively, numbers by value.
fn values_equal(actual: &Value, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Value::String(a), Value::String(w)) => a.to_lowercase() == w.to_lowercase(),
        (Value::Number(a), Value::Number(w)) => a.as_f64() == w.as_f64(),
        (a, w) => a == w,
    }
}
