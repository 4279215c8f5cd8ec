"""Contention: N Python processes × 25 users each caching sessions on one site through
tk-core's session_cache patched by tk_auth, with Rust tk-auth writers at the same time:
every user is kept. With TK_CORE_PATH set (tk-core's `python` folder), the same run with
tk-core's own writer is printed beside it; otherwise that row says SKIPPED.

The Rust writer is the crate's example `session_writer` (TK_AUTH_SESSION_WRITER names it;
`cargo xtask python-tests` builds it)."""

import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest
import yaml

SITE = "https://mysite.shotgunstudio.com"
PER_PROCESS = 25
RUST_WRITERS = 4
CRATE = pathlib.Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import os, sys, time
    mode, prefix, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    core = os.environ.get("TK_CORE_PATH")
    if core:
        sys.path.insert(0, core)
        from tank.authentication import session_cache
        if mode == "patched":
            import tk_auth
            tk_auth.patch_tk_core()
    else:
        import tk_auth as session_cache  # what patch_tk_core installs
    while time.time() < go:
        time.sleep(0.005)
    for n in range(count):
        session_cache.cache_session_data(sys.argv[5], f"{prefix}-{n}", f"tok-{prefix}-{n}")
    """
)


def _writer():
    named = os.environ.get("TK_AUTH_SESSION_WRITER")
    if named:
        return named
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", CRATE.parent.parent / "target"))
    for profile in ("release", "debug"):
        path = target / profile / "examples" / "session_writer"
        if path.exists():
            return str(path)
    return None


def _run(home, processes, mode):
    env = os.environ.copy()
    env["SHOTGUN_HOME"] = str(home)
    go = time.time() + 1.0 + processes * 0.08
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, f"py{p}", str(PER_PROCESS), str(go), SITE],
            env=env,
        )
        for p in range(processes)
    ]
    writer = _writer()
    rust = []
    if writer:
        while time.time() < go:
            time.sleep(0.005)
        rust = [
            subprocess.Popen([writer, str(home), SITE, f"rs{r}", str(PER_PROCESS)], env=env)
            for r in range(RUST_WRITERS)
        ]
    failed = sum(p.wait(timeout=600) != 0 for p in children + rust)
    expected = {f"py{p}-{n}" for p in range(processes) for n in range(PER_PROCESS)}
    expected |= {f"rs{r}-{n}" for r in range(len(rust)) for n in range(PER_PROCESS)}
    path = home / "mysite" / "authentication.yml"
    try:
        users = yaml.safe_load(path.read_text()).get("users") or []
        kept = {u["login"] for u in users} & expected
    except Exception:  # tk-core's writer can leave a torn file behind
        kept = set()
    return len(kept), len(expected), failed, len(rust)


@pytest.mark.parametrize("processes", [16, 64])
def test_every_user_is_kept_patched(processes, tmp_path, monkeypatch):
    monkeypatch.delenv("TK_AUTH_STORE", raising=False)
    home = tmp_path / "patched"
    home.mkdir(mode=0o700)
    start = time.perf_counter()
    kept, total, failed, rust = _run(home, processes, "patched")
    took = time.perf_counter() - start
    how = "tk-core patched" if os.environ.get("TK_CORE_PATH") else "tk_auth"
    print(f"\n{processes} x {PER_PROCESS} + {rust} Rust x {PER_PROCESS}, {how}: "
          f"kept {kept} of {total} ({took:.1f} s)")
    if os.environ.get("TK_CORE_PATH"):
        home = tmp_path / "unpatched"
        home.mkdir(mode=0o700)
        u_kept, u_total, _, _ = _run(home, processes, "unpatched")
        print(f"{processes} x {PER_PROCESS} + {rust} Rust x {PER_PROCESS}, tk-core unpatched: "
              f"kept {u_kept} of {u_total}")
    else:
        print(f"{processes} x {PER_PROCESS}, tk-core unpatched: SKIPPED (TK_CORE_PATH not set)")
    assert failed == 0
    assert kept == total
