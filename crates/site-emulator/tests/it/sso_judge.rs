//! The judge of the SAML service provider: pysaml2, an identity provider nobody here wrote,
//! answers the site's authentication requests; its Responses (signed or not) make sessions once,
//! and wrong ones are refused (`tests/conformance/saml_pysaml2.py`).

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, SiteAuthMethod, SiteEmulator};

/// The judge's single sign-on URL: the site sends its authentication requests there (nothing listens;
/// the script reads the redirect).
const JUDGE_SSO: &str = "https://judge-idp.example.net/sso";

/// Checks in `saml_pysaml2.py`; a check silently lost would lower the count.
const EXPECTED_CHECKS: usize = 8;

#[test]
fn pysaml2_as_the_identity_provider_is_accepted_and_refused_as_it_should() {
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .saml_identity_provider(JUDGE_SSO)
        .start()
        .unwrap();
    let config = json!({"url": site.url(), "login": "alice", "sso_url": JUDGE_SSO});
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/saml_pysaml2.py");
    let output = tk_auth_test_support::Python::script(&script)
        .env("TK_EMULATOR_SAML_JUDGE", config.to_string())
        .run();
    let (stdout, stderr) = (&output.stdout, &output.stderr);
    let summary = format!("{EXPECTED_CHECKS} passed, 0 failed");
    assert!(
        stdout.lines().last() == Some(summary.as_str()),
        "expected {summary:?} as the last line:\n{stdout}\n{stderr}"
    );
    let stats = site.sso_stats();
    assert_eq!((stats.saml_requests, stats.assertions_consumed), (4, 2));
    assert_eq!(stats.assertions_refused, 4);
}
