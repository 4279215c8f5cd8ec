//! `tk-auth completions SHELL`: the shell completion script, generated from the command's
//! own definition so it never falls behind.

use clap::Args;
use clap_complete::Shell;

/// Options of `tk-auth completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh or fish (also elvish and powershell).
    shell: Shell,
}

/// Prints the completion script of `command` for the shell asked for.
pub(crate) fn run(args: &CompletionsArgs, mut command: clap::Command) {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "tk-auth", &mut script);
    crate::output::write_all(&script);
}
