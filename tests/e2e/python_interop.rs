//! Session files written by a tk-auth login, read back by Python's YAML loader.

use std::sync::Arc;

use serde_json::json;
use tk_auth::{Answer, AuthOptions, Defaults, Env, ScriptedPrompter, ShotgunAuthenticator};
use tk_auth_site_emulator::{HumanAccount, SiteEmulator};

/// `yaml.safe_load` of each file, as JSON.
fn pyyaml(paths: &[std::path::PathBuf]) -> serde_json::Value {
    let script = "import json, sys, yaml\nprint(json.dumps([yaml.safe_load(open(p, encoding='utf-8')) for p in sys.argv[1:]]))";
    let out = std::process::Command::new(tk_auth_test_support::python())
        .arg("-c")
        .arg(script)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_login_writes_session_files_that_pyyaml_reads_as_python_writes_them() {
    // A login that YAML 1.1 would read as a boolean if it were written unquoted.
    let site = SiteEmulator::builder()
        .human_user(HumanAccount::new("no", "pw-canary-9"))
        .app_session_launcher(false)
        .start()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([("SHOTGUN_HOME", home.path().to_str().unwrap())]);
    let prompter = Arc::new(ScriptedPrompter::new([
        Answer::site(site.url()),
        Answer::login("no"),
        Answer::password("pw-canary-9"),
    ]));
    let auth = ShotgunAuthenticator::with_options(
        Defaults::from_env_with(&env).unwrap(),
        prompter,
        AuthOptions::new().environment(env),
    );
    let user = auth.get_user().await.unwrap();
    let token = user.session_token().unwrap();
    let cache = tk_auth::SessionCache::at(home.path());
    let files = [cache.global_file(), cache.site_file(site.url()).unwrap()];
    let loaded = pyyaml(&files);
    assert_eq!(
        loaded,
        json!([
            {"current_host": site.url(), "recent_hosts": [site.url()]},
            {
                "current_user": "no",
                "recent_users": ["no"],
                "users": [{"login": "no", "session_token": token.expose()}],
                "method": "credentials"
            }
        ])
    );
}
