//! What `tk-auth login --password-stdin` reads from standard input: at most
//! [`MAX_INPUT`] bytes holding the password, and with `--code-stdin` the two-factor code on
//! the line after it.

use std::io::Read;

use tk_auth::Secret;

use crate::exit::Failure;

/// The most standard input may hold (64 KiB): a password is far shorter, and a pipe that
/// never ends (`yes | tk-auth login …`) must not fill the memory.
pub(crate) const MAX_INPUT: u64 = 64 * 1024;

/// The answers given in advance on standard input.
pub(crate) struct PipedAnswers {
    /// The password.
    pub(crate) password: Secret,
    /// The two-factor code, with `--code-stdin`.
    pub(crate) code: Option<Secret>,
}

/// Reads `input` (standard input) to its end, refusing more than [`MAX_INPUT`] bytes.
///
/// Without `with_code`, the password is everything less one trailing newline (`\n` or
/// `\r\n`), otherwise as given. With it, the password is the first line and the code the
/// second (spaces around the code are dropped). Errors never contain what was read.
pub(crate) fn read(input: impl Read, with_code: bool) -> Result<PipedAnswers, Failure> {
    let mut bytes = Vec::new();
    input
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Failure::bad_input(
                anyhow::Error::new(e).context("reading the password from standard input"),
            )
        })?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_INPUT {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "standard input holds more than {MAX_INPUT} bytes (64 KiB), the most --password-stdin \
             reads: nothing was sent or stored"
        ))
        .hint("pipe the password alone (and with --code-stdin the code on the next line)"));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::bad_input(anyhow::anyhow!(
            "the password on standard input is not UTF-8"
        ))
    })?;
    let (password, code) = if with_code {
        let (password, code) = split_code(&text)?;
        (password, Some(code))
    } else {
        (strip_one_newline(&text), None)
    };
    if password.is_empty() {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "no password on standard input (--password-stdin)"
        )));
    }
    Ok(PipedAnswers {
        password: Secret::new(password),
        code,
    })
}

/// The password (first line) and the code (second line) of `--code-stdin`.
fn split_code(text: &str) -> Result<(&str, Secret), Failure> {
    let no_code = || {
        Failure::bad_input(anyhow::anyhow!(
            "no two-factor code on standard input: --code-stdin reads it from the line after \
             the password"
        ))
    };
    let (password, rest) = text.split_once('\n').ok_or_else(no_code)?;
    let password = password.strip_suffix('\r').unwrap_or(password);
    let code = strip_one_newline(rest);
    if code.contains('\n') {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "more than two lines on standard input: --code-stdin reads the password, then the \
             two-factor code, one line each"
        )));
    }
    let code = code.trim();
    if code.is_empty() {
        return Err(no_code());
    }
    Ok((password, Secret::new(code)))
}

fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, with_code: bool) -> Result<PipedAnswers, Failure> {
        read(text.as_bytes(), with_code)
    }

    #[test]
    fn one_trailing_newline_is_removed_and_nothing_else() {
        assert_eq!(strip_one_newline("pw\n"), "pw");
        assert_eq!(strip_one_newline("pw\r\n"), "pw");
        assert_eq!(strip_one_newline(" pw \n\n"), " pw \n");
        assert_eq!(strip_one_newline(" pw "), " pw ");
    }

    #[test]
    fn with_code_the_password_is_the_first_line_and_the_code_the_second() {
        let answers = read_text(" pw \r\n 123456 \n", true).unwrap();
        assert_eq!(answers.password.expose(), " pw ");
        assert_eq!(answers.code.unwrap().expose(), "123456");
        let answers = read_text("pw\n123456", true).unwrap();
        assert_eq!(answers.code.unwrap().expose(), "123456");
        for (input, expected) in [
            ("pw", "no two-factor code"),
            ("pw\n", "no two-factor code"),
            ("pw\n  \n", "no two-factor code"),
            ("pw\n1\n2\n", "more than two lines"),
            ("\n123456\n", "no password"),
        ] {
            let e = read_text(input, true).err().unwrap();
            assert_eq!(e.code(), 2, "{input:?}");
            assert!(format!("{e:?}").contains(expected), "{input:?}: {e:?}");
        }
    }

    #[test]
    fn input_up_to_the_bound_is_read_and_one_byte_more_is_refused() {
        let bound = usize::try_from(MAX_INPUT).unwrap();
        let answers = read(vec![b'p'; bound].as_slice(), false).unwrap();
        assert_eq!(answers.password.expose().len(), bound);
        let e = read(vec![b'p'; bound + 1].as_slice(), false).err().unwrap();
        assert_eq!(e.code(), 2);
        let shown = format!("{e:?}");
        assert!(shown.contains("more than 65536 bytes"), "{shown}");
        assert!(!shown.contains("ppp"), "{shown}");
    }
}
