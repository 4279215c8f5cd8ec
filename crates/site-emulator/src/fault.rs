//! Faults a test can queue so that the next calls fail the way real sites and networks do.

use std::time::Duration;

/// How the next site call misbehaves.
///
/// Faults apply to the site's own endpoints (`/api3/json`, `/internal_api/…` and the REST
/// routes under `/api/v1/`), never to the approval page or the control API. A faulted call still counts in
/// [`SiteEmulator::calls`](crate::SiteEmulator::calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and a short HTML body, as a proxy or load balancer
    /// would (502, 503, 504 …). A code that cannot end an exchange (below 200, above 999)
    /// answers 502.
    Status(u16),
    /// Close the connection without answering.
    DropConnection,
    /// Wait this long, then answer normally.
    Stall(Duration),
    /// Answer `200` with a `Content-Type: application/json` body that is not JSON.
    MalformedBody,
    /// Answer `200` with a body of `bytes` bytes. `announced`: the `Content-Length` says
    /// `bytes` but nothing follows (a client must refuse on the announcement alone, or it
    /// waits until its timeout); otherwise the bytes are sent in chunks with no length
    /// announced (a client must count while it reads).
    OversizedBody {
        /// The size of the body.
        bytes: u64,
        /// Whether the size is announced in `Content-Length` (and the body withheld).
        announced: bool,
    },
}

impl Fault {
    /// Reads the control API's JSON form: `{"fault": "status", "status": 502}`,
    /// `{"fault": "drop_connection"}`, `{"fault": "stall", "millis": 500}`,
    /// `{"fault": "malformed_body"}`, `{"fault": "oversized_body", "bytes": 40000000,
    /// "announced": true}`.
    pub(crate) fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        let kind = value
            .get("fault")
            .and_then(serde_json::Value::as_str)
            .ok_or(
                "missing \"fault\": one of status, drop_connection, stall, malformed_body, oversized_body",
            )?;
        match kind {
            "status" => {
                let status = value
                    .get("status")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .filter(|s| (200..=999).contains(s))
                    .ok_or("a \"status\" fault needs \"status\": an HTTP status code")?;
                Ok(Self::Status(status))
            }
            "drop_connection" => Ok(Self::DropConnection),
            "stall" => {
                let millis = value
                    .get("millis")
                    .and_then(serde_json::Value::as_u64)
                    .ok_or("a \"stall\" fault needs \"millis\": a number of milliseconds")?;
                Ok(Self::Stall(Duration::from_millis(millis)))
            }
            "malformed_body" => Ok(Self::MalformedBody),
            "oversized_body" => {
                let bytes = value
                    .get("bytes")
                    .and_then(serde_json::Value::as_u64)
                    .ok_or("an \"oversized_body\" fault needs \"bytes\": the body's size")?;
                let announced = value
                    .get("announced")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(true);
                Ok(Self::OversizedBody { bytes, announced })
            }
            other => Err(format!(
                "unknown fault {other:?}: expected status, drop_connection, stall, malformed_body or oversized_body"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_api_json_forms_parse() {
        assert_eq!(
            Fault::from_json(&json!({"fault": "status", "status": 502})),
            Ok(Fault::Status(502))
        );
        assert_eq!(
            Fault::from_json(&json!({"fault": "stall", "millis": 20})),
            Ok(Fault::Stall(Duration::from_millis(20)))
        );
        assert_eq!(
            Fault::from_json(&json!({"fault": "drop_connection"})),
            Ok(Fault::DropConnection)
        );
        assert_eq!(
            Fault::from_json(&json!({"fault": "malformed_body"})),
            Ok(Fault::MalformedBody)
        );
        assert_eq!(
            Fault::from_json(&json!({"fault": "oversized_body", "bytes": 9, "announced": false})),
            Ok(Fault::OversizedBody {
                bytes: 9,
                announced: false
            })
        );
        assert!(Fault::from_json(&json!({"fault": "oversized_body"})).is_err());
        assert!(Fault::from_json(&json!({"fault": "status"})).is_err());
        assert!(Fault::from_json(&json!({"fault": "boom"})).is_err());
        assert!(Fault::from_json(&json!([])).is_err());
    }
}
