//! Opening a page in the person's browser: the approval page of a browser login, the
//! "forgot password" page of the login window.
//!
//! The page's address often comes from the site, so it is handed over as a parsed and
//! re-serialised [`Url`], and always as one argument of a program started directly, never
//! through a shell: on Windows, `cmd /C start` would run whatever follows a `&`, `|` or `^`
//! in the address as commands.

use std::process::{Command, Stdio};

use tk_auth_core::Env;
use tk_auth_core::env::BROWSER;
use url::Url;

/// Opens `url` in the browser, reading `BROWSER` from the process environment; see
/// [`open_in_browser_with`].
pub fn open_in_browser(url: &Url) -> bool {
    open_in_browser_with(&Env::process(), url)
}

/// Opens `url` in the browser and says whether a browser or opener started; it does not wait
/// for the browser.
///
/// Only `https://` and `http://` pages are opened (anything else returns `false`). The
/// programs named in `BROWSER` (read from `env`) are tried first, in order, as Python's
/// `webbrowser` module does; then the system's opener: `ShellExecuteExW` on Windows,
/// `open` on macOS, `xdg-open` (or `gio`, `gnome-open`, `kde-open`) elsewhere. Each gets the
/// page as exactly one argument, and no shell is involved.
///
/// ```no_run
/// use tk_auth_prompt::{Env, Url, open_in_browser_with};
///
/// let page = Url::parse("https://mysite.shotgunstudio.com/user/forgot_password").unwrap();
/// let env = Env::from_pairs([("BROWSER", "firefox")]);
/// if !open_in_browser_with(&env, &page) {
///     eprintln!("open {page} by hand");
/// }
/// ```
pub fn open_in_browser_with(env: &Env, url: &Url) -> bool {
    if !matches!(url.scheme(), "https" | "http") {
        tracing::warn!(
            scheme = url.scheme(),
            "only http and https pages are opened in the browser"
        );
        return false;
    }
    let page = url.as_str();
    if let Some(choices) = env.var(BROWSER) {
        // Split as Python splits it (`os.pathsep`, no quoting), so that quotes stay for the
        // words of an entry.
        let separator = if cfg!(windows) { ';' } else { ':' };
        for choice in choices.split(separator).map(str::trim) {
            if choice.is_empty() {
                continue;
            }
            let Some(command) = browser_command(choice, page) else {
                tracing::warn!(
                    browser = choice,
                    "a BROWSER entry with an unbalanced quote, or with %s as its program, is ignored"
                );
                continue;
            };
            if start(command) {
                return true;
            }
        }
    }
    match open::that_detached(page) {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!(error = %e, "the system's opener could not be started");
            false
        }
    }
}

/// The command for one `BROWSER` entry, as Python's `webbrowser` reads it: an entry with
/// `%s` is split into words as a POSIX shell would (no shell is run), `%s` standing for the
/// page; any other entry is one program (its path may hold spaces) given the page as its
/// only argument. `None` for an entry that cannot be split (an unbalanced quote) or whose
/// program is the page.
fn browser_command(choice: &str, page: &str) -> Option<Command> {
    let (program, args) = if choice.contains("%s") {
        let mut words = shlex::split(choice)?.into_iter();
        // The page is never the program: it would be looked for as a file.
        let program = words.next().filter(|p| !p.contains("%s"))?;
        // Substituted per word, so the page stays one argument whatever it holds.
        let args: Vec<String> = words.map(|w| w.replace("%s", page)).collect();
        (program, args)
    } else {
        (choice.to_owned(), vec![page.to_owned()])
    };
    let mut command = Command::new(program);
    command.args(args);
    Some(command)
}

/// Starts `command` without waiting for it; a thread reaps it when it ends, as a browser
/// started for the first time runs until it is closed.
fn start(mut command: Command) -> bool {
    let started = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => {
            let reaper = std::thread::Builder::new()
                .name("browser-reaper".to_owned())
                .spawn(move || child.wait());
            if let Err(e) = reaper {
                tracing::debug!(error = %e, "the browser is left unreaped");
            }
            true
        }
        Err(e) => {
            tracing::debug!(program = ?command.get_program(), error = %e, "could not start");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://site.example/a?b=1&c|d^e";

    fn words(choice: &str) -> Vec<String> {
        let command = browser_command(choice, PAGE).unwrap();
        std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_plain_entry_is_one_program_even_with_spaces_in_its_path() {
        assert_eq!(words("firefox"), ["firefox", PAGE]);
        assert_eq!(
            words(r"C:\Program Files\Mozilla Firefox\firefox.exe"),
            [r"C:\Program Files\Mozilla Firefox\firefox.exe", PAGE]
        );
    }

    #[test]
    fn an_entry_with_percent_s_is_split_into_words_and_the_page_stays_one_word() {
        assert_eq!(
            words("firefox --new-tab %s"),
            ["firefox", "--new-tab", PAGE]
        );
        assert_eq!(
            words("'/opt/my browser/run' --url=%s \"two words\""),
            ["/opt/my browser/run", &format!("--url={PAGE}"), "two words"]
        );
        // `;` and `$(…)` are only text: no shell reads them.
        assert_eq!(
            words("echo %s; $(reboot)"),
            ["echo", &format!("{PAGE};"), "$(reboot)"]
        );
    }

    #[test]
    fn an_entry_with_an_unbalanced_quote_or_the_page_as_its_program_is_refused() {
        assert!(browser_command("'firefox %s", PAGE).is_none());
        assert!(browser_command("%s --new-tab", PAGE).is_none());
        assert!(browser_command("x%s", PAGE).is_none());
    }
}
