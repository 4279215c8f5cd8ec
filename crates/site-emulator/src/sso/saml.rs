//! SAML 2.0 messages: the site's `AuthnRequest` (HTTP-Redirect binding), the identity
//! provider's Response (HTTP-POST binding), and reading both. Written XML is escaped;
//! read XML goes through roxmltree (no DTDs, so no entity expansion). Signatures are
//! neither made nor checked: the emulator is a test double, not a trust boundary.

use std::io::{Read as _, Write as _};

use base64::Engine as _;

use crate::launcher::escape;

/// The SAML protocol namespace (`samlp:`).
const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// The SAML assertion namespace (`saml:`).
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The status of a successful Response.
pub(crate) const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The HTTP-POST binding, where the identity provider answers.
const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// Inflated messages larger than this are refused.
const MAX_MESSAGE: u64 = 256 * 1024;

/// What the site asks the identity provider for.
pub(crate) struct AuthnRequest {
    pub(crate) id: String,
    pub(crate) issue_instant: String,
    pub(crate) destination: String,
    pub(crate) acs_url: String,
    pub(crate) issuer: String,
}

impl AuthnRequest {
    pub(crate) fn to_xml(&self) -> String {
        format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" \
             ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" \
             AssertionConsumerServiceURL=\"{}\" ProtocolBinding=\"{POST_BINDING}\">\
             <saml:Issuer>{}</saml:Issuer>\
             <samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\" AllowCreate=\"true\"/>\
             </samlp:AuthnRequest>",
            escape(&self.id),
            escape(&self.issue_instant),
            escape(&self.destination),
            escape(&self.acs_url),
            escape(&self.issuer),
        )
    }

    /// Reads an `AuthnRequest` (the identity provider's side): its ID, where to answer and
    /// who asks.
    pub(crate) fn parse(xml: &str) -> Result<Self, String> {
        let doc = parse_doc(xml)?;
        let root = doc.root_element();
        if !root.has_tag_name((PROTOCOL, "AuthnRequest")) {
            return Err("the message is not a SAML AuthnRequest".to_owned());
        }
        let attribute = |name| root.attribute(name).unwrap_or_default().to_owned();
        let issuer = root
            .children()
            .find(|n| n.has_tag_name((ASSERTION, "Issuer")))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .trim()
            .to_owned();
        let request = Self {
            id: attribute("ID"),
            issue_instant: attribute("IssueInstant"),
            destination: attribute("Destination"),
            acs_url: attribute("AssertionConsumerServiceURL"),
            issuer,
        };
        if request.id.is_empty() || request.acs_url.is_empty() {
            return Err("the AuthnRequest has no ID or no AssertionConsumerServiceURL".to_owned());
        }
        Ok(request)
    }
}

/// The HTTP-Redirect binding's `SAMLRequest` value: raw DEFLATE, then base64 (the caller
/// URL-encodes it into the query).
pub(crate) fn encode_redirect(xml: &str) -> String {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(xml.as_bytes());
    let deflated = encoder.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(deflated)
}

/// Reads an HTTP-Redirect binding's `SAMLRequest` value (already URL-decoded).
pub(crate) fn decode_redirect(value: &str) -> Result<String, String> {
    let deflated = decode_base64(value)?;
    let mut xml = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_MESSAGE + 1)
        .read_to_end(&mut xml)
        .map_err(|_| "the SAMLRequest is not DEFLATE-compressed".to_owned())?;
    if xml.len() as u64 > MAX_MESSAGE {
        return Err("the SAMLRequest is too large".to_owned());
    }
    String::from_utf8(xml).map_err(|_| "the SAMLRequest is not UTF-8".to_owned())
}

/// Reads a POST binding's base64 value (line breaks and spaces allowed, as some encoders
/// wrap lines).
pub(crate) fn decode_base64(value: &str) -> Result<Vec<u8>, String> {
    let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "the SAML message is not valid base64".to_owned())
}

fn parse_doc(xml: &str) -> Result<roxmltree::Document<'_>, String> {
    roxmltree::Document::parse(xml).map_err(|e| format!("the SAML message is not XML ({e})"))
}

/// What the identity provider says about a person.
pub(crate) struct ResponseParams<'a> {
    pub(crate) id: &'a str,
    pub(crate) assertion_id: &'a str,
    pub(crate) in_response_to: &'a str,
    pub(crate) destination: &'a str,
    pub(crate) issuer: &'a str,
    pub(crate) audience: &'a str,
    pub(crate) name_id: &'a str,
    pub(crate) issue_instant: &'a str,
    pub(crate) not_on_or_after: &'a str,
}

/// A successful Response with one Assertion about `name_id`, unsigned.
pub(crate) fn response_xml(p: &ResponseParams<'_>) -> String {
    let e = |s: &str| escape(s);
    format!(
        "<samlp:Response xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"{id}\" \
         Version=\"2.0\" IssueInstant=\"{instant}\" Destination=\"{dest}\" InResponseTo=\"{irt}\">\
         <saml:Issuer>{issuer}</saml:Issuer>\
         <samlp:Status><samlp:StatusCode Value=\"{SUCCESS}\"/></samlp:Status>\
         <saml:Assertion ID=\"{aid}\" Version=\"2.0\" IssueInstant=\"{instant}\">\
         <saml:Issuer>{issuer}</saml:Issuer>\
         <saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">{name}</saml:NameID>\
         <saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">\
         <saml:SubjectConfirmationData InResponseTo=\"{irt}\" NotOnOrAfter=\"{until}\" Recipient=\"{dest}\"/>\
         </saml:SubjectConfirmation></saml:Subject>\
         <saml:Conditions NotBefore=\"{instant}\" NotOnOrAfter=\"{until}\">\
         <saml:AudienceRestriction><saml:Audience>{aud}</saml:Audience></saml:AudienceRestriction>\
         </saml:Conditions>\
         <saml:AuthnStatement AuthnInstant=\"{instant}\"><saml:AuthnContext>\
         <saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>\
         </saml:AuthnContext></saml:AuthnStatement>\
         </saml:Assertion></samlp:Response>",
        id = e(p.id),
        aid = e(p.assertion_id),
        instant = e(p.issue_instant),
        dest = e(p.destination),
        irt = e(p.in_response_to),
        issuer = e(p.issuer),
        name = e(p.name_id),
        until = e(p.not_on_or_after),
        aud = e(p.audience),
    )
}

/// What the assertion consumer checks of a Response.
#[derive(Debug, Default)]
pub(crate) struct ParsedResponse {
    pub(crate) in_response_to: Option<String>,
    pub(crate) destination: Option<String>,
    /// The top-level `StatusCode`'s value.
    pub(crate) status: Option<String>,
    /// Every Audience of every `AudienceRestriction`.
    pub(crate) audiences: Vec<String>,
    /// Every `NotOnOrAfter` (Conditions, `SubjectConfirmationData`) as written.
    pub(crate) not_on_or_after: Vec<String>,
    /// The Subject's `NameID`.
    pub(crate) name_id: Option<String>,
}

/// Reads a Response as made by this identity provider or by a SAML library (any prefixes,
/// signed or not: `ds:Signature` elements are ignored). Encrypted assertions are refused.
pub(crate) fn parse_response(xml: &str) -> Result<ParsedResponse, String> {
    let doc = parse_doc(xml)?;
    let root = doc.root_element();
    if !root.has_tag_name((PROTOCOL, "Response")) {
        return Err("the message is not a SAML Response".to_owned());
    }
    let mut parsed = ParsedResponse {
        in_response_to: root.attribute("InResponseTo").map(str::to_owned),
        destination: root.attribute("Destination").map(str::to_owned),
        ..ParsedResponse::default()
    };
    parsed.status = root
        .children()
        .find(|n| n.has_tag_name((PROTOCOL, "Status")))
        .and_then(|s| {
            s.children()
                .find(|n| n.has_tag_name((PROTOCOL, "StatusCode")))
        })
        .and_then(|c| c.attribute("Value"))
        .map(str::to_owned);
    if parsed.status.as_deref() != Some(SUCCESS) {
        return Ok(parsed);
    }
    if root
        .children()
        .any(|n| n.has_tag_name((ASSERTION, "EncryptedAssertion")))
    {
        return Err(
            "the Response's assertion is encrypted, which this site cannot read".to_owned(),
        );
    }
    let assertion = root
        .children()
        .find(|n| n.has_tag_name((ASSERTION, "Assertion")))
        .ok_or_else(|| "the Response holds no Assertion".to_owned())?;
    for node in assertion.descendants() {
        if node.has_tag_name((ASSERTION, "Audience")) {
            parsed
                .audiences
                .push(node.text().unwrap_or_default().trim().to_owned());
        } else if node.has_tag_name((ASSERTION, "Conditions"))
            || node.has_tag_name((ASSERTION, "SubjectConfirmationData"))
        {
            if let Some(at) = node.attribute("NotOnOrAfter") {
                parsed.not_on_or_after.push(at.to_owned());
            }
        } else if node.has_tag_name((ASSERTION, "NameID"))
            && node
                .parent()
                .is_some_and(|p| p.has_tag_name((ASSERTION, "Subject")))
        {
            parsed.name_id = node.text().map(|t| t.trim().to_owned());
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_survive_the_redirect_binding() {
        let request = AuthnRequest {
            id: "_abc".to_owned(),
            issue_instant: "2026-01-01T00:00:00Z".to_owned(),
            destination: "http://localhost:1/idp/saml/sso".to_owned(),
            acs_url: "http://127.0.0.1:1/saml/saml_acs?a=1&b=\"2\"".to_owned(),
            issuer: "http://127.0.0.1:1/saml/metadata".to_owned(),
        };
        let xml = decode_redirect(&encode_redirect(&request.to_xml())).unwrap();
        let back = AuthnRequest::parse(&xml).unwrap();
        assert_eq!(back.id, "_abc");
        assert_eq!(back.acs_url, request.acs_url);
        assert_eq!(back.issuer, request.issuer);
        assert!(decode_redirect("not base64!").is_err());
        assert!(decode_redirect("aGVsbG8=").is_err());
    }

    #[test]
    fn responses_from_other_writers_are_read() {
        // The shape a SAML library writes: other prefixes, a signature, fractional times.
        let xml = r#"<ns0:Response xmlns:ns0="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:ns1="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="id-1" InResponseTo="_req" Version="2.0" IssueInstant="2026-01-01T00:00:00.123Z"><ns1:Issuer>idp</ns1:Issuer><ns0:Status><ns0:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></ns0:Status><ns1:Assertion ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><ns1:Issuer>idp</ns1:Issuer><ds:Signature><ds:SignedInfo/></ds:Signature><ns1:Subject><ns1:NameID>Alice</ns1:NameID><ns1:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><ns1:SubjectConfirmationData NotOnOrAfter="2026-01-01T00:05:00.5Z"/></ns1:SubjectConfirmation></ns1:Subject><ns1:Conditions><ns1:AudienceRestriction><ns1:Audience>sp</ns1:Audience></ns1:AudienceRestriction></ns1:Conditions></ns1:Assertion></ns0:Response>"#;
        let parsed = parse_response(xml).unwrap();
        assert_eq!(parsed.in_response_to.as_deref(), Some("_req"));
        assert_eq!(parsed.destination, None);
        assert_eq!(parsed.status.as_deref(), Some(SUCCESS));
        assert_eq!(parsed.audiences, ["sp"]);
        assert_eq!(parsed.name_id.as_deref(), Some("Alice"));
        assert_eq!(parsed.not_on_or_after, ["2026-01-01T00:05:00.5Z"]);
        assert!(parse_response("<x/>").is_err());
        assert!(parse_response("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>").is_err());
    }
}
