//! The judge: the real Python client `shotgun_api3` against emulated sites.

use serde_json::json;
use tk_auth_site_emulator::{HumanAccount, ScriptAccount, SiteAuthMethod, SiteEmulator};

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";
/// Checks in `conformance.py`; a check silently lost would lower the count.
const EXPECTED_CHECKS: usize = 44;

#[test]
fn shotgun_api3_accepts_the_emulated_sites() {
    let default_site = SiteEmulator::builder()
        .human_user(HumanAccount::new("alice", "pw-Alice-1").with_id(42))
        .human_user(
            HumanAccount::new("bob", "pw-Bob-2")
                .with_totp_secret(TOTP_SECRET)
                .with_backup_codes(["backup-1111", "backup-2222"]),
        )
        .human_user(HumanAccount::new("carol", "pw-Carol-3").inactive())
        .human_user(HumanAccount::new("dave", "pw-Dave-4"))
        .human_user(HumanAccount::new("erin", "pw-Erin-5"))
        .human_user(HumanAccount::new("zoë", "pässwörd-é-6"))
        .script_user(ScriptAccount::new("farm_script", "key-123").with_id(7))
        .unified_login_flow(true)
        .app_session_launcher(true)
        .server_version([8, 50, 0])
        .max_entities_per_page(2)
        .start()
        .unwrap();
    let saml = SiteEmulator::builder()
        .human_user(HumanAccount::new("sso_user", "pw-Sso-1"))
        .auth_method(SiteAuthMethod::Saml2)
        .start()
        .unwrap();
    let oxygen = SiteEmulator::builder()
        .human_user(HumanAccount::new("adsk_user", "pw-Adsk-1"))
        .auth_method(SiteAuthMethod::Oxygen)
        .start()
        .unwrap();
    let launcher_off = SiteEmulator::builder()
        .app_session_launcher(false)
        .start()
        .unwrap();
    let config = json!({
        "default": {
            "url": default_site.url(),
            "human": {"login": "alice", "password": "pw-Alice-1", "id": 42},
            "two_factor": {
                "login": "bob", "password": "pw-Bob-2",
                "totp_secret_base32": TOTP_SECRET, "backup_code": "backup-2222",
            },
            "inactive": {"login": "carol", "password": "pw-Carol-3"},
            "script": {"name": "farm_script", "key": "key-123", "id": 7},
            "version": [8, 50, 0],
            "non_ascii": {"login": "zoë", "password": "pässwörd-é-6"},
            "human_count": 6,
        },
        "saml2": {"url": saml.url(), "human": {"login": "sso_user", "password": "pw-Sso-1"}},
        "oxygen": {"url": oxygen.url(), "human": {"login": "adsk_user", "password": "pw-Adsk-1"}},
        "launcher_off": {"url": launcher_off.url()},
    });
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/conformance.py");
    // The client's own settings must not come from the machine running the tests: the
    // runner clears the proxy and retry variables.
    let output = tk_auth_test_support::Python::script(&script)
        .env("TK_EMULATOR_CONFORMANCE", config.to_string())
        .run();
    let (stdout, stderr) = (&output.stdout, &output.stderr);
    let summary = format!("{EXPECTED_CHECKS} passed, 0 failed");
    assert!(
        stdout.lines().last() == Some(summary.as_str()),
        "expected {summary:?} as the last line:\n{stdout}\n{stderr}"
    );
}
