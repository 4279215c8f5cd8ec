//! `tank_vendor.adsk_auth.file_store`'s functions over tk-auth's [`FlowTokenFile`]: the
//! same `adsk_flow_tokens.json`, written atomically under a lock.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tk_auth_core::Secret;
use tk_auth_defaults::FlowTokenFile;

use crate::{blocking, errors};

/// Which token to read.
#[derive(Clone, Copy)]
enum Kind {
    Access,
    Refresh,
}

fn get(
    py: Python<'_>,
    storage_dir: String,
    application_id: String,
    profile: String,
    kind: Kind,
) -> PyResult<Option<String>> {
    blocking::run(py, move || {
        let tokens = FlowTokenFile::in_folder(storage_dir).tokens(&application_id, &profile);
        match kind {
            Kind::Access => tokens.access_token,
            Kind::Refresh => tokens.refresh_token,
        }
        .map(Secret::into_exposed)
    })
}

/// Reads the access token from the file store.
#[pyfunction]
#[pyo3(signature = (storage_dir, application_id, profile))]
fn get_access_token(
    py: Python<'_>,
    storage_dir: String,
    application_id: String,
    profile: String,
) -> PyResult<Option<String>> {
    get(py, storage_dir, application_id, profile, Kind::Access)
}

/// Reads the refresh token from the file store.
#[pyfunction]
#[pyo3(signature = (storage_dir, application_id, profile))]
fn get_refresh_token(
    py: Python<'_>,
    storage_dir: String,
    application_id: String,
    profile: String,
) -> PyResult<Option<String>> {
    get(py, storage_dir, application_id, profile, Kind::Refresh)
}

/// A token of the `tokens` dict: missing, `None` and empty are all "not given".
fn token(tokens: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Secret>> {
    match tokens.get_item(key)? {
        Some(v) if v.is_truthy()? => v
            .extract::<String>()
            .map(|s| Some(Secret::new(s)))
            .map_err(|_| errors::type_error(format!("'{key}' must be a str"))),
        _ => Ok(None),
    }
}

/// Stores the token dict (`access_token`, `refresh_token`) in the file store.
#[pyfunction]
#[pyo3(signature = (storage_dir, application_id, profile, tokens))]
fn persist_tokens(
    py: Python<'_>,
    storage_dir: String,
    application_id: String,
    profile: String,
    tokens: &Bound<'_, PyDict>,
) -> PyResult<()> {
    let access = token(tokens, "access_token")?;
    let refresh = token(tokens, "refresh_token")?;
    blocking::run(py, move || {
        FlowTokenFile::in_folder(storage_dir).persist(
            &application_id,
            &profile,
            access.as_ref(),
            refresh.as_ref(),
        )
    })?
    .map_err(|e| errors::defaults(py, &e))
}

/// Removes every stored token of this application and profile.
#[pyfunction]
#[pyo3(signature = (storage_dir, application_id, profile))]
fn delete_tokens(
    py: Python<'_>,
    storage_dir: String,
    application_id: String,
    profile: String,
) -> PyResult<()> {
    blocking::run(py, move || {
        FlowTokenFile::in_folder(storage_dir).delete(&application_id, &profile)
    })?
    .map(|_| ())
    .map_err(|e| errors::defaults(py, &e))
}

/// Returns `profile`, or the current OS user when it is empty or `None`
/// (`getpass.getuser()`, as `adsk_auth` does).
#[pyfunction]
#[pyo3(signature = (profile=None))]
fn get_user_profile(py: Python<'_>, profile: Option<String>) -> PyResult<String> {
    match profile.filter(|p| !p.is_empty()) {
        Some(p) => Ok(p),
        None => py.import("getpass")?.call_method0("getuser")?.extract(),
    }
}

/// Adds the functions to the module.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(get_access_token, m)?)?;
    m.add_function(wrap_pyfunction!(get_refresh_token, m)?)?;
    m.add_function(wrap_pyfunction!(persist_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(delete_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(get_user_profile, m)?)?;
    Ok(())
}
