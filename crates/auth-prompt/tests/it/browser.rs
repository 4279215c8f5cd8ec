//! The browser opener, driven for real: `BROWSER` names this test binary, re-run as a
//! stand-in browser that records the arguments it was given.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tk_auth_prompt::{Env, Url, open_in_browser_with};

/// The stand-in browser: the ignored test at the end of this file, named by a filter that
/// matches it alone (its full path would hold `::`, and `:` separates `BROWSER` entries).
const STAND_IN: &str = "child_records_its_arguments";
/// The file the stand-in writes its arguments to, `\0` between them.
const RECORD: &str = "arguments";

/// Addresses a site could send, with what shells read: `cmd`'s `&`, `|`, `^`, `%VAR%`, a
/// POSIX shell's `;`, `$(…)` and backquotes, quotes, spaces, line breaks, `%` forms,
/// non-ASCII text and a right-to-left override.
const HOSTILE: &[&str] = &[
    "https://site.example/approve?id=1&calc",
    "https://site.example/approve?id=1&&calc.exe&rem",
    "https://site.example/a|calc?b=c|whoami",
    "https://site.example/a^&calc^?x=^^",
    "https://site.example/\"quoted\"/'single'?q=\"&calc",
    "https://site.example/with space?q=a b&c d",
    "https://site.example/line\nbreak?a=1\r\n&calc",
    "https://site.example/%41%zz%%s%25?x=%00%0d%0a%26calc",
    "https://site.example/$(touch x)`id`;calc?a=%USERPROFILE%",
    "https://site.example/\u{fc}n\u{ef}code/\u{202e}fdp.exe",
    "https://site.example/#frag&calc",
];

/// A `BROWSER` value naming `missing` first (a program that does not exist, so that the
/// opener must go on to the next entry), then the stand-in, which records into `dir`.
fn browser_variable(dir: &Path, missing: &str, separator: char) -> (Env, PathBuf) {
    let record = dir.join(RECORD);
    let exe = std::env::current_exe().unwrap();
    let stand_in = format!(
        "'{}' {STAND_IN} '{}' --ignored --test-threads=1 %s",
        exe.display(),
        record.display()
    );
    let value = format!("{missing}{separator}{stand_in}");
    (Env::from_pairs([("BROWSER", value)]), record)
}

/// The arguments the stand-in recorded. The opener does not wait for the browser, so this
/// waits for the record to appear (written whole, then renamed); the bound is a safety net.
fn recorded(record: &Path) -> Vec<String> {
    for _ in 0..6_000 {
        if let Ok(text) = std::fs::read_to_string(record) {
            return text.split('\0').map(str::to_owned).collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the stand-in browser never wrote {}", record.display());
}

fn every_hostile_page_reaches_the_browser_as_one_canonical_argument(
    missing: &str,
    separator: char,
) {
    for raw in HOSTILE {
        let page = Url::parse(raw).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (env, record) = browser_variable(dir.path(), missing, separator);
        assert!(open_in_browser_with(&env, &page), "{raw:?}");
        let record_arg = record.display().to_string();
        assert_eq!(
            recorded(&record),
            [
                STAND_IN,
                &record_arg,
                "--ignored",
                "--test-threads=1",
                page.as_str()
            ],
            "{raw:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn hostile_pages_reach_the_browser_as_one_argument_equal_to_the_canonical_url() {
    every_hostile_page_reaches_the_browser_as_one_canonical_argument(
        "/nonexistent/tk-auth-no-such-browser",
        ':',
    );
}

#[cfg(windows)]
#[test]
fn hostile_pages_reach_the_browser_as_one_argument_on_windows_with_no_shell_between() {
    // Through `cmd /C start`, each `&` or `|` above would have started a command and the
    // browser would have got the page cut short; started directly, it gets it whole.
    every_hostile_page_reaches_the_browser_as_one_canonical_argument(
        r"C:\nonexistent\tk-auth-no-such-browser.exe",
        ';',
    );
}

#[test]
fn pages_that_are_not_on_the_web_are_never_handed_to_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let separator = if cfg!(windows) { ';' } else { ':' };
    let (env, record) = browser_variable(dir.path(), "", separator);
    for page in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:someone@site.example",
        "ftp://site.example/x",
    ] {
        // The stand-in would start and report success: a `false` means it was not asked.
        assert!(
            !open_in_browser_with(&env, &Url::parse(page).unwrap()),
            "{page}"
        );
    }
    assert!(!record.exists());
}

#[test]
#[ignore = "the stand-in browser of the tests above, started through BROWSER"]
fn child_records_its_arguments() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let record = match args.as_slice() {
        [name, record, ..]
            if name == STAND_IN && Path::new(record).file_name() == Some(RECORD.as_ref()) =>
        {
            PathBuf::from(record)
        }
        _ => panic!(
            "`{STAND_IN}` is the stand-in browser of the browser tests and does nothing on its \
             own: it runs only when their opener starts it (its arguments were {args:?})"
        ),
    };
    let partial = record.with_extension("partial");
    std::fs::write(&partial, args.join("\0")).unwrap();
    std::fs::rename(&partial, &record).unwrap();
}
