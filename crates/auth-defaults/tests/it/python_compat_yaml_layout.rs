//! Session files compared byte for byte with `PyYAML`'s `safe_dump`, for thousands of
//! generated strings: non-ASCII text, emoji, control and line-separator characters, YAML
//! indicators, words YAML 1.1 reads as other types, and long text that folds at 80 columns.
//!
//! Python writes a site file holding the strings as logins' unknown keys and values, as
//! top-level keys and in a list; tk-auth reads it, caches a new session and sets the current
//! user (two writes, the second reading the first); Python then checks that the file decodes
//! as cp1252, is ASCII, and is exactly `safe_dump` of the data it expects.

use std::path::Path;

use serde_json::{Value, json};
use tk_auth_core::Secret;
use tk_auth_defaults::{Locations, SessionCache};

use crate::support::python;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    " ",
    " ",
    "  ",
    ":",
    "#",
    "-",
    "?",
    "'",
    "\"",
    "!",
    "&",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    ",",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "/",
    ".",
    "~",
    "=",
    "<",
    "_",
    "+",
    "\t",
    "\n",
    "\n\n",
    "\r",
    "\0",
    "\u{7}",
    "\u{1b}",
    "\u{7f}",
    "\u{e9}",
    "\u{df}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{3042}",
    "\u{e000}",
    "\u{1F600}",
    "\u{10FFFF}",
    "yes",
    "No",
    "null",
    "1_000",
    "0x1F",
    "1:30",
    "1.5",
    "1e5",
    "0o17",
    "2001-12-14",
    ".inf",
    "<<",
    "---",
    "...",
    "- ",
    "? ",
    ": ",
    " #",
    "true",
    "y",
    "Jos\u{e9}",
    "word",
    "login",
];

fn generated(rng: &mut Rng) -> String {
    let long = rng.below(6) == 0;
    let count = if long {
        20 + rng.below(60)
    } else {
        rng.below(8)
    };
    let mut s = String::new();
    for _ in 0..count {
        if long && rng.below(3) == 0 {
            s.push(' ');
        }
        s.push_str(PIECES[rng.below(PIECES.len())]);
    }
    s
}

/// Strings the tests name on purpose: logins from every locale.
const NAMED: &[&str] = &[
    "Jos\u{e9}.Mar\u{ed}a@example.com",
    "\u{5c71}\u{7530}",
    "\u{1F600}smile",
    "no\u{a0}break",
    "line\u{2028}separator",
    "para\u{2029}graph",
    "next\u{85}line",
    "",
    " padded ",
];

const KNOWN_KEYS: &[&str] = &[
    "users",
    "current_user",
    "recent_users",
    "method",
    "login",
    "session_token",
    "session_metadata",
];

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn session_files_are_byte_identical_to_pyyaml_for_generated_text() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut strings: Vec<String> = NAMED.iter().map(|s| (*s).to_owned()).collect();
    while strings.len() < 3000 {
        let s = generated(&mut rng);
        if !KNOWN_KEYS.contains(&s.as_str()) {
            strings.push(s);
        }
    }
    let batches: Vec<&[String]> = strings.chunks(60).collect();

    // Python writes the files tk-auth starts from.
    let inputs = python(
        "import json, sys, yaml\n\
         out = []\n\
         for i, batch in enumerate(json.load(sys.stdin)):\n\
         \x20   data = {'current_user': None, 'recent_users': [], 'unknown': batch}\n\
         \x20   data['users'] = [{'login': 'user%d' % j, 'session_token': s, s: s} for j, s in enumerate(batch)]\n\
         \x20   data.update({'k' + s: s for s in batch})\n\
         \x20   out.append(yaml.safe_dump(data))\n\
         print(json.dumps(out))",
        &serde_json::to_string(&batches).unwrap(),
    );
    let inputs: Vec<String> = serde_json::from_str(&inputs).unwrap();

    let home = tempfile::tempdir().unwrap();
    let cache = SessionCache::with_locations(Locations::under_shotgun_home(home.path()));
    let locations = Locations::under_shotgun_home(home.path());
    let mut cases = Vec::new();
    for (i, (input, batch)) in inputs.iter().zip(&batches).enumerate() {
        let site = format!("https://site{i}.shotgunstudio.com");
        let file = locations.site_file(&site).unwrap();
        write_private(&file, input);
        let current = batch
            .iter()
            .find(|s| {
                !s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
                    .is_empty()
            })
            .cloned()
            .unwrap_or_else(|| "jd".to_owned());
        let meta = Secret::new(batch[1].clone());
        cache
            .cache_session_data(
                &site,
                "newuser",
                &Secret::new(batch[0].clone()),
                Some(&meta),
            )
            .unwrap();
        cache.set_current_user(&site, &current).unwrap();
        let ours = std::fs::read_to_string(&file).unwrap();
        cases.push(json!({
            "input": input,
            "ours": ours,
            "token": batch[0],
            "meta": batch[1],
            "current": current,
        }));
    }

    // Python checks every file against safe_dump of the data it expects.
    let report = python(
        "import json, sys, yaml\n\
         bad = []\n\
         for i, c in enumerate(json.load(sys.stdin)):\n\
         \x20   data = yaml.safe_load(c['input'])\n\
         \x20   data['users'].append({'login': 'newuser', 'session_token': c['token'], 'session_metadata': c['meta']})\n\
         \x20   data['current_user'] = c['current'].strip()\n\
         \x20   data['recent_users'] = [c['current'].strip()]\n\
         \x20   expected = yaml.safe_dump(data)\n\
         \x20   ours = c['ours']\n\
         \x20   decoded = ours.encode('utf-8').decode('cp1252')\n\
         \x20   if not ours.isascii() or yaml.safe_load(decoded) != data or ours != expected:\n\
         \x20       bad.append({'case': i, 'ours': ours, 'expected': expected})\n\
         print(json.dumps(bad[:3]))",
        &serde_json::to_string(&cases).unwrap(),
    );
    let bad: Value = serde_json::from_str(&report).unwrap();
    if let Some(first) = bad.as_array().and_then(|b| b.first()) {
        let ours = first["ours"].as_str().unwrap();
        let expected = first["expected"].as_str().unwrap();
        let line = ours
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "case {} differs from PyYAML at line {}:\nours:     {:?}\nexpected: {:?}",
            first["case"],
            line + 1,
            ours.lines().nth(line),
            expected.lines().nth(line)
        );
    }
}

#[test]
fn non_ascii_logins_are_escaped_as_pyyaml_escapes_them() {
    let home = tempfile::tempdir().unwrap();
    let cache = SessionCache::with_locations(Locations::under_shotgun_home(home.path()));
    let site = "https://mysite.shotgunstudio.com";
    for login in [
        "Jos\u{e9}",
        "\u{1F600}",
        "a\u{a0}b",
        "a\u{2028}b",
        "\u{5c71}",
    ] {
        cache
            .cache_session_data(site, login, &Secret::new("t"), None)
            .unwrap();
    }
    cache.set_current_user(site, "Jos\u{e9}").unwrap();
    let file = Locations::under_shotgun_home(home.path())
        .site_file(site)
        .unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.is_ascii(), "{text}");
    for escaped in [
        "\"Jos\\xE9\"",
        "\"\\U0001F600\"",
        "\"a\\_b\"",
        "\"a\\Lb\"",
        "\"\\u5C71\"",
    ] {
        assert!(text.contains(escaped), "{escaped} in\n{text}");
    }
    assert_eq!(
        cache.get_current_user(site).unwrap().as_deref(),
        Some("Jos\u{e9}")
    );
    assert_eq!(
        cache
            .get_session_data(site, "a\u{2028}b")
            .unwrap()
            .unwrap()
            .login,
        "a\u{2028}b"
    );
}

fn write_private(file: &Path, text: &str) {
    crate::support::create_dir_with_mode(file.parent().unwrap(), 0o700);
    std::fs::write(file, text).unwrap();
    crate::support::chmod(file, 0o600);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs the Linux Python of .venv, which Windows programs cannot start"
)]
fn unknown_values_of_every_type_survive_a_rewrite_byte_for_byte() {
    let input = python(
        "import sys, yaml\n\
         data = {'current_user': None, 'recent_users': [], 'users': [{'login': 'a', 'session_token': 't', 'extra': {'n': [1, -2, 0, 18446744073709551615]}}],\n\
         \x20   'nested': {'a': [1, 2.5, True, False, None, [], {}, [[1, 2], {'x': 'y'}], [[]]], 'b': {2: 'two', 1: 'one', True: 'yes'}},\n\
         \x20   'mixed': {3: 'a', 'b': 2, None: 'n'}, 'floats': [1e16, 1.5e16, 1e-05, 0.1, -0.0, 123.456, 1e300, float('inf'), -float('inf')],\n\
         \x20   'texts': ['0o17', '1e5', '017', 'yes', '1:30', '', ' ', '~', 'a' * 130, 'x ' * 70, \"it's \" * 30],\n\
         \x20   'a' * 130: 'long key', 'multi\\nline key': 1, 'method': 'credentials'}\n\
         sys.stdout.write(yaml.safe_dump(data))",
        "",
    );
    let home = tempfile::tempdir().unwrap();
    let cache = SessionCache::with_locations(Locations::under_shotgun_home(home.path()));
    let site = "https://mysite.shotgunstudio.com";
    let file = Locations::under_shotgun_home(home.path())
        .site_file(site)
        .unwrap();
    write_private(&file, &input);
    cache
        .cache_session_data(site, "b", &Secret::new("u"), None)
        .unwrap();
    let ours = std::fs::read_to_string(&file).unwrap();
    let expected = python(
        "import sys, yaml\n\
         data = yaml.safe_load(sys.stdin.read())\n\
         data['users'].append({'login': 'b', 'session_token': 'u'})\n\
         sys.stdout.write(yaml.safe_dump(data))",
        &input,
    );
    assert_eq!(ours, expected);
}
