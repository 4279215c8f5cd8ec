//! Starting a [`PySamlIdp`]: what it serves, under which name, and whether pysaml2 and
//! `xmlsec1` are there at all.

use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use super::{PySamlIdp, saml_idp_script};
use crate::python::python_command;

/// pysaml2 or `xmlsec1` is not installed where the tests run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpUnavailable {
    reason: String,
}

impl fmt::Display for IdpUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the pysaml2 identity provider cannot run: {} (run `cargo xtask test`, which \
             installs pysaml2 in .venv and the xmlsec1 package)",
            self.reason
        )
    }
}

impl std::error::Error for IdpUnavailable {}

/// How to start a [`PySamlIdp`].
#[derive(Debug, Clone, Default)]
pub struct PySamlIdpBuilder {
    sp_metadata: Option<String>,
    sp: Option<(String, String)>,
    host: Option<String>,
    resolve: Vec<(String, String)>,
    lifetime: Option<Duration>,
}

impl PySamlIdpBuilder {
    /// The service provider's metadata URL (the site's `/saml/metadata`), fetched at start.
    #[must_use]
    pub fn sp_metadata(mut self, url: &str) -> Self {
        self.sp_metadata = Some(url.to_owned());
        self
    }

    /// The service provider given directly (when it serves no metadata): its entity id and
    /// its assertion consumer URL (HTTP-POST binding).
    #[must_use]
    pub fn sp(mut self, entity_id: &str, acs_url: &str) -> Self {
        self.sp = Some((entity_id.to_owned(), acs_url.to_owned()));
        self
    }

    /// The host name the identity provider advertises in its URLs (default `127.0.0.1`); it
    /// always listens on 127.0.0.1.
    #[must_use]
    pub fn host(mut self, name: &str) -> Self {
        self.host = Some(name.to_owned());
        self
    }

    /// Resolves `host` to `addr` in the identity provider's process (as curl's `--resolve`),
    /// for fetching the metadata from a test host name.
    #[must_use]
    pub fn resolve(mut self, host: &str, addr: &str) -> Self {
        self.resolve.push((host.to_owned(), addr.to_owned()));
        self
    }

    /// How long its assertions are valid (default 15 minutes; whole minutes, at least one).
    /// pysaml2 keeps the real time: a test that advances the site's clock needs assertions
    /// that are still valid by the site's clock.
    #[must_use]
    pub fn assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Starts the identity provider and waits until it is ready. Without
    /// [`sp_metadata`](Self::sp_metadata) or [`sp`](Self::sp) it serves no service provider
    /// until [`PySamlIdp::set_sp_metadata`] or [`PySamlIdp::set_sp`] names one (requests
    /// are refused until then).
    ///
    /// # Errors
    /// [`IdpUnavailable`] when pysaml2 or `xmlsec1` is missing. Anything else (metadata that
    /// cannot be fetched or read) panics with the script's log.
    pub fn start(self) -> Result<PySamlIdp, IdpUnavailable> {
        check_available()?;
        let mut command = python_command();
        command.arg(saml_idp_script());
        match (&self.sp_metadata, &self.sp) {
            (Some(url), _) => command.args(["--sp-metadata", url]),
            (None, Some((entity, acs))) => {
                command.args(["--sp-entity-id", entity, "--sp-acs", acs])
            }
            // Named later, by `PySamlIdp::set_sp_metadata` or `PySamlIdp::set_sp`.
            (None, None) => &mut command,
        };
        if let Some(host) = &self.host {
            command.args(["--host", host]);
        }
        if let Some(lifetime) = self.lifetime {
            let minutes = lifetime.as_secs().div_ceil(60).max(1);
            command.args(["--lifetime-minutes", &minutes.to_string()]);
        }
        for (host, addr) in &self.resolve {
            command.arg("--resolve").arg(format!("{host}:{addr}"));
        }
        Ok(PySamlIdp::spawn(command))
    }

    /// As [`start`](Self::start), but when pysaml2 or `xmlsec1` is missing it reports the
    /// calling test skipped (a failure under CI, see [`crate::skip_or_fail`]) and returns
    /// `None`; the caller then returns.
    #[track_caller]
    pub fn start_or_skip(self) -> Option<PySamlIdp> {
        match self.start() {
            Ok(idp) => Some(idp),
            Err(missing) => {
                crate::skip_or_fail(&missing.to_string());
                None
            }
        }
    }
}

/// Whether the interpreter has pysaml2 and pysaml2 finds `xmlsec1`.
fn check_available() -> Result<(), IdpUnavailable> {
    let out = python_command()
        .args([
            "-c",
            "import saml2\n\
             from saml2.sigver import get_xmlsec_binary\n\
             get_xmlsec_binary(['/usr/bin', '/usr/local/bin'])",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| IdpUnavailable {
            reason: format!("could not run Python: {e}"),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = if stderr.contains("No module named 'saml2'") {
        "the Python interpreter has no pysaml2".to_owned()
    } else if stderr.contains("xmlsec") {
        "the xmlsec1 program is not installed (Debian package xmlsec1)".to_owned()
    } else {
        format!(
            "pysaml2 does not load: {}",
            stderr.lines().last().unwrap_or("")
        )
    };
    Err(IdpUnavailable { reason })
}
