//! Peak memory while decoding hostile payloads, measured by a counting global allocator.
//! Its own test binary, holding one test, so that nothing else allocates meanwhile.

use peak_alloc::PeakAlloc;
use tk_auth_core::{Payload, deserialize_user};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

const LIMIT: usize = 64 << 20;
const MIB: usize = 1 << 20;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile-pickles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A protocol-0 session user whose `data` has one more entry, `extra`, built by `extra`
/// (which leaves one value on the stack).
fn user_with(extra: &[u8]) -> Vec<u8> {
    let mut out = b"(dp0\nVtype\nVSessionUser\nsVdata\n(dVhost\nVhttps://h\nsVlogin\nVl\nsVsession_token\nVt\nsVextra\n".to_vec();
    out.extend(extra);
    out.extend(b"ss.");
    out
}

fn pad_to(prefix: Vec<u8>, piece: &[u8], suffix: &[u8]) -> Vec<u8> {
    pad_within(MIB, prefix, piece, suffix)
}

/// `prefix`, as many `piece`s as fit in `limit` bytes, and `suffix`.
fn pad_within(limit: usize, mut prefix: Vec<u8>, piece: &[u8], suffix: &[u8]) -> Vec<u8> {
    while prefix.len() + piece.len() + suffix.len() <= limit {
        prefix.extend(piece);
    }
    prefix.extend(suffix);
    prefix
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let control_string = pad_to(b"V".to_vec(), b"\x01", b"\np1\n");
    let control_host = {
        let mut p =
            b"(dp0\nVtype\nVSessionUser\nsVdata\n(dVlogin\nVl\nsVsession_token\nVt\nsVhost\n(l"
                .to_vec();
        p.extend(&control_string[..control_string.len() - 200]);
        p.extend(b"\np1\nass.");
        p
    };
    vec![
        ("tuple DAG key", fixture("tuple_dag_key.pickle0")),
        ("memo string blow-up", fixture("memo_string_blowup.pickle0")),
        ("marks", vec![b'('; MIB]),
        ("nones", vec![b'N'; MIB]),
        ("empty lists", vec![b']'; MIB]),
        ("memoize", pad_to(b"N".to_vec(), &[0x94], b".")),
        ("dup", pad_to(b"N".to_vec(), b"2", b".")),
        ("list of nones", pad_to(b"(".to_vec(), b"N", b"l.")),
        ("self-appending list", pad_to(b"]".to_vec(), b"2a", b".")),
        ("many dict keys", {
            let mut p = b"(d".to_vec();
            let mut i = 0u32;
            while p.len() < MIB - 40 {
                p.extend(format!("I{i}\nNs").as_bytes());
                i += 1;
            }
            p.extend(b".");
            p
        }),
        (
            "list of memo refs",
            user_with(&pad_within(
                MIB - 200,
                b"Vx\np1\n0(l".to_vec(),
                b"g1\na",
                b"",
            )),
        ),
        ("control characters in the host", control_host),
        ("json numbers", pad_to(b"{\"a\":[".to_vec(), b"0,", b"0]}")),
        ("json lists", pad_to(b"{\"a\":[".to_vec(), b"[],", b"[]]}")),
        (
            "json escapes",
            pad_to(b"{\"a\":\"".to_vec(), b"\\u0001", b"\"}"),
        ),
        ("json nesting", pad_to(b"{\"a\":".to_vec(), b"[", b"")),
        ("json keys", {
            let mut p = b"{".to_vec();
            let mut i = 0u32;
            while p.len() < MIB - 40 {
                p.extend(format!("\"{i}\":0,").as_bytes());
                i += 1;
            }
            p.extend(b"\"x\":0}");
            p
        }),
    ]
}

#[test]
fn decoding_any_of_these_payloads_peaks_under_64_mib() {
    let mut report = Vec::new();
    for (name, payload) in inputs() {
        assert!(payload.len() <= MIB, "{name} is {} bytes", payload.len());
        let text = String::from_utf8(payload.clone()).ok();
        ALLOCATOR.reset_peak_usage();
        let base = ALLOCATOR.current_usage();
        let _ = deserialize_user(&payload);
        if let Some(text) = &text {
            let _ = deserialize_user(Payload::Text(text));
        }
        let peak = ALLOCATOR.peak_usage().saturating_sub(base);
        report.push(format!("{name}: {:.1} MiB", mib(peak)));
        assert!(peak < LIMIT, "{name} peaked at {peak} bytes\n{report:#?}");
    }
    report_figures(&report);
}

#[expect(
    clippy::print_stderr,
    reason = "the figures, shown with `--nocapture`, are what the docs quote"
)]
fn report_figures(report: &[String]) {
    eprintln!("peak memory while decoding:\n  {}", report.join("\n  "));
}

#[expect(clippy::cast_precision_loss, reason = "a figure for people to read")]
fn mib(bytes: usize) -> f64 {
    bytes as f64 / MIB as f64
}
