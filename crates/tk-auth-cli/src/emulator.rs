//! `tk-auth emulator`: a local Flow Production Tracking site.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tk_auth_site_emulator::SiteEmulator;

use crate::exit::{Failure, Outcome};

/// Options of `tk-auth emulator`.
#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080 [default: a free port on 127.0.0.1]. Only
    /// a loopback address, unless --expose-unauthenticated-control-api.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Listen on an address that is not loopback (--listen 0.0.0.0:8080, or the
    /// configuration's `listen`): whoever reaches it can use the control routes under
    /// /_emulator/, which ask for no credentials and can log in as any user.
    #[arg(long)]
    expose_unauthenticated_control_api: bool,
    /// Site description: users, authentication method, versions (TOML, or YAML when the
    /// name ends in .yml or .yaml). See docs/examples/emulator.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Runs the emulator until SIGINT or SIGTERM. The site URL is the first line on stdout.
pub(crate) fn run(args: &EmulatorArgs) -> Outcome {
    let mut builder = SiteEmulator::builder();
    if let Some(path) = &args.config {
        builder = builder.config_file(path).map_err(Failure::bad_input)?;
    }
    if let Some(addr) = args.listen {
        builder = builder.listen(addr);
    }
    let listen = builder.listen_addr();
    let exposed = !is_loopback(listen.ip());
    if exposed && !args.expose_unauthenticated_control_api {
        return Err(Failure::bad_input(anyhow::anyhow!(
            "{listen} is not a loopback address: other machines could use the site's control \
             routes (/_emulator/), which ask for no credentials"
        ))
        .hint(
            "listen on 127.0.0.1 or [::1], or pass --expose-unauthenticated-control-api to \
             listen there anyway",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the signal handler")?;
    // Signal handlers go in before the URL is announced, so a stop request sent as soon as
    // the URL is read is never missed.
    let stop = runtime.block_on(async { StopSignals::install() })?;
    let site = builder.start().context("starting the site emulator")?;
    crate::output::print(site.url());
    if !crate::output::writable() {
        // Nobody can read the URL: the site would serve no one (as a Unix tool stops at
        // its first write to a closed pipe).
        return Ok(());
    }
    let mut err = std::io::stderr().lock();
    // A closed stderr must not stop the site: the messages are only a courtesy.
    let _ = writeln!(
        err,
        "tk-auth: site emulator at {url} (control API: {url}/_emulator/); stop with Ctrl-C",
        url = site.url()
    );
    if exposed {
        let _ = writeln!(
            err,
            "tk-auth: warning: listening on {}: the control API takes no credentials and is \
             open to every machine that can reach this address",
            site.local_addr()
        );
    }
    drop(err);
    let signal = runtime.block_on(stop.wait());
    tracing::info!(signal, "stopping the site emulator");
    drop(site);
    Ok(())
}

/// Whether `ip` is loopback, an IPv4 address written as IPv6 (`::ffff:127.0.0.1`) included.
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// SIGINT and SIGTERM (Ctrl-C only where there are no Unix signals).
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("handling SIGINT")?,
                terminate: signal(SignalKind::terminate()).context("handling SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the first stop signal and names it.
    async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
