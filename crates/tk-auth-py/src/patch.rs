//! `patch_tk_core()` / `unpatch_tk_core()` / `is_patched()`: written in Python
//! (`patch.py`, compiled into the module), as they only move Python objects around.

use std::ffi::CString;

use pyo3::prelude::*;

/// The Python source of the patching functions.
const SOURCE: &str = include_str!("patch.py");

/// Loads `patch.py` as `tk_auth._patch` and adds its functions to the module.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let code = CString::new(SOURCE)?;
    let patch = PyModule::from_code(py, &code, c"tk_auth/patch.py", c"tk_auth._patch")?;
    for name in ["patch_tk_core", "unpatch_tk_core", "is_patched"] {
        m.add(name, patch.getattr(name)?)?;
    }
    m.add("_patch", patch)?;
    Ok(())
}
