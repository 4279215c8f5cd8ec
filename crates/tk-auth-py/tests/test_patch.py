"""patch_tk_core() / unpatch_tk_core() against a stub of tk-core's module layout, written
here: the functions are replaced where tk-core's callers find them (module attributes, and
names imported with `from … import … as …`), idempotently, with logs, and put back."""

import logging
import sys
import textwrap

import pytest

import tk_auth

STUB = {
    "tank/__init__.py": "",
    "tank/errors.py": "class TankError(Exception):\n    pass\n",
    "tank/authentication/__init__.py": "",
    "tank/authentication/errors.py": textwrap.dedent(
        """
        from ..errors import TankError
        class ShotgunAuthenticationError(TankError):
            pass
        class IncompleteCredentials(ShotgunAuthenticationError):
            pass
        """
    ),
    "tank/authentication/session_cache.py": "".join(
        f"def {name}(*args, **kwargs):\n    return 'stub {name}'\n"
        for name in (
            "get_session_data cache_session_data delete_session_data get_current_user "
            "set_current_user set_current_host get_current_host get_recent_hosts "
            "get_recent_users get_preferred_method set_preferred_method generate_session_token"
        ).split()
    ),
    "tank/authentication/user_impl.py": textwrap.dedent(
        """
        from . import session_cache
        class SessionUser:
            def __init__(self, data):
                self.data = data
            @classmethod
            def from_dict(cls, data):
                return cls(data)
        class ScriptUser(SessionUser):
            pass
        def deserialize_user(payload):
            return "stub deserialize_user"
        """
    ),
    "tank/authentication/caller.py": textwrap.dedent(
        """
        from . import session_cache, user_impl
        def current_host():
            return session_cache.get_current_host()
        def read(payload):
            return user_impl.deserialize_user(payload)
        """
    ),
    "tank_vendor/__init__.py": "",
    "tank_vendor/adsk_auth/__init__.py": "",
    "tank_vendor/adsk_auth/file_store.py": "".join(
        f"def {name}(*args, **kwargs):\n    return 'stub {name}'\n"
        for name in "get_access_token get_refresh_token persist_tokens delete_tokens".split()
    ),
    "tank_vendor/adsk_auth/token.py": textwrap.dedent(
        """
        from .file_store import get_access_token as get_access_token_from_store
        from .file_store import get_refresh_token, persist_tokens, delete_tokens
        def read(storage, app, profile):
            return get_access_token_from_store(storage, app, profile)
        """
    ),
}


@pytest.fixture
def stub_tk_core(tmp_path, monkeypatch, home):
    root = tmp_path / "stub"
    for rel, text in STUB.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.syspath_prepend(str(root))
    yield root
    tk_auth.unpatch_tk_core()
    for name in list(sys.modules):
        if name.split(".")[0] in ("tank", "tank_vendor"):
            del sys.modules[name]


def test_patch_replaces_what_callers_use_and_unpatch_restores(stub_tk_core, caplog, tmp_path):
    # tk-core imported before the call, as in a running DCC.
    from tank.authentication import caller, session_cache, user_impl
    from tank_vendor.adsk_auth import file_store, token

    originals = {n: getattr(session_cache, n) for n in tk_auth._patch.SESSION_CACHE_FUNCTIONS}
    original_alias = token.get_access_token_from_store
    assert caller.current_host() == "stub get_current_host"

    caplog.set_level(logging.INFO, logger="tk_auth.patch")
    replaced = tk_auth.patch_tk_core()
    assert len(replaced) == 11
    assert tk_auth.is_patched()
    assert all(f"replaced {r}" in caplog.text for r in replaced)
    # Not asked for: the decoder and the file store are tk-core's.
    assert user_impl.deserialize_user("x") == "stub deserialize_user"
    assert file_store.get_access_token("s", "a", "p") == "stub get_access_token"
    # generate_session_token (talks to the site) is never replaced.
    assert session_cache.generate_session_token() == "stub generate_session_token"

    tk_auth.set_current_host("https://mysite.shotgunstudio.com")
    assert caller.current_host() == "https://mysite.shotgunstudio.com"
    assert session_cache.get_session_data is tk_auth.get_session_data

    # Idempotent.
    assert tk_auth.patch_tk_core() == []

    # The payload decoder and the file store, when asked; aliases in other modules too.
    more = tk_auth.patch_tk_core(payloads=True, flow_store=True)
    assert "tank.authentication.user_impl.deserialize_user" in more
    assert "tank_vendor.adsk_auth.token.get_access_token_from_store" in more
    assert "tank_vendor.adsk_auth.token.get_refresh_token" in more
    store = str(tmp_path / "flow")
    tk_auth.persist_tokens(store, "app", "jdoe", {"access_token": "a1"})
    assert token.read(store, "app", "jdoe") == "a1"
    payload = tk_auth.serialize_user(
        {"type": "SessionUser",
         "data": {"host": "https://mysite.shotgunstudio.com", "login": "j", "session_token": "t"}}
    )
    user = caller.read(payload)
    assert isinstance(user, user_impl.SessionUser) and user.data["login"] == "j"
    with pytest.raises(tk_auth.InvalidPayload):
        caller.read("cos\nsystem\n(S'echo pwned'\ntR.")

    restored = tk_auth.unpatch_tk_core()
    assert sorted(restored) == sorted(replaced + more)
    assert not tk_auth.is_patched()
    for name, fn in originals.items():
        assert getattr(session_cache, name) is fn
    assert token.get_access_token_from_store is original_alias
    assert user_impl.deserialize_user("x") == "stub deserialize_user"
    assert caller.current_host() == "stub get_current_host"
    assert tk_auth.unpatch_tk_core() == []


def test_patch_imports_tk_core_when_not_yet_imported(stub_tk_core):
    assert "tank.authentication.session_cache" not in sys.modules
    tk_auth.patch_tk_core()
    from tank.authentication import session_cache

    assert session_cache.get_current_host is tk_auth.get_current_host
