//! The one error type of this crate.

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong while finding, reading or writing Toolkit defaults and sessions.
///
/// Messages name the file, variable or setting involved; none ever contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefaultsError {
    /// A file or folder operation failed.
    #[error("could not {action} '{}': {source}", path.display())]
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

    /// A session-cache file is a link or special file we refuse to write through.
    #[error("refusing to use '{}': {reason}", path.display())]
    UnsafeCacheFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
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

    /// The system keyring failed or did not answer in time.
    #[error("keyring {operation} failed: {message}")]
    Keyring {
        /// What was attempted ("read", "write", "delete", "open").
        operation: &'static str,
        /// The keyring's message (never a secret).
        message: String,
    },
}

impl DefaultsError {
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
