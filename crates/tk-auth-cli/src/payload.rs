//! `tk-auth payload export|encode|decode`: the serialized users Toolkit processes hand each
//! other.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use tk_auth::core::cookies::{get_saml_claims_expiration, get_session_expiration};
use tk_auth::core::{
    Format, Payload, REDACTED, ScriptUser, Secret, SessionUser, User, deserialize_user,
    redact_proxy_password, redact_url_credentials, serialize_user,
};

use tk_auth::blocking::ShotgunAuthenticator;
use tk_auth::{Defaults, NonInteractivePrompter};

use crate::exit::{Failure, Outcome};

/// Encode or decode serialized users.
#[derive(Debug, Subcommand)]
pub(crate) enum PayloadCommand {
    /// Print the default user's payload, as Python's `serialize_user(get_default_user())`.
    ///
    /// What a launcher puts in a child process's environment; no network is used. Exit
    /// code 4 when nobody is logged in.
    Export(ExportArgs),
    /// Print what a serialized user (JSON or pickle, as Python writes them) holds, as one JSON object.
    Decode(DecodeArgs),
    /// Print the payload Python would write for a user described by `payload decode --show-secrets` JSON.
    Encode(EncodeArgs),
}

/// Options of `tk-auth payload decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// The file holding the payload, or `-` for standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    input: PathBuf,
    /// Print the session token, api key, cookies and the passwords of the host and proxy
    /// instead of `<redacted>`.
    #[arg(long)]
    show_secrets: bool,
}

/// Options of `tk-auth payload encode`.
#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    /// The file holding the user as JSON, or `-` for standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    input: PathBuf,
    /// The payload format: JSON (`serialize_user(user, use_json=True)`) or pickle protocol 0.
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
}

/// Options of `tk-auth payload export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The payload format: JSON (`serialize_user(user, use_json=True)`) or pickle protocol 0
    /// (Python's default).
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
}

/// The payload formats, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Pickle,
}

/// Runs a `payload` subcommand.
pub(crate) fn run(cmd: PayloadCommand) -> Outcome {
    match cmd {
        PayloadCommand::Export(args) => export(&args),
        PayloadCommand::Decode(args) => decode(&args),
        PayloadCommand::Encode(args) => encode(&args),
    }
}

fn read_input(input: &PathBuf) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    if input.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")
            .map_err(Failure::bad_input)?;
    } else {
        bytes = std::fs::read(input)
            .with_context(|| format!("reading {}", input.display()))
            .map_err(Failure::bad_input)?;
    }
    Ok(bytes)
}

fn write_output(text: &str) {
    crate::output::write_all(text.as_bytes());
}

fn decode(args: &DecodeArgs) -> Outcome {
    let bytes = read_input(&args.input)?;
    // Text is what Python hands over (an environment variable); bytes that are not UTF-8
    // can only be a raw pickle.
    let payload = match std::str::from_utf8(&bytes) {
        Ok(text) => Payload::Text(text),
        Err(_) => Payload::Bytes(&bytes),
    };
    let user = deserialize_user(payload)
        .context("decoding the payload")
        .map_err(Failure::bad_input)?;
    let described = describe(&user, args.show_secrets).map_err(Failure::bad_input)?;
    let mut text = serde_json::to_string_pretty(&described)
        .context("formatting the user")
        .map_err(Failure::failed)?;
    text.push('\n');
    write_output(&text);
    Ok(())
}

fn describe(user: &User, show_secrets: bool) -> anyhow::Result<Value> {
    let secret = |s: &Secret| {
        if show_secrets {
            s.expose().to_owned()
        } else {
            REDACTED.to_owned()
        }
    };
    let proxy = user.http_proxy().map(|p| {
        if show_secrets {
            p.to_owned()
        } else {
            redact_proxy_password(p)
        }
    });
    // A host may carry `user:password@`, and `repr` shows the host.
    let host = if show_secrets {
        user.host().to_owned()
    } else {
        redact_url_credentials(user.host())
    };
    let repr = user.repr();
    let repr = match repr.strip_suffix(&format!("{}>", user.host())) {
        Some(start) => format!("{start}{host}>"),
        None => repr,
    };
    let metadata = user.session_metadata().map(Secret::expose);
    let (claims, session) = match user {
        User::Session(_) => (
            get_saml_claims_expiration(metadata)?,
            get_session_expiration(metadata),
        ),
        User::Script(_) => (None, None),
    };
    let (token, api_script, api_key) = match user {
        User::Session(u) => (Some(secret(u.session_token())), None, None),
        User::Script(u) => (None, Some(u.api_script()), Some(secret(u.api_key()))),
    };
    Ok(json!({
        "type": user.impl_type(),
        "class": user.class()?.as_str(),
        "host": host,
        "http_proxy": proxy,
        "login": user.login(),
        "session_token": token,
        "session_metadata": user.session_metadata().map(secret),
        "api_script": api_script,
        "api_key": api_key,
        "str": user.to_string(),
        "repr": repr,
        "claims_expiration": claims,
        "session_expiration": session,
    }))
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Json => Format::Json,
            FormatArg::Pickle => Format::Pickle,
        }
    }
}

/// Prints the default user's payload, without a trailing newline: the bytes are exactly
/// Python's, ready for `VAR=$(tk-auth payload export)`.
fn export(args: &ExportArgs) -> Outcome {
    let defaults = Defaults::from_env().map_err(Failure::bad_input)?;
    // Read from the files on this thread: no runtime, no network.
    let user = ShotgunAuthenticator::new(defaults, NonInteractivePrompter)
        .get_default_user()
        .map_err(|e| Failure::failed(anyhow::Error::new(e).context("reading the default user")))?
        .ok_or_else(|| {
            Failure::auth_required(anyhow!("no one is logged in (no default user)"))
                .hint("run `tk-auth login`")
        })?;
    write_output(&tk_auth::serialize_user(&user, args.format.into()));
    Ok(())
}

fn encode(args: &EncodeArgs) -> Outcome {
    let bytes = read_input(&args.input)?;
    let user = user_from_json(&bytes)
        .context("reading the user description")
        .map_err(Failure::bad_input)?;
    write_output(&serialize_user(&user, args.format.into()));
    Ok(())
}

fn user_from_json(bytes: &[u8]) -> anyhow::Result<User> {
    let value: Value = serde_json::from_slice(bytes).context("the input is not JSON")?;
    let Value::Object(fields) = value else {
        bail!("the input must be a JSON object like `payload decode` prints");
    };
    let text = |name: &str| -> anyhow::Result<Option<String>> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(anyhow!("`{name}` must be a string or null")),
        }
    };
    let secret = |name: &str| -> anyhow::Result<Option<Secret>> {
        match text(name)? {
            Some(s) if s == REDACTED => Err(anyhow!(
                "`{name}` is redacted: describe the user with `payload decode --show-secrets`"
            )),
            other => Ok(other.map(Secret::new)),
        }
    };
    let host = text("host")?.unwrap_or_default();
    let http_proxy = text("http_proxy")?;
    for (name, value) in [("host", Some(&host)), ("http_proxy", http_proxy.as_ref())] {
        if value.is_some_and(|v| v.contains(REDACTED)) {
            bail!("`{name}` is redacted: describe the user with `payload decode --show-secrets`");
        }
    }
    match text("type")?.as_deref() {
        Some("SessionUser") => Ok(SessionUser::new(
            host,
            text("login")?.unwrap_or_default(),
            secret("session_token")?.unwrap_or_default(),
        )?
        .with_http_proxy(http_proxy)
        .with_session_metadata(secret("session_metadata")?)
        .into()),
        Some("ScriptUser") => Ok(ScriptUser::new(
            host,
            text("api_script")?.unwrap_or_default(),
            secret("api_key")?.unwrap_or_default(),
        )?
        .with_http_proxy(http_proxy)
        .into()),
        Some(other) => bail!("unknown user type {other:?}: expected SessionUser or ScriptUser"),
        None => bail!("`type` is missing: expected SessionUser or ScriptUser"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_keys_of_decode_output_are_accepted() {
        let user = user_from_json(
            br#"{"type": "ScriptUser", "class": "ShotgunUser", "host": "https://h",
                 "api_script": "s", "api_key": "k", "str": "s", "extra": 1}"#,
        )
        .unwrap();
        assert_eq!(user.repr(), "<ScriptUser s @ https://h>");
    }
}
