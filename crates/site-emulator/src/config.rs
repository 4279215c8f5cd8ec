//! Declaring a site in a file (TOML, or YAML by a `.yml`/`.yaml` extension), for
//! `tk-auth emulator --config FILE`. `docs/examples/emulator.toml` documents every key.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::builder::SiteEmulatorBuilder;
use crate::error::EmulatorError;
use tk_auth_core::SiteAuthMethod;

use crate::users::{HumanAccount, ScriptAccount};

/// The file's shape: site settings at the top level, then the users.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<SocketAddr>,
    user_authentication_method: Option<MethodEntry>,
    unified_login_flow_enabled: Option<bool>,
    authentication_app_session_launcher_enabled: Option<bool>,
    version: Option<[u32; 3]>,
    session_lifetime_seconds: Option<u64>,
    saml_claims_lifetime_seconds: Option<u64>,
    app_session_request_lifetime_seconds: Option<u64>,
    api_max_entities_per_page: Option<u64>,
    rest_token_lifetime_seconds: Option<u64>,
    #[serde(default)]
    flow_applications: Vec<String>,
    flow_auto_approve: Option<String>,
    flow_token_lifetime_seconds: Option<u64>,
    site_host: Option<String>,
    idp_host: Option<String>,
    saml_identity_provider: Option<String>,
    idp_require_mfa: Option<bool>,
    idp_delay_seconds: Option<f64>,
    sso_redirect_loop: Option<bool>,
    idp_foreign_cookie: Option<bool>,
    #[serde(default)]
    human_users: Vec<HumanUserEntry>,
    #[serde(default)]
    script_users: Vec<ScriptUserEntry>,
}

/// The methods a file may name; an unknown name is refused with its line and column.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum MethodEntry {
    Default,
    Ldap,
    Saml2,
    Oxygen,
}

impl From<MethodEntry> for SiteAuthMethod {
    fn from(entry: MethodEntry) -> Self {
        match entry {
            MethodEntry::Default => Self::Default,
            MethodEntry::Ldap => Self::Ldap,
            MethodEntry::Saml2 => Self::Saml2,
            MethodEntry::Oxygen => Self::Oxygen,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HumanUserEntry {
    login: String,
    password: String,
    id: Option<u64>,
    #[serde(default = "yes")]
    active: bool,
    totp_secret: Option<String>,
    #[serde(default)]
    backup_codes: Vec<String>,
    firstname: Option<String>,
    lastname: Option<String>,
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptUserEntry {
    name: String,
    key: String,
    id: Option<u64>,
}

fn yes() -> bool {
    true
}

/// A TOML error as "line L, column C: message", without the quoted source line.
fn toml_reason(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim();
    let Some(span) = error.span() else {
        return message.to_owned();
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: {message}")
}

impl SiteEmulatorBuilder {
    /// Applies a configuration file on top of what the builder already declares.
    pub fn config_file(self, path: impl AsRef<Path>) -> Result<Self, EmulatorError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::ConfigRead {
            path: path.to_owned(),
            source,
        })?;
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
        let invalid = |reason: String| EmulatorError::ConfigInvalid {
            path: path.to_owned(),
            reason,
        };
        // The parsers' reasons name the line and column but never quote the file: its lines
        // hold passwords and keys.
        let file: ConfigFile = if yaml {
            serde_saphyr::from_str_with_options(
                &text,
                serde_saphyr::options! { with_snippet: false },
            )
            .map_err(|e| invalid(e.to_string()))?
        } else {
            toml::from_str(&text).map_err(|e| invalid(toml_reason(&text, &e)))?
        };
        Ok(self.apply(file))
    }

    fn apply(mut self, file: ConfigFile) -> Self {
        if let Some(addr) = file.listen {
            self = self.listen(addr);
        }
        if let Some(method) = file.user_authentication_method {
            self = self.auth_method(method.into());
        }
        if let Some(on) = file.unified_login_flow_enabled {
            self = self.unified_login_flow(on);
        }
        if let Some(on) = file.authentication_app_session_launcher_enabled {
            self = self.app_session_launcher(on);
        }
        if let Some(version) = file.version {
            self = self.server_version(version);
        }
        if let Some(s) = file.session_lifetime_seconds {
            self = self.session_lifetime(Duration::from_secs(s));
        }
        if let Some(s) = file.saml_claims_lifetime_seconds {
            self = self.saml_claims_lifetime(Duration::from_secs(s));
        }
        if let Some(s) = file.app_session_request_lifetime_seconds {
            self = self.app_session_request_lifetime(Duration::from_secs(s));
        }
        if let Some(n) = file.api_max_entities_per_page {
            self = self.max_entities_per_page(n);
        }
        if let Some(s) = file.rest_token_lifetime_seconds {
            self = self.rest_token_lifetime(Duration::from_secs(s));
        }
        self = self.apply_sso(&file);
        for client_id in file.flow_applications {
            self = self.flow_application(client_id);
        }
        if let Some(login) = file.flow_auto_approve {
            self = self.flow_auto_approve(Some(&login));
        }
        if let Some(s) = file.flow_token_lifetime_seconds {
            self = self.flow_token_lifetime(Duration::from_secs(s));
        }
        for entry in file.human_users {
            let mut user = HumanAccount::new(entry.login, entry.password);
            user.id = entry.id;
            user.active = entry.active;
            user.totp_secret = entry.totp_secret.map(Into::into);
            user.backup_codes = entry.backup_codes;
            user.firstname = entry.firstname;
            user.lastname = entry.lastname;
            user.email = entry.email;
            self = self.human_user(user);
        }
        for entry in file.script_users {
            let mut script = ScriptAccount::new(entry.name, entry.key);
            script.id = entry.id;
            self = self.script_user(script);
        }
        self
    }
}

impl SiteEmulatorBuilder {
    fn apply_sso(mut self, file: &ConfigFile) -> Self {
        if let Some(host) = &file.site_host {
            self = self.site_host(host.clone());
        }
        if let Some(host) = &file.idp_host {
            self = self.idp_host(host.clone());
        }
        if let Some(url) = &file.saml_identity_provider {
            self = self.saml_identity_provider(url.clone());
        }
        if let Some(on) = file.idp_require_mfa {
            self = self.idp_require_mfa(on);
        }
        if let Some(delay) = file
            .idp_delay_seconds
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
        {
            self = self.idp_delay(delay);
        }
        if let Some(on) = file.sso_redirect_loop {
            self = self.sso_redirect_loop(on);
        }
        if let Some(on) = file.idp_foreign_cookie {
            self = self.idp_foreign_cookie(on);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn toml_and_yaml_declare_the_same_site() {
        let dir = tempfile::tempdir().unwrap();
        let toml = write(
            dir.path(),
            "site.toml",
            "user_authentication_method = \"ldap\"\nversion = [8, 1, 2]\n\
             [[human_users]]\nlogin = \"alice\"\npassword = \"pw\"\nid = 7\nactive = false\n\
             [[script_users]]\nname = \"farm\"\nkey = \"k\"\n",
        );
        let yaml = write(
            dir.path(),
            "site.yml",
            "user_authentication_method: ldap\nversion: [8, 1, 2]\n\
             human_users:\n  - login: alice\n    password: pw\n    id: 7\n    active: false\n\
             script_users:\n  - name: farm\n    key: k\n",
        );
        for path in [toml, yaml] {
            let builder = SiteEmulatorBuilder::default().config_file(&path).unwrap();
            let text = format!("{builder:?}");
            assert!(
                text.contains("Ldap") && text.contains("[8, 1, 2]"),
                "{text}"
            );
            assert!(
                text.contains("alice")
                    && text.contains("Some(7)")
                    && text.contains("active: false"),
                "{text}"
            );
            assert!(text.contains("farm"), "{text}");
        }
    }

    #[test]
    fn flow_keys_register_applications_and_set_the_server_up() {
        let dir = tempfile::tempdir().unwrap();
        let toml = write(
            dir.path(),
            "site.toml",
            "flow_applications = [\"app-1\", \"app-2\"]\nflow_auto_approve = \"alice\"\n\
             flow_token_lifetime_seconds = 120\n",
        );
        let yaml = write(
            dir.path(),
            "site.yml",
            "flow_applications: [app-1, app-2]\nflow_auto_approve: alice\n\
             flow_token_lifetime_seconds: 120\n",
        );
        for path in [toml, yaml] {
            let builder = SiteEmulatorBuilder::default().config_file(&path).unwrap();
            let text = format!("{builder:?}");
            assert!(
                text.contains("clients: [\"app-1\", \"app-2\"]")
                    && text.contains("auto_approve: Some(\"alice\")")
                    && text.contains("token_lifetime: 120s"),
                "{text}"
            );
        }
    }

    #[test]
    fn sso_keys_set_hosts_the_identity_provider_and_switches() {
        let dir = tempfile::tempdir().unwrap();
        let toml = write(
            dir.path(),
            "site.toml",
            "site_host = \"site.sso.test\"\nidp_host = \"idp.sso.test\"\n\
             saml_identity_provider = \"https://idp.example.net/sso\"\nidp_require_mfa = true\n\
             idp_delay_seconds = 2\nsso_redirect_loop = true\nidp_foreign_cookie = true\n",
        );
        let yaml = write(
            dir.path(),
            "site.yml",
            "site_host: site.sso.test\nidp_host: idp.sso.test\n\
             saml_identity_provider: https://idp.example.net/sso\nidp_require_mfa: true\n\
             idp_delay_seconds: 2.0\nsso_redirect_loop: true\nidp_foreign_cookie: true\n",
        );
        for path in [toml, yaml] {
            let builder = SiteEmulatorBuilder::default().config_file(&path).unwrap();
            let text = format!("{builder:?}");
            for part in [
                "public_host: Some(\"site.sso.test\")",
                "idp_host: Some(\"idp.sso.test\")",
                "identity_provider: Some(\"https://idp.example.net/sso\")",
                "require_mfa: true",
                "delay: 2s",
                "redirect_loop: true",
                "foreign_cookie: true",
            ] {
                assert!(text.contains(part), "{part}: {text}");
            }
        }
    }

    #[test]
    fn the_documented_examples_load() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        for name in ["emulator.toml", "emulator.yml"] {
            let builder = SiteEmulatorBuilder::default()
                .config_file(examples.join(name))
                .unwrap();
            assert!(format!("{builder:?}").contains("alice"));
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "bad.toml",
            "user_authentication_methd = \"ldap\"\n",
        );
        let err = SiteEmulatorBuilder::default()
            .config_file(&path)
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("bad.toml") && text.contains("user_authentication_methd"),
            "{text}"
        );
    }

    #[test]
    fn parse_errors_give_the_place_but_never_quote_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "open.toml",
                "[[human_users]]\nlogin = \"alice\"\npassword = \"canary-secret\n",
                "line 3",
            ),
            (
                "type.toml",
                "[[human_users]]\nlogin = \"a\"\npassword = \"canary-secret\"\nid = \"x\"\n",
                "line 4",
            ),
            (
                "type.yml",
                "human_users:\n  - login: a\n    password: canary-secret\n    id: x\n",
                "line 4",
            ),
            (
                "open.yml",
                "human_users:\n  - login: a\n    password: [canary-secret\n",
                "line 3",
            ),
        ];
        for (name, text, place) in cases {
            let path = write(dir.path(), name, text);
            let err = SiteEmulatorBuilder::default()
                .config_file(&path)
                .unwrap_err()
                .to_string();
            assert!(err.contains(name) && err.contains(place), "{err}");
            assert!(!err.contains("canary"), "{err}");
        }
    }

    #[test]
    fn a_bad_method_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "bad.toml",
            "user_authentication_method = \"kerberos\"\n",
        );
        assert!(matches!(
            SiteEmulatorBuilder::default().config_file(&path),
            Err(EmulatorError::ConfigInvalid { .. })
        ));
    }

    #[test]
    fn a_missing_file_names_the_path() {
        let err = SiteEmulatorBuilder::default()
            .config_file("/nonexistent/emulator.toml")
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/emulator.toml"));
    }
}
