"""Exceptions (tk-core's classes by name when tank is imported, else tk_auth's), the Flow
token store under adsk_auth's names, and the GIL left free while a call waits."""

import json
import stat
import sys
import threading
import time
import types

import pytest

import tk_auth


def test_own_hierarchy_without_tank(home):
    assert issubclass(tk_auth.IncompleteCredentials, tk_auth.ShotgunAuthenticationError)
    assert issubclass(tk_auth.ShotgunAuthenticationError, tk_auth.TankError)
    assert issubclass(tk_auth.TankError, tk_auth.Error)
    assert issubclass(tk_auth.LockTimeout, TimeoutError)
    import pickle

    assert issubclass(tk_auth.InvalidPayload, pickle.UnpicklingError)
    assert issubclass(tk_auth.InvalidPayload, ValueError)
    with pytest.raises(tk_auth.TankError, match="no PTR hostname"):
        tk_auth.get_current_user(None)
    with pytest.raises(tk_auth.InvalidPayload):
        tk_auth.deserialize_user("cos\nsystem\n(S'x'\ntR.")


def _stub_tank(monkeypatch):
    """A stub of tk-core's error modules, imported before the call."""
    tank = types.ModuleType("tank")
    errors = types.ModuleType("tank.errors")
    auth_errors = types.ModuleType("tank.authentication.errors")

    class TankError(Exception):
        pass

    class ShotgunAuthenticationError(TankError):
        pass

    class IncompleteCredentials(ShotgunAuthenticationError):
        pass

    errors.TankError = TankError
    auth_errors.ShotgunAuthenticationError = ShotgunAuthenticationError
    auth_errors.IncompleteCredentials = IncompleteCredentials
    monkeypatch.setitem(sys.modules, "tank", tank)
    monkeypatch.setitem(sys.modules, "tank.errors", errors)
    monkeypatch.setitem(sys.modules, "tank.authentication.errors", auth_errors)
    return errors, auth_errors


def test_tank_classes_by_name_at_call_time(home, monkeypatch):
    errors, auth_errors = _stub_tank(monkeypatch)
    with pytest.raises(errors.TankError):
        tk_auth.get_current_user(None)
    payload = '{"type": "SessionUser", "data": {"host": "https://a.shotgunstudio.com", "login": "j"}}'
    with pytest.raises(auth_errors.IncompleteCredentials, match="missing session_token"):
        tk_auth.deserialize_user(payload)
    # A class the stub lacks is tk_auth's.
    with pytest.raises(tk_auth.InvalidPayload):
        tk_auth.deserialize_user("garbage")


def test_os_errors_are_oserror_subclasses(home):
    # A file where the site's folder belongs (permissions would not stop root).
    (home / "mysite").write_text("")
    with pytest.raises(OSError) as info:
        tk_auth.cache_session_data("https://mysite.shotgunstudio.com", "jdoe", "canary-tok-91")
    assert "canary-tok-91" not in str(info.value)


APP = "8QyoQKXZ7HDuQFmptJGrzsp2GwpATmyV"


def test_flow_store_roundtrip(tmp_path):
    store = str(tmp_path / "store")
    assert tk_auth.get_access_token(store, APP, "jdoe") is None
    tk_auth.persist_tokens(store, APP, "jdoe", {"access_token": "a1", "refresh_token": "r1"})
    tk_auth.persist_tokens(store, APP, "other", {"access_token": "a2", "refresh_token": None})
    assert tk_auth.get_access_token(store, APP, "jdoe") == "a1"
    assert tk_auth.get_refresh_token(store, APP, "jdoe") == "r1"
    assert tk_auth.get_refresh_token(store, APP, "other") is None
    path = tmp_path / "store" / "adsk_flow_tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data[f"adsk.flow.{APP}.access_token"] == {"jdoe": "a1", "other": "a2"}
    tk_auth.delete_tokens(store, APP, "jdoe")
    assert tk_auth.get_access_token(store, APP, "jdoe") is None
    assert tk_auth.get_access_token(store, APP, "other") == "a2"
    assert tk_auth.get_user_profile("p") == "p"
    assert tk_auth.get_user_profile(None)
    with pytest.raises(TypeError):
        tk_auth.persist_tokens(store, APP, "jdoe", {"access_token": 5})


def test_other_threads_run_while_calls_work(home):
    """Calls leave the GIL: a Python thread keeps counting while another thread writes."""
    stop = threading.Event()
    ticks = []

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    for i in range(50):
        tk_auth.cache_session_data("https://mysite.shotgunstudio.com", f"u{i}", "tok")
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    assert len(ticks) > elapsed * 1000 / 5, (len(ticks), elapsed)
    assert len(tk_auth.get_recent_users("https://mysite.shotgunstudio.com")) == 0
    assert tk_auth.get_session_data("https://mysite.shotgunstudio.com", "u49") == {
        "login": "u49", "session_token": "tok"}
