//! The `read` call's parameters, built as `shotgun_api3`'s `find_one` builds them.

use serde_json::{Map, Value, json};

use crate::{HttpError, ServerVersion};

/// `SHOTGUN_API_DISABLE_ENTITY_OPTIMIZATION` is not honoured: the optimisation only drops
/// keys the site ignores in filters.
const ENTITY_KEYS: [&str; 8] = [
    "id",
    "type",
    "url",
    "name",
    "content_type",
    "local_path",
    "storage",
    "relative_path",
];

/// The first version that accepts `return_paging_info_without_counts`.
const PAGING_WITHOUT_COUNTS_SINCE: ServerVersion = ServerVersion::new(7, 4, 0);
/// The first version that accepts `api_return_image_urls`.
const IMAGE_URLS_SINCE: ServerVersion = ServerVersion::new(3, 3, 0);

fn invalid(reason: impl Into<String>) -> HttpError {
    HttpError::InvalidRequest {
        reason: reason.into(),
    }
}

/// Turns a filter list (`[["login", "is", "alice"]]`) or a filter object
/// (`{"filter_operator": "any", "filters": […]}`) into the site's
/// `{"logical_operator", "conditions"}` form.
pub(crate) fn translate_filters(filters: &Value) -> Result<Value, HttpError> {
    match filters {
        Value::Array(_) => translate_group("all", filters),
        Value::Object(group) => translate_object(group),
        other => Err(invalid(format!(
            "filters must be a list or an object, got {other}"
        ))),
    }
}

fn translate_object(group: &Map<String, Value>) -> Result<Value, HttpError> {
    let operator = group
        .get("filter_operator")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let filters = group
        .get("filters")
        .ok_or_else(|| invalid("a filter group needs \"filters\""))?;
    translate_group(operator, filters)
}

fn translate_group(operator: &str, filters: &Value) -> Result<Value, HttpError> {
    let logical = match operator {
        "all" | "and" => "and",
        "any" | "or" => "or",
        other => return Err(invalid(format!("Invalid filter_operator {other}"))),
    };
    let items = filters
        .as_array()
        .ok_or_else(|| invalid(format!("Invalid filters, expected a list, got {filters}")))?;
    let conditions = items
        .iter()
        .map(|item| match item {
            Value::Array(simple) => translate_simple(simple),
            Value::Object(group) => translate_object(group),
            other => Err(invalid(format!(
                "Invalid filters, expected a list or an object, got {other}"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"logical_operator": logical, "conditions": conditions}))
}

fn translate_simple(filter: &[Value]) -> Result<Value, HttpError> {
    let (Some(path), Some(relation)) = (
        filter.first().and_then(Value::as_str),
        filter.get(1).and_then(Value::as_str),
    ) else {
        return Err(invalid(format!(
            "a filter is [field, relation, value…], got {}",
            Value::Array(filter.to_vec())
        )));
    };
    let mut values: Vec<Value> = filter[2..].to_vec();
    if let [Value::Array(single)] = values.as_slice() {
        values = single.clone();
    }
    if path != "id"
        && matches!(relation, "is" | "is_not" | "in" | "not_in")
        && values.first().is_some_and(Value::is_object)
    {
        values = values.iter().map(optimize_entity).collect();
    }
    Ok(json!({"path": path, "relation": relation, "values": values}))
}

/// An entity in a filter is reduced to the keys the site uses.
fn optimize_entity(value: &Value) -> Value {
    match value {
        Value::Object(entity) if entity.contains_key("id") && entity.contains_key("type") => {
            Value::Object(
                ENTITY_KEYS
                    .iter()
                    .filter_map(|k| entity.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| match v {
                    Value::Object(_) => optimize_entity(v),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The parameters of `read` for a `find_one`: one entity, first page, active entities.
pub(crate) fn find_one_params(
    entity_type: &str,
    filters: &Value,
    fields: &[&str],
    version: Option<ServerVersion>,
) -> Result<Value, HttpError> {
    if entity_type.is_empty() {
        return Err(invalid("the entity type is empty"));
    }
    let fields: Vec<&str> = if fields.is_empty() {
        vec!["id"]
    } else {
        fields.to_vec()
    };
    let mut params = Map::new();
    params.insert("type".into(), json!(entity_type));
    params.insert("return_fields".into(), json!(fields));
    params.insert("filters".into(), translate_filters(filters)?);
    params.insert("return_only".into(), json!("active"));
    params.insert(
        "paging".into(),
        json!({"entities_per_page": 1, "current_page": 1}),
    );
    if version.is_some_and(|v| v >= IMAGE_URLS_SINCE) {
        params.insert("api_return_image_urls".into(), json!(true));
    }
    let paging_key = if version.is_some_and(|v| v >= PAGING_WITHOUT_COUNTS_SINCE) {
        "return_paging_info_without_counts"
    } else {
        "return_paging_info"
    };
    params.insert(paging_key.into(), json!(false));
    Ok(Value::Object(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_one_by_login_matches_the_python_shape() {
        let params = find_one_params(
            "HumanUser",
            &json!([["login", "is", "alice"]]),
            &[],
            Some(ServerVersion::new(8, 50, 0)),
        )
        .unwrap();
        assert_eq!(
            params,
            json!({
                "type": "HumanUser",
                "return_fields": ["id"],
                "filters": {"logical_operator": "and", "conditions": [
                    {"path": "login", "relation": "is", "values": ["alice"]}
                ]},
                "return_only": "active",
                "paging": {"entities_per_page": 1, "current_page": 1},
                "api_return_image_urls": true,
                "return_paging_info_without_counts": false,
            })
        );
    }

    #[test]
    fn old_sites_get_the_old_paging_key() {
        let params = find_one_params(
            "ApiUser",
            &json!([]),
            &["firstname"],
            Some(ServerVersion::new(7, 3, 9)),
        )
        .unwrap();
        assert_eq!(params["return_paging_info"], json!(false));
        assert!(params.get("return_paging_info_without_counts").is_none());
        assert_eq!(
            params["filters"],
            json!({"logical_operator": "and", "conditions": []})
        );
    }

    #[test]
    fn nested_groups_lists_and_entities_translate() {
        let filters = json!({
            "filter_operator": "any",
            "filters": [
                ["id", "in", [1, 2]],
                ["project", "is", {"type": "Project", "id": 4, "name": "P", "sg_x": 1}],
                {"filter_operator": "all", "filters": [["login", "is_not", "x"]]},
            ]
        });
        assert_eq!(
            translate_filters(&filters).unwrap(),
            json!({"logical_operator": "or", "conditions": [
                {"path": "id", "relation": "in", "values": [1, 2]},
                {"path": "project", "relation": "is",
                 "values": [{"id": 4, "type": "Project", "name": "P"}]},
                {"logical_operator": "and", "conditions": [
                    {"path": "login", "relation": "is_not", "values": ["x"]}
                ]},
            ]})
        );
    }

    #[test]
    fn bad_filters_are_errors_not_panics() {
        for bad in [
            json!("login"),
            json!([["login"]]),
            json!([42]),
            json!({"filter_operator": "xor", "filters": []}),
            json!({"filter_operator": "all"}),
        ] {
            let err = translate_filters(&bad).unwrap_err();
            assert!(matches!(err, HttpError::InvalidRequest { .. }), "{bad}");
        }
    }
}
