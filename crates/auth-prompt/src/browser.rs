//! Opening a page in the person's browser with the desktop's opener: the approval page of
//! a browser login, the "forgot password" page of the login window.

use std::process::{Command, Stdio};

/// Opens `url` with the platform's opener (`xdg-open`, `open`, `start`) and says whether
/// the opener started. It does not wait for the browser.
pub fn open_in_browser(url: &str) -> bool {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        // `start` is a shell built-in; its first quoted argument is a window title.
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}
