//! The `site_layout` vectors: per-site cache folder names, current and legacy layouts.

use tk_auth_core::Site;

fn site_folder_name(host: &str) -> String {
    Site::new(host).folder_name()
}

fn legacy_site_folder_name(host: &str) -> String {
    Site::new(host).legacy_folder_name()
}

use crate::fixtures;

#[test]
fn site_folder_names_match_python() {
    let layout = fixtures::json("site_layout.json");
    let cases = layout["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    let mut checked = 0;
    for case in cases {
        let hosts = case["inputs"]["hosts"].as_array().unwrap();
        for (i, host) in hosts.iter().enumerate() {
            let host = host.as_str().unwrap();
            let expected = &case["expected"]["hosts"][i];
            let v18 = expected["site_root_v18"]["returns"].as_str().unwrap();
            let v17 = expected["site_root_v17"]["returns"].as_str().unwrap();
            assert_eq!(
                format!("{{SHOTGUN_HOME}}/{}", site_folder_name(host)),
                v18,
                "{host}"
            );
            assert_eq!(
                format!("{{SHOTGUN_HOME}}/{}", legacy_site_folder_name(host)),
                v17,
                "{host}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

#[test]
fn site_names_are_removed_anywhere_like_python() {
    assert_eq!(site_folder_name("https://a.shotgunstudio.com.b"), "a.b");
    assert_eq!(site_folder_name("https://user:pw@host"), "user");
    assert_eq!(site_folder_name(""), "");
}
