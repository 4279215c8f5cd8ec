//! tk-core's `tank.authentication.session_cache` functions over tk-auth's [`SessionCache`]:
//! the same files, written atomically under a lock shared with every tk-auth process.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tk_auth_core::{Env, Secret, Site};
use tk_auth_defaults::{LoginMethod, SessionCache};

use crate::{blocking, errors};

/// The name of the Python logger this module reports through.
const LOGGER: &str = "tk_auth.session_cache";

/// The environment as `os.environ` holds it now (entries that are not text are left out).
pub(crate) fn python_env(py: Python<'_>) -> PyResult<Env> {
    let environ = py.import("os")?.getattr("environ")?;
    let mut pairs = Vec::new();
    for item in environ.call_method0("items")?.try_iter()? {
        if let Ok((key, value)) = item?.extract::<(String, String)>() {
            pairs.push((key, value));
        }
    }
    Ok(Env::from_pairs(pairs))
}

/// The session cache that `os.environ` selects now, as tk-core finds it on each call.
pub(crate) fn cache(py: Python<'_>) -> PyResult<SessionCache> {
    SessionCache::from_env_with(&python_env(py)?).map_err(|e| errors::defaults(py, &e))
}

/// Runs `work` on the cache off the GIL, mapping its error to Python's.
fn with_cache<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&SessionCache) -> tk_auth_defaults::Result<T> + Send + 'static,
{
    let cache = cache(py)?;
    blocking::run(py, move || work(&cache))?.map_err(|e| errors::defaults(py, &e))
}

/// Logs `message` through Python's `logging` (never with a secret in it).
fn log(py: Python<'_>, level: &str, message: &str) -> PyResult<()> {
    py.import("logging")?
        .call_method1("getLogger", (LOGGER,))?
        .call_method1(level, (message,))?;
    Ok(())
}

/// A host argument. `None` is no host: tk-core's path lookup raises `TankError` ("no PTR
/// hostname specified"); an empty string is the cache root itself, as there.
fn host_of(py: Python<'_>, host: Option<String>) -> PyResult<Site> {
    match host {
        Some(host) => Ok(Site::new(host)),
        None => Err(errors::defaults(
            py,
            &tk_auth_defaults::DefaultsError::NoHost,
        )),
    }
}

/// Returns the cached login info if found: a dict with `login`, `session_token` and, when
/// there is some, `session_metadata`; `None` otherwise.
#[pyfunction]
#[pyo3(signature = (base_url, login))]
fn get_session_data(
    py: Python<'_>,
    base_url: Option<String>,
    login: String,
) -> PyResult<Option<Bound<'_, PyDict>>> {
    let site = host_of(py, base_url)?;
    let Some(found) = with_cache(py, move |c| c.get_session_data(site, &login))? else {
        return Ok(None);
    };
    let dict = PyDict::new(py);
    dict.set_item("login", found.login)?;
    dict.set_item("session_token", found.session_token.expose())?;
    if let Some(metadata) = found.session_metadata.filter(|m| !m.is_empty()) {
        dict.set_item("session_metadata", metadata.expose())?;
    }
    Ok(Some(dict))
}

/// Caches the session data for a site and a user (the file is rewritten only when
/// something changed).
#[pyfunction]
#[pyo3(signature = (host, login, session_token, session_metadata=None))]
fn cache_session_data(
    py: Python<'_>,
    host: Option<String>,
    login: String,
    session_token: String,
    session_metadata: Option<String>,
) -> PyResult<()> {
    let site = host_of(py, host)?;
    let token = Secret::new(session_token);
    let metadata = session_metadata.map(Secret::new);
    with_cache(py, move |c| {
        c.cache_session_data(site, &login, &token, metadata.as_ref())
    })
}

/// Clears the session cache for the given site and login.
#[pyfunction]
#[pyo3(signature = (host, login))]
fn delete_session_data(py: Python<'_>, host: Option<String>, login: String) -> PyResult<()> {
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return log(py, "error", "Current host not set, nothing to clear.");
    };
    with_cache(py, move |c| c.delete_session_data(host, &login))
}

/// Returns the current user for the given host, or `None` if not set.
#[pyfunction]
#[pyo3(signature = (host))]
fn get_current_user(py: Python<'_>, host: Option<String>) -> PyResult<Option<String>> {
    let site = host_of(py, host)?;
    with_cache(py, move |c| c.get_current_user(site))
}

/// Saves the current user for a given host and updates the recent user list (the last 8
/// are kept).
#[pyfunction]
#[pyo3(signature = (host, login))]
fn set_current_user(py: Python<'_>, host: Option<String>, login: String) -> PyResult<()> {
    let site = host_of(py, host)?;
    with_cache(py, move |c| c.set_current_user(site, &login))
}

/// Saves the current host and updates the most recent host list (the last 8 are kept).
#[pyfunction]
#[pyo3(signature = (host))]
fn set_current_host(py: Python<'_>, host: Option<String>) -> PyResult<()> {
    with_cache(py, move |c| c.set_current_host::<Site>(host.map(Site::new)))
}

/// Returns the current host (its normalised URL), or `None` if undefined.
#[pyfunction]
fn get_current_host(py: Python<'_>) -> PyResult<Option<String>> {
    with_cache(py, |c| {
        Ok(c.get_current_host().map(|site| {
            if site.given().is_empty() {
                String::new()
            } else {
                site.url().to_owned()
            }
        }))
    })
}

/// Retrieves the list of recently visited hosts, most recent first.
#[pyfunction]
fn get_recent_hosts(py: Python<'_>) -> PyResult<Vec<String>> {
    with_cache(py, |c| {
        Ok(c.get_recent_hosts()
            .iter()
            .map(|s| s.given().to_owned())
            .collect())
    })
}

/// Retrieves the list of recent users of a site, most recent first.
#[pyfunction]
#[pyo3(signature = (site))]
fn get_recent_users(py: Python<'_>, site: Option<String>) -> PyResult<Vec<String>> {
    let site = host_of(py, site)?;
    with_cache(py, move |c| c.get_recent_users(site))
}

/// Returns the preferred authentication method for the given host (tk-core's
/// `METHOD_BASIC`, `METHOD_WEB_LOGIN` or `METHOD_ASL`), or `None` if not set.
#[pyfunction]
#[pyo3(signature = (host))]
fn get_preferred_method(py: Python<'_>, host: Option<String>) -> PyResult<Option<u8>> {
    let site = host_of(py, host)?;
    Ok(with_cache(py, move |c| c.get_preferred_method(site))?.map(LoginMethod::code))
}

/// Saves the preferred authentication method for a given host; an unknown method is
/// ignored, as in tk-core.
#[pyfunction]
#[pyo3(signature = (host, method))]
fn set_preferred_method(
    py: Python<'_>,
    host: Option<String>,
    method: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let Some(method) = method
        .extract::<i64>()
        .ok()
        .and_then(LoginMethod::from_code)
    else {
        return Ok(());
    };
    let site = host_of(py, host)?;
    with_cache(py, move |c| c.set_preferred_method(site, method))
}

/// Adds the functions to the module.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(get_session_data, m)?)?;
    m.add_function(wrap_pyfunction!(cache_session_data, m)?)?;
    m.add_function(wrap_pyfunction!(delete_session_data, m)?)?;
    m.add_function(wrap_pyfunction!(get_current_user, m)?)?;
    m.add_function(wrap_pyfunction!(set_current_user, m)?)?;
    m.add_function(wrap_pyfunction!(set_current_host, m)?)?;
    m.add_function(wrap_pyfunction!(get_current_host, m)?)?;
    m.add_function(wrap_pyfunction!(get_recent_hosts, m)?)?;
    m.add_function(wrap_pyfunction!(get_recent_users, m)?)?;
    m.add_function(wrap_pyfunction!(get_preferred_method, m)?)?;
    m.add_function(wrap_pyfunction!(set_preferred_method, m)?)?;
    Ok(())
}
