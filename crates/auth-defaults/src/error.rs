//! The one error type of this crate.

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong while finding, reading or writing Toolkit defaults and sessions.
///
/// Messages name the file, variable or setting involved; none ever contains a secret. The
/// keyring's variants exist with the feature `keyring`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefaultsError {
    /// A file or folder operation failed.
    #[error("could not {action} '{}'", path.display())]
    Io {
        /// What was being done ("read", "write", "create the folder" …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Another process held a session-cache lock for longer than the wait allows.
    #[error(
        "timed out after {waited:?} waiting for the lock on '{}' held by {holder}; if that process is gone, delete the lock file",
        path.display()
    )]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
        /// Who holds it, as recorded in the lock file ("process 1234 on host …"), or
        /// "an unknown process".
        holder: String,
    },

    /// A per-site location was asked for without a site.
    #[error("Cannot compute path for local site specific storage - no PTR hostname specified!")]
    NoHost,

    /// A site URL gives a cache folder name that could escape the cache root.
    #[error("the site '{host}' does not name a usable cache folder ('{folder}')")]
    InvalidHost {
        /// The site as given.
        host: String,
        /// The folder name it gives.
        folder: String,
    },

    /// The home folder is unknown, so the default cache root cannot be found.
    #[error("cannot find the home folder: set HOME or SHOTGUN_HOME")]
    NoHomeFolder,

    /// A variable that names a settings file points at a file that does not exist.
    #[error(
        "The environment variable '{variable}' refers to a configuration file on disk at '{value}' that doesn't exist."
    )]
    EnvironmentVariableFileLookup {
        /// The variable (`SGTK_PREFERENCES_LOCATION` …).
        variable: &'static str,
        /// Its value, as set.
        value: String,
    },

    /// `toolkit.ini` could not be parsed.
    #[error("While reading from '{}' [line {line:2}]: {message}", path.display())]
    IniSyntax {
        /// The ini file.
        path: PathBuf,
        /// The 1-based line of the problem.
        line: usize,
        /// What is wrong, e.g. "section 'Login' already exists".
        message: String,
    },

    /// A setting's value is not of the expected kind (boolean, integer) or has a bad `%`.
    #[error("Invalid value '{value}' in '{}' for setting '{name}' in section '{section}': {expected}.", path.display())]
    InvalidSetting {
        /// The value as read (after expansion).
        value: String,
        /// The ini file.
        path: PathBuf,
        /// The setting.
        name: String,
        /// The section.
        section: String,
        /// What was expected ("expecting integer" …).
        expected: String,
    },

    /// A pipeline configuration's `shotgun.yml` is missing something or malformed.
    #[error("{message}")]
    ShotgunYml {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the file.
        message: String,
    },

    /// No pipeline configuration was handed to this process: `TANK_CURRENT_PC` is not set,
    /// so there is no `shotgun.yml` to read (tk-core would use its own location).
    #[error(
        "Cannot find the pipeline configuration of this process: TANK_CURRENT_PC is not set (Toolkit sets it for the processes it launches; set it to the pipeline configuration's folder, or give the path of its config/core/shotgun.yml)"
    )]
    NoPipelineConfiguration,

    /// A pipeline configuration that uses a shared core has no core location file for this
    /// operating system (tk-core's `TankFileDoesNotExistError`).
    #[error(
        "Configuration at '{}' without a localized core is missing a core location file at '{}'",
        pipeline_configuration.display(),
        file.display()
    )]
    CoreLocationFileMissing {
        /// The pipeline configuration.
        pipeline_configuration: PathBuf,
        /// The `install/core/core_<OS>.cfg` file that is missing.
        file: PathBuf,
    },

    /// A core location file names no folder that exists (tk-core's
    /// `TankInvalidCoreLocationError`).
    #[error("Cannot find core location '{location}' defined in config file '{}'.", file.display())]
    InvalidCoreLocation {
        /// What the file names, `$VARS` and `~` expanded.
        location: String,
        /// The `core_<OS>.cfg` file.
        file: PathBuf,
    },

    /// The core a pipeline configuration runs with has no `config/core` folder (tk-core's
    /// `UnresolvableCoreConfigurationError`).
    #[error(
        "Cannot resolve the core configuration: the core at '{}' has no config/core folder.",
        core_root.display()
    )]
    UnresolvableCoreConfiguration {
        /// The core's root (a pipeline configuration or a studio install).
        core_root: PathBuf,
    },

    /// A pipeline configuration's `shotgun.yml` could not be read or parsed (tk-core's
    /// `TankError` "Cannot load config file").
    #[error("Cannot load config file '{}'.", path.display())]
    ConfigUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<DefaultsError>,
    },

    /// A session-cache file is a link or special file we refuse to write through.
    #[error("refusing to use '{}': {reason}", path.display())]
    UnsafeCacheFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// A session-cache file or folder leads out of the cache root through a link.
    #[error(
        "refusing to use '{}': it leads to '{}', outside the cache root '{}'; replace the link with a file or folder of your own, or set SHOTGUN_HOME",
        path.display(), target.display(), root.display()
    )]
    OutsideCacheRoot {
        /// The file or folder, as named in the cache.
        path: PathBuf,
        /// Where it really is.
        target: PathBuf,
        /// The cache root.
        root: PathBuf,
    },

    /// A folder of the session cache belongs to another user.
    #[error(
        "refusing to write in '{}': it belongs to another user (uid {owner}); remove it or make it yours (chown), or set SHOTGUN_HOME to a folder you own",
        path.display()
    )]
    ForeignOwner {
        /// The folder.
        path: PathBuf,
        /// Its owner's user id.
        owner: u32,
    },

    /// A YAML file the caller asked for (a pipeline configuration's `shotgun.yml`) could not
    /// be read as YAML. Session files are never reported this way: an unreadable one is moved
    /// aside.
    #[error("could not read '{}'", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: crate::yaml::YamlError,
    },

    /// A keyring call failed.
    #[cfg(feature = "keyring")]
    #[error("keyring {operation} failed")]
    Keyring {
        /// What was attempted ("read", "write", "delete", "open").
        operation: &'static str,
        /// The keyring's error (stored values are never kept in it).
        #[source]
        source: keyring_core::Error,
    },

    /// A keyring call did not return in time, or an earlier one still has not.
    #[cfg(feature = "keyring")]
    #[error("the keyring did not answer a {operation} within {limit:?}")]
    KeyringTimeout {
        /// What was attempted.
        operation: &'static str,
        /// The time limit of one call.
        limit: Duration,
    },

    /// Checking a keyring store by storing and reading back a value gave another value.
    #[cfg(feature = "keyring")]
    #[error("the keyring returned another value than the one just stored")]
    KeyringMismatch,

    /// The thread that talks to the keyring could not be started.
    #[cfg(feature = "keyring")]
    #[error("could not start the keyring thread")]
    KeyringThread {
        /// The system's error.
        #[source]
        source: std::io::Error,
    },

    /// No keyring store can be used on this machine.
    #[cfg(feature = "keyring")]
    #[error("no keyring store is usable: {}", problems_text(problems))]
    NoKeyring {
        /// Each store tried, with why it could not be used (empty when no store is built in
        /// for this platform).
        problems: Vec<(&'static str, std::sync::Arc<DefaultsError>)>,
    },
}

/// The message of an error followed by those of its causes.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(feature = "keyring")]
fn problems_text(problems: &[(&'static str, std::sync::Arc<DefaultsError>)]) -> String {
    if problems.is_empty() {
        return "no keyring store is built in for this platform".to_owned();
    }
    problems
        .iter()
        .map(|(store, e)| format!("{store}: {}", with_causes(e.as_ref())))
        .collect::<Vec<_>>()
        .join("; ")
}

impl DefaultsError {
    /// The Python exception tk-core raises for this, where it raises one of its own Toolkit
    /// errors (`TankError` and its kin: a pipeline configuration that cannot be read or
    /// resolved); `None` for what tk-core reports as an authentication problem.
    pub fn tank_error_class(&self) -> Option<&'static str> {
        match self {
            Self::ShotgunYml { .. }
            | Self::ConfigUnreadable { .. }
            | Self::NoPipelineConfiguration => Some("TankError"),
            Self::CoreLocationFileMissing { .. } => Some("TankFileDoesNotExistError"),
            Self::InvalidCoreLocation { .. } => Some("TankInvalidCoreLocationError"),
            Self::UnresolvableCoreConfiguration { .. } => {
                Some("UnresolvableCoreConfigurationError")
            }
            _ => None,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = DefaultsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_prints_its_cause_once_through_the_chain() {
        let os = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let cause = os.to_string();
        let err = DefaultsError::io("read", "/x/authentication.yml", os);
        let chain = with_causes(&err);
        assert_eq!(chain.matches(&cause).count(), 1, "{chain}");
        assert!(
            chain.starts_with("could not read '/x/authentication.yml': "),
            "{chain}"
        );
    }
}
