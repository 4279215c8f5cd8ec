//! A Rust writer for the wheel's contention test: caches `COUNT` users named
//! `<PREFIX>-<n>` on `SITE` in the session cache under `SHOTGUN_HOME`, one locked write
//! each, as any tk-auth process does.
//!
//! `session_writer SHOTGUN_HOME SITE PREFIX COUNT`

use std::process::ExitCode;

use tk_auth_core::Secret;
use tk_auth_defaults::SessionCache;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [home, site, prefix, count] = args.as_slice() else {
        return ExitCode::from(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        return ExitCode::from(2);
    };
    let cache = SessionCache::at(home);
    for n in 0..count {
        let login = format!("{prefix}-{n}");
        let token = Secret::new(format!("tok-{login}"));
        if cache
            .cache_session_data(site.as_str(), &login, &token, None)
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
