//! What tk-auth sends equals, as JSON, what `shotgun_api3` sends for the same call: both
//! clients talk to the same emulator, which records the bodies.

use serde_json::{Value, json};
use tk_auth_http::{Auth, Secret, SiteClient};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

use crate::support::{self, ALICE_PASSWORD, SCRIPT_KEY};

/// Runs a `shotgun_api3` snippet with `sg_url` and `args` in `sys.argv[1:]`.
fn python(snippet: &str, args: &[&str]) {
    let script = format!("import sys\nimport shotgun_api3\n{snippet}\n");
    tk_auth_test_support::Python::code(&script).args(args).run();
}

fn recorded(site: &SiteEmulator, method: &str) -> Value {
    site.last_request_body(method)
        .unwrap_or_else(|| panic!("no {method} call was recorded"))
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
async fn get_session_token_bodies_match() {
    let site = support::start();
    SiteClient::new(site.url(), support::options())
        .unwrap()
        .generate_session_token("alice", &Secret::new(ALICE_PASSWORD), None)
        .await
        .unwrap();
    let ours = recorded(&site, "get_session_token");
    python(
        "sg = shotgun_api3.Shotgun(sys.argv[1], login=sys.argv[2], password=sys.argv[3], connect=False)\n\
         sg.get_session_token()",
        &[site.url(), "alice", ALICE_PASSWORD],
    );
    assert_eq!(ours, recorded(&site, "get_session_token"));
    assert_eq!(
        ours,
        json!({"method_name": "get_session_token",
               "params": [{"user_login": "alice", "user_password": ALICE_PASSWORD}]})
    );
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
async fn get_session_token_bodies_with_a_two_factor_code_match() {
    let site = support::builder()
        .human_user(HumanAccount::new("bob", "pw-Bob").with_totp_secret("JBSWY3DPEHPK3PXP"))
        .start()
        .unwrap();
    // The same code for both; whether the site still accepts it does not matter here.
    let code = "123456";
    let _ = SiteClient::new(site.url(), support::options())
        .unwrap()
        .generate_session_token("bob", &Secret::new("pw-Bob"), Some(&Secret::new(code)))
        .await;
    let ours = recorded(&site, "get_session_token");
    python(
        "try:\n    shotgun_api3.Shotgun(sys.argv[1], login='bob', password='pw-Bob', auth_token=sys.argv[2], connect=False)\n\
         except shotgun_api3.AuthenticationFault:\n    pass",
        &[site.url(), code],
    );
    assert_eq!(ours, recorded(&site, "get_session_token"));
    assert_eq!(ours["params"][0]["auth_token"], json!(code));
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
async fn find_one_read_bodies_match_with_a_session_token() {
    let site = support::start();
    let token = site.create_session("alice").unwrap();
    SiteClient::new(site.url(), support::options())
        .unwrap()
        .find_one(
            &Auth::session_token(token.clone()),
            "HumanUser",
            &json!([["login", "is", "alice"]]),
            &["id"],
        )
        .await
        .unwrap();
    let ours = recorded(&site, "read");
    python(
        "sg = shotgun_api3.Shotgun(sys.argv[1], session_token=sys.argv[2], connect=False)\n\
         assert sg.find_one('HumanUser', [['login', 'is', 'alice']], ['id'])['id'] == 42",
        &[site.url(), &token],
    );
    let theirs = recorded(&site, "read");
    assert_eq!(ours, theirs);
    assert_eq!(ours["params"][0]["reject_if_expired"], json!(true));
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
async fn find_one_read_bodies_match_for_a_script_acting_as_someone() {
    let site = support::start();
    SiteClient::new(site.url(), support::options().sudo_as_login("alice"))
        .unwrap()
        .find_one(
            &Auth::script("farm_script", SCRIPT_KEY),
            "ApiUser",
            &json!([["firstname", "is", "farm_script"]]),
            &[],
        )
        .await
        .unwrap();
    let ours = recorded(&site, "read");
    python(
        "sg = shotgun_api3.Shotgun(sys.argv[1], script_name='farm_script', api_key=sys.argv[2], sudo_as_login='alice', connect=False)\n\
         sg.find_one('ApiUser', [['firstname', 'is', 'farm_script']])",
        &[site.url(), SCRIPT_KEY],
    );
    assert_eq!(ours, recorded(&site, "read"));
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
async fn info_bodies_match() {
    let site = support::start();
    SiteClient::new(site.url(), support::options())
        .unwrap()
        .call("info", None, None)
        .await
        .unwrap();
    let ours = recorded(&site, "info");
    python(
        "shotgun_api3.Shotgun(sys.argv[1], session_token='dummy', connect=False).info()",
        &[site.url()],
    );
    assert_eq!(ours, recorded(&site, "info"));
}
