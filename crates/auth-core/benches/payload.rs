//! Payload-reading benchmark: how decoding time grows with the number of dict keys (linear:
//! twice the keys, about twice the time), and how long the hostile fixtures (NaN keys among
//! them) take to be refused, against decoding an ordinary payload.
//! Run with `cargo bench -p tk-auth-core` (or `cargo xtask bench`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use tk_auth_core::{Format, SessionUser, User, deserialize_user, serialize_user};

/// A protocol-0 session user whose `data` also holds `keys` unknown keys.
fn user_with_keys(keys: usize) -> Vec<u8> {
    let mut payload = b"(dp0\nVtype\nVSessionUser\nsVdata\n(d".to_vec();
    for i in 0..keys {
        payload.extend(format!("Vk{i}\nI{i}\ns").as_bytes());
    }
    payload.extend(b"Vhost\nVhttps://h\nsVlogin\nVl\nsVsession_token\nVt\nss.");
    payload
}

/// The best of a few runs of decoding `payload`, and whether it decoded.
fn time(payload: &[u8]) -> (Duration, bool) {
    let mut best = Duration::MAX;
    let mut ok = false;
    for _ in 0..5 {
        let start = Instant::now();
        ok = deserialize_user(payload).is_ok();
        best = best.min(start.elapsed());
    }
    (best, ok)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hostile-pickles")
            .join(name),
    )
    .expect("the hostile fixtures are in the crate")
}

fn main() {
    let (small, small_ok) = time(&user_with_keys(8_000));
    let (large, large_ok) = time(&user_with_keys(16_000));
    assert!(small_ok && large_ok, "both dicts decode");
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    println!(
        "dict keys: 8,000 in {small:?}, 16,000 in {large:?}: ratio {ratio:.2} (linear ≈ 2, quadratic ≈ 4)"
    );

    let user =
        User::from(SessionUser::new("https://mysite.shotgunstudio.com", "jdoe", "t").unwrap());
    let (ordinary, ok) = time(serialize_user(&user, Format::Pickle).as_bytes());
    assert!(ok, "an ordinary payload decodes");
    for name in [
        "tuple_dag_key.pickle0",
        "memo_string_blowup.pickle0",
        "nan_keys.pickle0",
        "nan_tuple_keys.pickle0",
    ] {
        let (refused, ok) = time(&fixture(name));
        assert!(!ok, "{name} is refused");
        println!(
            "{name}: refused in {refused:?}, {:.0}x an ordinary payload ({ordinary:?})",
            refused.as_secs_f64() / ordinary.as_secs_f64()
        );
    }
}
