//! The console prompter writes a site's text as text: run in a child process, whose stderr
//! (where the prompter writes) the test reads whole.

use std::process::Stdio;

use tk_auth_prompt::{
    ApprovalQuestion, ConsolePrompter, Env, ErrorNotice, Prompter, RenewalNotice,
};
use tk_auth_test_support::child;

const CHILD: &str = "console::child_shows_hostile_site_text";

/// Sets the window title, clears the screen, a CSI in its one-character C1 form, a
/// right-to-left override, and a line break that would forge a line of its own.
const HOSTILE: &str = "\x1b]0;owned\x07Bob\x1b[2J\u{9b}31m\u{202e}moc.evil\nhint: run this";
/// The same, as a terminal shows it now.
const SHOWN: &str = r"\u{1b}]0;owned\u{7}Bob\u{1b}[2J\u{9b}31m\u{202e}moc.evil\nhint: run this";

#[test]
fn the_console_prompter_shows_a_site_s_text_and_never_hands_it_to_the_terminal() {
    let out = child::command(CHILD).stdin(Stdio::null()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "{stderr}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for c in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(
            !stderr.contains(c),
            "{c:?} reached the terminal: {stderr:?}"
        );
    }
    // The error, the renewal notice and the approval page, each on its one line.
    assert!(stderr.lines().any(|l| l == SHOWN), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == format!("{SHOWN}, your current session has expired.")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l == format!("  https://site.example/{SHOWN}")),
        "{stderr}"
    );
    assert!(!stderr.lines().any(|l| l.starts_with("hint:")), "{stderr}");
}

#[test]
#[ignore = "run by the_console_prompter_shows_a_site_s_text_and_never_hands_it_to_the_terminal"]
fn child_shows_hostile_site_text() {
    child::enter(CHILD);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let prompter = ConsolePrompter::new()
            .environment(Env::from_pairs([("NO_COLOR", "1")]))
            .open_browser(false);
        prompter
            .show_error(&ErrorNotice {
                site: "https://site.example".into(),
                login: None,
                message: HOSTILE.to_owned(),
            })
            .await;
        prompter
            .session_expired(&RenewalNotice {
                site: "https://site.example".into(),
                login: HOSTILE.to_owned(),
            })
            .await
            .unwrap();
        // The page's line is written when the wait starts; the wait itself is dropped.
        let question = ApprovalQuestion {
            site: "https://site.example".into(),
            login: None,
            url: format!("https://site.example/{HOSTILE}"),
        };
        tokio::select! {
            biased;
            _ = prompter.approve_in_browser(&question) => {}
            () = std::future::ready(()) => {}
        }
    });
}
