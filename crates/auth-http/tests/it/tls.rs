//! HTTPS with a private certificate authority: trusted through `SHOTGUN_API_CACERTS` or the
//! CA file option; otherwise the error names the untrusted certificate.

use tk_auth_test_support::child;

use tk_auth_http::{Auth, ClientOptions, Env, HttpError, SiteClient};

use crate::support::{self, SCRIPT_KEY};

async fn read_as_script(client: &SiteClient) -> Result<(), HttpError> {
    support::find_person(client, &Auth::script("farm_script", SCRIPT_KEY), "alice")
        .await
        .map(|found| assert!(found.is_some()))
}

#[tokio::test]
async fn shotgun_api_cacerts_makes_the_site_trusted() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    assert!(site.url().starts_with("https://"));
    let ca_path = ca.ca_file.to_str().unwrap();
    let env = Env::from_pairs([("SHOTGUN_API_CACERTS", ca_path)]);
    let client = SiteClient::new(site.url(), support::options().environment(env)).unwrap();
    read_as_script(&client).await.unwrap();
}

#[tokio::test]
async fn the_ca_file_option_makes_the_site_trusted() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let client = SiteClient::new(site.url(), support::options().ca_file(&ca.ca_file)).unwrap();
    read_as_script(&client).await.unwrap();
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "Wine's certificate check reports an unknown CA as a failed revocation check"
)]
async fn without_the_ca_the_error_names_the_untrusted_certificate() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let err = read_as_script(&support::client(&site)).await.unwrap_err();
    let HttpError::Tls { problem, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(problem.contains("not trusted"), "{problem}");
    assert!(
        problem.contains("unknown certificate authority"),
        "{problem}"
    );
    assert!(err.to_string().contains("SHOTGUN_API_CACERTS"), "{err}");
    // A certificate problem is not retried.
    assert_eq!(site.calls("info"), 0);
}

#[tokio::test]
async fn the_client_agrees_a_post_quantum_key_exchange_with_the_site() {
    // Hybrid X25519 + ML-KEM-768: tokens recorded in transit today stay secret from a
    // quantum computer later. The site offers it too, as current servers do.
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let client = SiteClient::new(site.url(), support::options().ca_file(&ca.ca_file)).unwrap();
    read_as_script(&client).await.unwrap();
    // Every handshake, not only the first: each connection agreed it.
    let handshakes = site.connections();
    assert!(handshakes >= 1);
    assert_eq!(site.key_exchanges("X25519MLKEM768"), handshakes);
    assert_eq!(site.key_exchanges("X25519"), 0);
}

#[tokio::test]
async fn another_ca_does_not_help() {
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let stranger = support::TestCa::new();
    let client =
        SiteClient::new(site.url(), support::options().ca_file(&stranger.ca_file)).unwrap();
    let err = read_as_script(&client).await.unwrap_err();
    assert!(
        matches!(&err, HttpError::Tls { problem, .. } if problem.contains("not trusted")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_named_as_such() {
    let ca = support::TestCa::new();
    let (chain, key) = ca.leaf(&["elsewhere.example.com"]);
    let site = support::builder().tls(chain, key).start().unwrap();
    let client = SiteClient::new(site.url(), support::options().ca_file(&ca.ca_file)).unwrap();
    let err = read_as_script(&client).await.unwrap_err();
    assert!(
        matches!(&err, HttpError::Tls { problem, .. } if problem.contains("not valid for the name 127.0.0.1")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_ca_file_is_reported_with_where_it_came_from() {
    let ca = support::TestCa::new();
    let missing = ca.dir.path().join("nope.pem");
    let env = Env::from_pairs([("SHOTGUN_API_CACERTS", missing.to_str().unwrap())]);
    let err =
        SiteClient::new("https://127.0.0.1:1", support::options().environment(env)).unwrap_err();
    assert!(matches!(err, HttpError::CaFile { .. }), "{err:?}");
    assert!(err.to_string().contains("SHOTGUN_API_CACERTS"), "{err}");
    assert!(err.to_string().contains("nope.pem"), "{err}");
}

/// Set by the parent test for its child process.
const CHILD_SITE: &str = "TK_AUTH_HTTP_TEST_TLS_SITE";

#[tokio::test]
async fn the_process_environment_variable_is_honoured() {
    // Changing this process's environment would race with the other tests: the check runs
    // in a child process of this test binary, with the variable set there.
    let ca = support::TestCa::new();
    let site = ca.https_site(support::builder());
    let output = child::command("tls::child_process_reads_shotgun_api_cacerts")
        .arg("--nocapture")
        .env("SHOTGUN_API_CACERTS", &ca.ca_file)
        .env(CHILD_SITE, site.url())
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(site.calls("read") == 1, "the child reached the site");
}

#[tokio::test]
#[ignore = "run by the_process_environment_variable_is_honoured in a child process"]
async fn child_process_reads_shotgun_api_cacerts() {
    child::enter("tls::child_process_reads_shotgun_api_cacerts");
    let site = child::var(CHILD_SITE);
    let client = SiteClient::new(&site, ClientOptions::new()).unwrap();
    read_as_script(&client).await.unwrap();
}

#[tokio::test]
async fn an_https_address_for_a_plain_http_site_says_so() {
    let site = support::start();
    let url = site.url().replace("http://", "https://");
    let err = read_as_script(&SiteClient::new(&url, support::options()).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HttpError::Tls { problem, .. } if problem.contains("use an http:// address")),
        "{err:?}"
    );
}
