//! `tk_auth`, a Python extension module: tk-auth's locked session cache, its bounded
//! payload decoder and its Flow token store, with the names, arguments, return values and
//! exceptions of tk-core's `tank.authentication.session_cache`, `serialize_user` /
//! `deserialize_user` and `tank_vendor.adsk_auth.file_store`.
//!
//! Every call reads `os.environ` when it is made (`SHOTGUN_HOME` …), as tk-core does. File
//! work runs on a worker thread while the calling thread waits without the GIL, checking
//! for signals every 50 ms: Ctrl-C raises `KeyboardInterrupt` in Python within that time,
//! even while another process holds the lock (the worker then finishes or gives up on its
//! own, within the lock's wait limit).

mod blocking;
mod errors;
mod flow_store;
mod patch;
mod payload;
mod session_cache;

use pyo3::prelude::*;

/// The module `tk_auth`.
#[pymodule]
fn tk_auth(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::add_classes(m)?;
    session_cache::add(m)?;
    payload::add(m)?;
    flow_store::add(m)?;
    patch::add(m)?;
    Ok(())
}
