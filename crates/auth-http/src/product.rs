//! The product name a browser-approval request shows the person (`appName`), and the
//! machine it comes from (`machineId`).

use std::path::Path;

use crate::Env;
use crate::env::{SHOTGUN_FLAME_CONFIGPATH, SHOTGUN_FLAME_VERSION, TK_AUTH_PRODUCT};

/// The product name when nothing else says it.
pub const PRODUCT_DEFAULT: &str = "Flow Production Tracking Toolkit";
/// The desktop app's product name.
pub const PRODUCT_DESKTOP: &str = "FPTR desktop app";

/// Resolves the product name as the Python Toolkit does, first match wins: `explicit`,
/// `TK_AUTH_PRODUCT` (empty values are skipped), an executable named `shotgun` (the desktop app), Flame's variables
/// (`Flame <version>`), then [`PRODUCT_DEFAULT`].
///
/// ```
/// use tk_auth_http::{Env, product_name};
///
/// let env = Env::from_pairs([("TK_AUTH_PRODUCT", "My Tool")]);
/// assert_eq!(product_name(Some("RV"), &env, None), "RV");
/// assert_eq!(product_name(None, &env, None), "My Tool");
/// let none = Env::empty();
/// assert_eq!(product_name(None, &none, Some("/opt/Shotgun".as_ref())), "FPTR desktop app");
/// assert_eq!(product_name(None, &none, Some("/usr/bin/tk-auth".as_ref())), "Flow Production Tracking Toolkit");
/// ```
pub fn product_name(explicit: Option<&str>, env: &Env, executable: Option<&Path>) -> String {
    if let Some(product) = explicit.filter(|p| !p.is_empty()) {
        return product.to_owned();
    }
    if let Some(product) = env.var(TK_AUTH_PRODUCT).filter(|p| !p.is_empty()) {
        return product;
    }
    if executable
        .and_then(Path::file_stem)
        .and_then(|stem| stem.to_str())
        .is_some_and(|stem| stem.eq_ignore_ascii_case("shotgun"))
    {
        return PRODUCT_DESKTOP.to_owned();
    }
    if env.var(SHOTGUN_FLAME_CONFIGPATH).is_some()
        && let Some(version) = env.var(SHOTGUN_FLAME_VERSION)
    {
        return format!("Flame {version}");
    }
    PRODUCT_DEFAULT.to_owned()
}

/// This computer's host name (Python's `platform.node()`), sent as `machineId`.
pub fn machine_id() -> String {
    tk_auth_core::env::hostname()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flame_variables_name_flame_with_its_version() {
        let env = Env::from_pairs([
            (SHOTGUN_FLAME_CONFIGPATH, "/opt/flame"),
            (SHOTGUN_FLAME_VERSION, "2025.1"),
        ]);
        assert_eq!(product_name(None, &env, None), "Flame 2025.1");
        let only_path = Env::from_pairs([(SHOTGUN_FLAME_CONFIGPATH, "/opt/flame")]);
        assert_eq!(product_name(None, &only_path, None), PRODUCT_DEFAULT);
    }

    #[test]
    fn empty_names_are_skipped() {
        // Python would send an empty name and then fail an assertion; the next source is
        // more useful.
        let env = Env::from_pairs([(TK_AUTH_PRODUCT, "")]);
        assert_eq!(product_name(Some(""), &env, None), PRODUCT_DEFAULT);
    }

    #[test]
    fn the_machine_id_is_the_host_name() {
        assert!(!machine_id().is_empty());
    }
}
