//! The Bearer-protected read, `GET /api/v1/entity/{human_users|api_users}/{id}`: what
//! proves an access token works.

use http::StatusCode;
use serde_json::{Value, json};

use super::{ENTITY_PATH, RestRequest, check_active, error};
use crate::state::Shared;
use crate::wire::{ERR_AUTH, ERR_GENERIC};

/// The token of an `Authorization: Bearer …` header.
pub(super) fn bearer<'a>(request: &RestRequest<'a>) -> Option<&'a str> {
    let value = request.authorization?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub(super) fn read_entity(
    shared: &Shared,
    request: &RestRequest<'_>,
    rest: &str,
) -> (StatusCode, Value) {
    let unauthorized = |title: &str| error(shared, StatusCode::UNAUTHORIZED, ERR_AUTH, title, None);
    let Some(token) = bearer(request) else {
        return unauthorized("Authentication required: send Authorization: Bearer <access token>");
    };
    let state = shared.state();
    let owner = match state.rest.access.get(token) {
        None => return unauthorized("Invalid access token"),
        Some(a) if a.expired || shared.now() >= a.expires_at => {
            return unauthorized("The access token has expired");
        }
        Some(a) => a.owner.clone(),
    };
    if let Err(refusal) = check_active(shared, &state, owner) {
        return refusal;
    }
    let not_found = || {
        error(
            shared,
            StatusCode::NOT_FOUND,
            ERR_GENERIC,
            &format!("Record not found: {rest}"),
            None,
        )
    };
    let Some((collection, id)) = rest.trim_end_matches('/').split_once('/') else {
        return not_found();
    };
    let Ok(id) = id.parse::<u64>() else {
        return not_found();
    };
    let found = match collection {
        "human_users" => state.humans.iter().find(|u| u.id == id).map(|u| {
            let name = format!("{} {}", u.firstname, u.lastname).trim().to_owned();
            json!({
                "type": "HumanUser",
                "id": u.id,
                "attributes": {
                    "login": u.login,
                    "firstname": u.firstname,
                    "lastname": u.lastname,
                    "name": name,
                    "email": u.email,
                    "sg_status_list": if u.active { "act" } else { "dis" },
                },
            })
        }),
        "api_users" => state.scripts.iter().find(|s| s.id == id).map(|s| {
            json!({
                "type": "ApiUser",
                "id": s.id,
                "attributes": {
                    "firstname": s.name,
                    "lastname": "",
                    "name": s.name,
                    "sg_status_list": "act",
                },
            })
        }),
        _ => None,
    };
    match found {
        Some(mut data) => {
            let link = format!("{ENTITY_PATH}{collection}/{id}");
            data["links"] = json!({"self": link});
            (
                StatusCode::OK,
                json!({"data": data, "links": {"self": link}}),
            )
        }
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::*;

    #[test]
    fn bearer_tokens_are_read_from_the_header_whatever_the_scheme_case() {
        let mut req = RestRequest {
            method: &Method::GET,
            path: "/api/v1/entity/human_users/1",
            query: None,
            authorization: None,
            content_type: None,
            body: b"",
        };
        for (header, want) in [
            (Some("Bearer abc"), Some("abc")),
            (Some("bearer  abc "), Some("abc")),
            (Some("Basic abc"), None),
            (Some("Bearer "), None),
            (None, None),
        ] {
            req.authorization = header;
            assert_eq!(bearer(&req), want, "{header:?}");
        }
    }
}
