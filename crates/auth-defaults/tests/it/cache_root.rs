//! Writes stay inside the cache root and in the user's own folders (Decision 13); files left
//! by killed writers are cleaned up; files being rewritten by a Python process are waited for.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tk_auth_core::Secret;
use tk_auth_defaults::{DefaultsError, Env, SessionCache};

#[cfg(unix)]
use crate::support::mode;
use crate::support::{chmod, symlink, yaml_data};

const SITE: &str = "https://mysite.shotgunstudio.com";

/// A cache root inside a temp folder, with a sibling folder outside the root.
fn root_and_outside() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    (dir, root, outside)
}

fn write(cache: &SessionCache) -> Result<(), DefaultsError> {
    cache.cache_session_data(SITE, "alice", &Secret::new("a"), None)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_cache_file_linked_out_of_the_root_is_refused_and_left_alone() {
    let (_dir, root, outside) = root_and_outside();
    let target = outside.join("theirs.yml");
    std::fs::write(&target, "users:\n- {login: bob, session_token: b}\n").unwrap();
    chmod(&target, 0o644);
    let cache = SessionCache::at(&root);
    let file = cache.site_file(SITE).unwrap();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    symlink(&target, &file);
    let err = write(&cache).unwrap_err();
    assert!(
        matches!(err, DefaultsError::OutsideCacheRoot { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&file.display().to_string()),
        "names the link: {text}"
    );
    assert!(text.contains("SHOTGUN_HOME"), "says how to fix it: {text}");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "users:\n- {login: bob, session_token: b}\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&target), 0o644, "never chmodded");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "no lock or temporary file outside the root"
    );
    // Readers do not follow it either.
    assert!(cache.get_session_data(SITE, "bob").unwrap().is_none());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_site_folder_linked_out_of_the_root_is_refused_and_never_chmodded() {
    let (_dir, root, outside) = root_and_outside();
    chmod(&outside, 0o755);
    let cache = SessionCache::at(&root);
    let folder = cache
        .site_file(SITE)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    symlink(&outside, &folder);
    let err = write(&cache).unwrap_err();
    assert!(
        matches!(err, DefaultsError::OutsideCacheRoot { .. }),
        "{err}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&outside), 0o755, "never chmodded");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_site_folder_linked_out_of_the_root_is_read_as_no_session() {
    let (_dir, root, outside) = root_and_outside();
    let theirs = "users:\n- {login: bob, session_token: b}\ncurrent_user: bob\n";
    std::fs::write(outside.join("authentication.yml"), theirs).unwrap();
    let env = Env::from_pairs([("SHOTGUN_HOME", root.to_str().unwrap())]);
    let cache = SessionCache::from_env_with(&env).unwrap();
    let folder = cache
        .site_file(SITE)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    symlink(&outside, &folder);
    let logs = tk_auth_test_support::logs_of(|| {
        assert!(cache.get_session_data(SITE, "bob").unwrap().is_none());
        assert_eq!(cache.get_current_user(SITE).unwrap(), None);
        assert!(cache.get_recent_users(SITE).unwrap().is_empty());
    });
    assert!(logs.contains("ignoring session cache file"), "{logs}");
    assert!(logs.contains("outside the cache root"), "{logs}");
    assert!(logs.contains(&folder.display().to_string()), "{logs}");
    assert_eq!(
        std::fs::read_to_string(outside.join("authentication.yml")).unwrap(),
        theirs
    );

    // A folder linked to another folder inside the root is still read.
    let inside = root.join("elsewhere");
    std::fs::rename(&outside, &inside).unwrap();
    std::fs::remove_file(&folder).unwrap();
    symlink(&inside, &folder);
    assert!(cache.get_session_data(SITE, "bob").unwrap().is_some());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "makes symbolic links, which Wine (where the Windows tests run) does not make"
)]
fn a_link_to_an_unusable_file_is_refused_never_moved_aside_through_the_link() {
    let (_dir, root, _outside) = root_and_outside();
    let cache = SessionCache::at(&root);
    let file = cache.site_file(SITE).unwrap();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let target = root.join("kept.yml");
    std::fs::write(&target, b"- not a mapping\n").unwrap();
    symlink(&target, &file);
    let err = write(&cache).unwrap_err();
    assert!(
        matches!(err, DefaultsError::UnsafeCacheFile { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("repair or remove"), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"- not a mapping\n");
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no Unix owners to give a folder away to"
)]
fn a_cache_folder_owned_by_another_user_is_refused_naming_it() {
    #[cfg(unix)]
    {
        let (_dir, root, _outside) = root_and_outside();
        let cache = SessionCache::at(&root);
        let file = cache.site_file(SITE).unwrap();
        let folder = file.parent().unwrap();
        std::fs::create_dir_all(folder).unwrap();
        std::fs::write(&file, "users:\n- {login: bob, session_token: b}\n").unwrap();
        chmod(folder, 0o777);
        let me = rustix::process::geteuid().as_raw();
        // Another user: `nobody` when we are root (as in CI containers), else whoever we are not.
        let other = if me == 65534 { 65533 } else { 65534 };
        let owned = rustix::fs::chown(folder, Some(rustix::fs::Uid::from_raw(other)), None);
        if owned.is_err() {
            // Only root can give a folder away; as anyone else, find one that is not ours.
            assert_ne!(me, 0, "root could not chown: {owned:?}");
            return tk_auth_test_support::skip_or_fail(
                "giving a folder to another user needs root",
            );
        }
        let err = write(&cache).unwrap_err();
        assert!(
            matches!(err, DefaultsError::ForeignOwner { owner, .. } if owner == other),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains(&folder.display().to_string()), "{text}");
        assert!(text.contains("chown"), "says how to fix it: {text}");
        assert_eq!(mode(folder), 0o777, "never chmodded");
        assert_eq!(
            std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(folder).unwrap()),
            other
        );
        assert!(
            cache.get_session_data(SITE, "bob").unwrap().is_some(),
            "still readable"
        );
    }
}

#[test]
#[cfg_attr(windows, ignore = "Windows has no Unix file modes")]
fn existing_folders_keep_their_mode_and_only_new_ones_are_made_0700() {
    #[cfg(unix)]
    {
        // SHOTGUN_HOME set to an existing folder such as the home folder, and a site folder
        // that a Python process made with the usual umask.
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        chmod(&home, 0o755);
        let env = Env::from_pairs([("SHOTGUN_HOME", home.to_str().unwrap())]);
        let cache = SessionCache::from_env_with(&env).unwrap();
        let python_site = cache
            .site_file(SITE)
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        std::fs::create_dir(&python_site).unwrap();
        chmod(&python_site, 0o775);
        let other = "https://other.shotgunstudio.com";

        write(&cache).unwrap();
        cache.set_current_host(SITE).unwrap();
        cache
            .cache_session_data(other, "bob", &Secret::new("b"), None)
            .unwrap();

        assert_eq!(mode(&home), 0o755, "the cache root keeps its mode");
        assert_eq!(mode(&python_site), 0o775, "the site folder keeps its mode");
        let new_site = cache.site_file(other).unwrap();
        assert_eq!(
            mode(new_site.parent().unwrap()),
            0o700,
            "a new folder is private"
        );
        for file in [
            cache.site_file(SITE).unwrap(),
            cache.global_file(),
            new_site,
        ] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }

        // A cache root that does not exist yet is created private, with the folders above it.
        let fresh = dir.path().join("fresh/sg");
        let env = Env::from_pairs([("SHOTGUN_HOME", fresh.to_str().unwrap())]);
        write(&SessionCache::from_env_with(&env).unwrap()).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(fresh.parent().unwrap()), 0o700);
    }
}

fn leftovers(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "authentication.yml")
        .collect()
}

#[test]
fn temporary_files_of_killed_writers_are_swept_by_the_next_write_and_by_logout() {
    let dir = tempfile::tempdir().unwrap();
    let cache = SessionCache::at(dir.path());
    write(&cache).unwrap();
    let file = cache.site_file(SITE).unwrap();
    let folder = file.parent().unwrap();
    let temp = folder.join(".authentication.yml.tmp-999999999-0");
    std::fs::write(&temp, "users: [half").unwrap();
    cache
        .cache_session_data(SITE, "bob", &Secret::new("b"), None)
        .unwrap();
    assert!(leftovers(folder).is_empty(), "{:?}", leftovers(folder));

    std::fs::write(&temp, "users: [half").unwrap();
    cache.delete_session_data(SITE, "bob").unwrap();
    assert!(leftovers(folder).is_empty(), "{:?}", leftovers(folder));
    assert!(cache.get_session_data(SITE, "alice").unwrap().is_some());
}

/// Rewrites `file` the way a Python writer does: truncate, pause, then write.
fn python_style_rewrite(file: &Path, first: &[u8], pause: Duration, content: &'static str) {
    std::fs::write(file, first).unwrap();
    let file = file.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(pause);
        std::fs::write(&file, content).unwrap();
    });
}

#[test]
fn a_file_being_rewritten_by_python_is_read_again_not_treated_as_empty_or_corrupt() {
    let content = "users:\n- {login: bob, session_token: b}\ncurrent_user: bob\n";
    for (what, first) in [
        ("empty", &b""[..]),
        ("half written", &b"users:\n- {login: bob, sess"[..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cache = SessionCache::at(dir.path());
        let file = cache.site_file(SITE).unwrap();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();

        python_style_rewrite(&file, first, Duration::from_millis(300), content);
        write(&cache).unwrap();
        let data = yaml_data(&std::fs::read_to_string(&file).unwrap());
        assert_eq!(
            data["users"].as_array().unwrap().len(),
            2,
            "{what}: bob kept: {data}"
        );
        assert!(
            leftovers(file.parent().unwrap()).is_empty(),
            "{what}: nothing moved aside"
        );

        python_style_rewrite(&file, first, Duration::from_millis(300), content);
        assert!(
            cache.get_session_data(SITE, "bob").unwrap().is_some(),
            "{what}: a reader waits too"
        );
    }
}
