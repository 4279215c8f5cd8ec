"""Ctrl-C: a Python process waiting on a session-cache lock that another process holds
gets KeyboardInterrupt promptly."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

# The lock is held here with flock, and SIGINT is sent as on a terminal: Unix only.
fcntl = pytest.importorskip("fcntl")

CHILD = textwrap.dedent(
    """
    import sys, time
    import tk_auth
    print("waiting", flush=True)
    try:
        tk_auth.cache_session_data("https://mysite.shotgunstudio.com", "jdoe", "tok")
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(42)
    print("not interrupted", flush=True)
    """
)


def test_sigint_interrupts_a_lock_wait(home):
    site = home / "mysite"
    site.mkdir(mode=0o700)
    lock = open(site / "authentication.yml.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
        )
        assert child.stdout.readline().strip() == "waiting"
        time.sleep(1.0)  # it is now waiting on the lock
        assert child.poll() is None, "the child did not wait for the lock"
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        code = child.wait(timeout=5)
        took = time.monotonic() - sent
        out = child.stdout.read()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    assert code == 42, out
    assert "interrupted" in out
    assert took < 2.0, f"KeyboardInterrupt after {took:.2f} s"
    print(f"KeyboardInterrupt {took * 1000:.0f} ms after SIGINT")
