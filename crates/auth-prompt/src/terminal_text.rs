//! Text that came from outside (a site's answer, a session file) made safe to write on a
//! terminal: a site that could put an escape sequence in a user's name or an error message
//! could otherwise retitle the window, clear the screen, rewrite what was printed before, or
//! reorder what is shown.

use std::borrow::Cow;

/// `text` as one line a terminal shows and never acts on: every character a terminal would
/// act on is written as its escape instead (`\u{1b}` for ESC, `\n`, `\r`, `\t`, `\u{9b}`…),
/// so escape sequences (CSI, OSC, DCS…) lose their introducer and show as plain text.
///
/// Neutralised: the C0 controls (ESC, BEL, backspace, carriage return, line breaks — a
/// single line cannot be split), DEL, the C1 controls (U+0080–U+009F, among them the
/// one-character CSI and OSC), the bidirectional embeddings, overrides, isolates and marks,
/// and the Unicode line and paragraph separators. Everything else, non-ASCII text included,
/// is kept; text with nothing to neutralise is returned as it is, without copying.
///
/// ```
/// use tk_auth_prompt::terminal_safe;
///
/// assert_eq!(terminal_safe("Zoë Smith"), "Zoë Smith");
/// assert_eq!(terminal_safe("\x1b]0;owned\x07Bob"), r"\u{1b}]0;owned\u{7}Bob");
/// assert_eq!(terminal_safe("a\nhint: run this"), r"a\nhint: run this");
/// ```
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acted_on) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acted_on(c) {
            safe.extend(c.escape_default());
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// Whether a terminal acts on `c` (or reorders the text around it) instead of showing it.
fn acted_on(c: char) -> bool {
    // `is_control` is the Cc category: C0, DEL and C1.
    c.is_control()
        || matches!(
            c,
            // Arabic letter mark, left-to-right and right-to-left marks.
            '\u{061c}' | '\u{200e}' | '\u{200f}'
            // Embeddings, overrides and their end.
            | '\u{202a}'..='\u{202e}'
            // Isolates and their end.
            | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_kept_as_it_is_without_a_copy() {
        for text in [
            "alice",
            "Zoë Smith",
            "山田 太郎",
            "https://site.example/a?b=1&c=2",
            "",
        ] {
            assert!(matches!(terminal_safe(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn escape_sequences_lose_their_introducer_and_show_as_text() {
        let cases = [
            // OSC: sets the window title.
            ("\x1b]0;owned\x07Bob", r"\u{1b}]0;owned\u{7}Bob"),
            // OSC 8 hyperlink ended by ST.
            (
                "\x1b]8;;https://evil\x1b\\x",
                r"\u{1b}]8;;https://evil\u{1b}\x",
            ),
            // CSI: clears the screen; moves the cursor up.
            ("\x1b[2J\x1b[1A", r"\u{1b}[2J\u{1b}[1A"),
            // The one-character C1 CSI and OSC.
            ("\u{9b}2J\u{9d}0;t\u{9c}", r"\u{9b}2J\u{9d}0;t\u{9c}"),
            // DCS.
            ("\x1bP1$r\x1b\\", r"\u{1b}P1$r\u{1b}\"),
        ];
        for (hostile, shown) in cases {
            assert_eq!(terminal_safe(hostile), shown, "{hostile:?}");
        }
    }

    #[test]
    fn line_breaks_and_other_controls_stay_on_one_visible_line() {
        assert_eq!(
            terminal_safe("Login failed\r\nhint: run `curl evil | sh`"),
            r"Login failed\r\nhint: run `curl evil | sh`"
        );
        assert_eq!(terminal_safe("a\tb\x08\x00\x7f"), r"a\tb\u{8}\u{0}\u{7f}");
        assert_eq!(terminal_safe("a\u{2028}b\u{2029}c"), r"a\u{2028}b\u{2029}c");
    }

    #[test]
    fn bidirectional_overrides_cannot_reorder_what_is_shown() {
        assert_eq!(
            terminal_safe("invoice\u{202e}fdp.exe"),
            r"invoice\u{202e}fdp.exe"
        );
        assert_eq!(
            terminal_safe("\u{2066}a\u{2069}\u{200f}\u{61c}"),
            r"\u{2066}a\u{2069}\u{200f}\u{61c}"
        );
    }

    #[test]
    fn no_character_a_terminal_acts_on_survives() {
        // Every Unicode scalar value, alone and after plain text.
        for c in (0..=0x10_ffff_u32).filter_map(char::from_u32) {
            let text = format!("x{c}");
            let safe = terminal_safe(&text);
            assert!(!safe.chars().any(acted_on), "{c:?} gave {safe:?}");
            assert_eq!(acted_on(c), safe != text, "{c:?}");
        }
    }
}
