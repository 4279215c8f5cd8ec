//! Python exceptions: tk-core's classes, found by name in the already-imported `tank`
//! modules at the moment an error is raised, else the module's own `tk_auth.Error` family.

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use tk_auth_defaults::DefaultsError;

/// The module that holds tk-core's authentication errors.
const TANK_AUTH_ERRORS: &str = "tank.authentication.errors";
/// The module that holds `TankError` and its kin.
const TANK_ERRORS: &str = "tank.errors";

/// `tk_auth`'s own classes: name, bases (ours by name, or `module.Class` of the standard
/// library) and docstring. Each stands for the tk-core class of the same name.
const CLASSES: &[(&str, &[&str], &str)] = &[
    (
        "Error",
        &["builtins.Exception"],
        "Every error tk_auth raises itself.",
    ),
    (
        "TankError",
        &["Error"],
        "Stands for tk-core's tank.errors.TankError when tank is not imported.",
    ),
    (
        "ShotgunAuthenticationError",
        &["TankError"],
        "Stands for tk-core's ShotgunAuthenticationError when tank is not imported.",
    ),
    (
        "AuthenticationError",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's AuthenticationError.",
    ),
    (
        "IncompleteCredentials",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's IncompleteCredentials.",
    ),
    (
        "AuthenticationCancelled",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's AuthenticationCancelled.",
    ),
    (
        "ConsoleLoginNotSupportedError",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's ConsoleLoginNotSupportedError.",
    ),
    (
        "UnresolvableHumanUser",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's UnresolvableHumanUser.",
    ),
    (
        "UnresolvableScriptUser",
        &["ShotgunAuthenticationError"],
        "Stands for tk-core's UnresolvableScriptUser.",
    ),
    (
        "InvalidPayload",
        &["Error", "pickle.UnpicklingError", "builtins.ValueError"],
        "A serialized user that the bounded decoder refuses (Python's pickle raises UnpicklingError).",
    ),
    (
        "LockTimeout",
        &["Error", "builtins.TimeoutError"],
        "Another process held the session-cache lock for longer than the wait allows (tk-core takes no lock).",
    ),
    (
        "InvalidHost",
        &["Error", "builtins.ValueError"],
        "A site URL that gives no usable cache folder name.",
    ),
];

/// Creates the exception classes on the module.
pub(crate) fn add_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let type_type = py.get_type::<PyType>();
    for (name, bases, doc) in CLASSES {
        let mut resolved = Vec::with_capacity(bases.len());
        for base in *bases {
            resolved.push(match base.split_once('.') {
                Some((module, class)) => py.import(module)?.getattr(class)?,
                None => m.getattr(*base)?,
            });
        }
        let ns = PyDict::new(py);
        ns.set_item("__module__", "tk_auth")?;
        ns.set_item("__doc__", *doc)?;
        let class = type_type.call1((*name, PyTuple::new(py, resolved)?, ns))?;
        m.add(*name, class)?;
    }
    Ok(())
}

/// tk-core's class `name` from `module` if that module is already imported (never imports
/// it), else `tk_auth`'s class of that name.
fn class<'py>(py: Python<'py>, module: &str, name: &str) -> PyResult<Bound<'py, PyType>> {
    let modules = py.import("sys")?.getattr("modules")?;
    if let Ok(tank) = modules.get_item(module)
        && let Ok(found) = tank.getattr(name)
        && let Ok(found) = found.cast_into::<PyType>()
    {
        return Ok(found);
    }
    let ours = py.import("tk_auth")?;
    let found = match ours.getattr(name) {
        Ok(found) => found,
        // A class tk_auth has no stand-in for: its base class.
        Err(_) => ours.getattr("Error")?,
    };
    Ok(found.cast_into::<PyType>()?)
}

/// An error of the class named, with `message`.
pub(crate) fn raise(py: Python<'_>, module: &str, name: &str, message: String) -> PyErr {
    match class(py, module, name) {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(e) => e,
    }
}

/// `tk_auth`'s own class `name` (never tk-core's).
pub(crate) fn own(py: Python<'_>, name: &str, message: String) -> PyErr {
    match py
        .import("tk_auth")
        .and_then(|m| m.getattr(name))
        .and_then(|c| Ok(c.cast_into::<PyType>()?))
    {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(e) => e,
    }
}

/// The Python exception for an error of tk-auth-core (payloads, users).
pub(crate) fn core(py: Python<'_>, e: &tk_auth_core::Error) -> PyErr {
    let message = e.to_string();
    match e {
        tk_auth_core::Error::InvalidPayload(_) => own(py, "InvalidPayload", message),
        tk_auth_core::Error::InvalidPort(_) | tk_auth_core::Error::InvalidProxy { .. } => {
            PyValueError::new_err(message)
        }
        tk_auth_core::Error::InvalidUserType(_) => own(py, "Error", message),
        other => raise(py, TANK_AUTH_ERRORS, other.python_class(), message),
    }
}

/// The Python exception for an error of tk-auth-defaults (files, locks, locations).
pub(crate) fn defaults(py: Python<'_>, e: &DefaultsError) -> PyErr {
    let message = tk_auth_defaults_message(e);
    match e {
        DefaultsError::Io { source, path, .. } => match source.raw_os_error() {
            // `OSError(errno, strerror, filename)` becomes the matching subclass
            // (`PermissionError`, `FileNotFoundError` …), as Python's own `open` raises.
            Some(errno) => PyOSError::new_err((errno, message, path.display().to_string())),
            None => PyOSError::new_err(message),
        },
        DefaultsError::LockTimeout { .. } => own(py, "LockTimeout", message),
        DefaultsError::NoHost => raise(py, TANK_ERRORS, "TankError", message),
        DefaultsError::InvalidHost { .. } => own(py, "InvalidHost", message),
        other => match other.tank_error_class() {
            Some(name) => raise(py, TANK_ERRORS, name, message),
            None => own(py, "Error", message),
        },
    }
}

/// The error's message with its causes (none of which carries a secret).
fn tk_auth_defaults_message(e: &DefaultsError) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// A `TypeError` saying what was expected.
pub(crate) fn type_error(message: impl Into<String>) -> PyErr {
    PyTypeError::new_err(message.into())
}
