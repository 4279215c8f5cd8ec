"""Shared fixtures of the tk_auth wheel's tests.

The vectors are the repository's copies of the shared Python-generated vectors (recorded
with tk-core commit 047a54c2, Python 3.11.7, PyYAML 6.0.2): see
crates/auth-defaults/tests/fixtures/python-compat/NOTE.md and
crates/auth-core/tests/fixtures/python-compat/NOTE.md. They are read in place, not copied.
"""

import json
import os
import pathlib
import sys

import pytest

CRATE = pathlib.Path(__file__).resolve().parent.parent
CRATES = CRATE.parent
DEFAULTS_FIXTURES = CRATES / "auth-defaults" / "tests" / "fixtures"
CORE_FIXTURES = CRATES / "auth-core" / "tests" / "fixtures"


def manifest(folder):
    """The manifest of a vector topic folder."""
    with open(folder / "manifest.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty SHOTGUN_HOME (0700) and HOME, set in os.environ for the test."""
    sg = tmp_path / "sghome"
    sg.mkdir(mode=0o700)
    os.chmod(sg, 0o700)
    user_home = tmp_path / "home"
    user_home.mkdir()
    monkeypatch.setenv("SHOTGUN_HOME", str(sg))
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.delenv("TK_AUTH_STORE", raising=False)
    return sg


@pytest.fixture(autouse=True)
def no_tank_modules(monkeypatch):
    """Each test starts without tk-core's modules (tests that want them add stubs)."""
    for name in list(sys.modules):
        if name == "tank" or name.startswith("tank."):
            monkeypatch.delitem(sys.modules, name)
