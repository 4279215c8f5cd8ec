"""Benchmark rows of the tk_auth wheel (`cargo xtask python-bench`):

- get_session_data on a site file of 400 users, through tk_auth vs the pure-Python PyYAML
  path tk-core takes (tk-core itself when TK_CORE_PATH names its `python` folder);
- deserialize_user of a session payload (pickle and JSON) through tk_auth vs Python's
  pickle.loads / json.loads path (tk-core's user_impl.deserialize_user before its factory).

Kept users under contention (patched vs unpatched) are printed by tests/test_contention.py.
"""

import json
import os
import pickle
import sys
import tempfile
import time

import yaml

import tk_auth

SITE = "https://mysite.shotgunstudio.com"
USERS = 400


def per_call(fn, min_time=1.0):
    """Seconds per call of fn, over at least min_time."""
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        took = time.perf_counter() - start
        if took >= min_time and calls >= 5:
            return took / calls


def row(name, ours, theirs, baseline):
    print(f"{name:52} {ours * 1e6:10.1f} µs   {baseline} {theirs * 1e6:10.1f} µs   "
          f"{theirs / ours:6.1f}x")


def main():
    with tempfile.TemporaryDirectory() as home:
        os.environ["SHOTGUN_HOME"] = home
        for n in range(USERS):
            tk_auth.cache_session_data(SITE, f"user{n:03}", f"tok-{n:03}-" + "x" * 24)
        path = os.path.join(home, "mysite", "authentication.yml")
        target = f"user{USERS - 1:03}"

        core = os.environ.get("TK_CORE_PATH")
        if core:
            sys.path.insert(0, core)
            from tank.authentication import session_cache

            def theirs():
                return session_cache.get_session_data(SITE, target)

            baseline = "tk-core"
        else:

            def theirs():
                with open(path) as f:
                    doc = yaml.load(f, Loader=yaml.SafeLoader)  # pure Python, as tk-core
                for u in doc["users"]:
                    if u["login"].lower().strip() == target:
                        return {"login": u["login"], "session_token": u["session_token"]}
                return None

            baseline = "PyYAML"
        assert tk_auth.get_session_data(SITE, target) == theirs()
        row(f"get_session_data, {USERS} users", per_call(lambda: tk_auth.get_session_data(SITE, target)),
            per_call(theirs), baseline)

        user = {"type": "SessionUser",
                "data": {"http_proxy": None, "host": SITE, "login": "jdoe",
                         "session_token": "3f9a2c7e5b1d4f8a9c0e2b4d6f8a1c3e"}}
        for fmt, use_json, loads in [("pickle", False, lambda p: pickle.loads(p.encode())),
                                     ("json", True, json.loads)]:
            payload = tk_auth.serialize_user(user, use_json=use_json)
            assert tk_auth.deserialize_user(payload) == loads(payload) == user
            row(f"deserialize_user ({fmt})", per_call(lambda: tk_auth.deserialize_user(payload)),
                per_call(lambda: loads(payload)), "Python")


if __name__ == "__main__":
    main()
