//! The emulated Flow access tokens: JSON Web Tokens signed with HMAC-SHA256 under a key
//! each running site draws at random, so a token proves it came from this site.

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// Signs and checks the site's access tokens. Its key never leaves it, `Debug` included.
pub(crate) struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(HS256, <random key>)")
    }
}

impl Signer {
    /// A signer with a fresh random key.
    pub(crate) fn random() -> Self {
        let rng = SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| {
            // The system generator does not fail on supported platforms; a time-derived key
            // still keeps one site's tokens apart from another's.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            hmac::Key::new(hmac::HMAC_SHA256, &nanos.to_le_bytes())
        });
        Self { key }
    }

    /// `header.payload.signature`, each part base64url without padding.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let tag = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The claims of a token this signer made, or `None` for anything else: another key's
    /// token, a changed payload, another algorithm, or text that is no token at all.
    pub(crate) fn verify(&self, token: &str) -> Option<Value> {
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let signed = &token[..header.len() + 1 + payload.len()];
        hmac::verify(&self.key, signed.as_bytes(), &tag).ok()?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return None;
        }
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        claims.is_object().then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_and_carries_its_claims() {
        let signer = Signer::random();
        let token = signer.sign(&json!({"sub": "alice", "exp": 10}));
        assert_eq!(token.split('.').count(), 3);
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&header).unwrap(),
            json!({"alg": "HS256", "typ": "JWT"})
        );
        assert_eq!(
            signer.verify(&token),
            Some(json!({"sub": "alice", "exp": 10}))
        );
    }

    #[test]
    fn other_keys_changed_payloads_and_junk_are_refused() {
        let signer = Signer::random();
        let token = signer.sign(&json!({"sub": "alice"}));
        assert_eq!(Signer::random().verify(&token), None);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"sub":"mallory"}"#),
            parts[2]
        );
        assert_eq!(signer.verify(&forged), None);
        for junk in ["", "a.b", "a.b.c", "a.b.c.d", "...", &format!("{token}.x")] {
            assert_eq!(signer.verify(junk), None, "{junk:?}");
        }
        assert_eq!(format!("{signer:?}"), "Signer(HS256, <random key>)");
    }
}
