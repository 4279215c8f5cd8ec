"""The user_serialization vectors through tk_auth.serialize_user / deserialize_user: the
payloads tk-core wrote, byte for byte, and what tk-core read from each (a dict here)."""

import base64
import os
import shutil

import pytest

import tk_auth
from conftest import CORE_FIXTURES, manifest

TOPIC = CORE_FIXTURES / "python-compat" / "user_serialization"
CASES = manifest(TOPIC)["cases"]

# tk-core raises these for payloads it cannot read; tk_auth raises its own class for each
# (docs/python.md): a refused payload is tk_auth.InvalidPayload, whatever the parser.
EXPECTED_CLASS = {
    "IncompleteCredentials": "IncompleteCredentials",
    "Exception": "Error",
    "KeyError": "InvalidPayload",
    "JSONDecodeError": "InvalidPayload",
    "UnpicklingError": "InvalidPayload",
    "IndexError": "InvalidPayload",
}


def _as_dict(described):
    """The dict tk_auth returns for a user described by the vectors."""
    return {"type": described["impl_class"], "data": described["to_dict"]}


def _check(outcome, call):
    if "raises" in outcome:
        name = EXPECTED_CLASS[outcome["raises"]["type"]]
        with pytest.raises(getattr(tk_auth, name)) as info:
            call()
        assert isinstance(info.value, tk_auth.Error)
        if name == "IncompleteCredentials":
            assert str(info.value) == outcome["raises"]["message"]
    else:
        assert call() == _as_dict(outcome["returns"])


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "roundtrip"],
                         ids=lambda c: c["id"])
def test_roundtrip(case, home):
    user = _as_dict(case["expected"]["build"]["user"])
    for fmt, use_json in [("pickle", False), ("json", True)]:
        expected = case["expected"][fmt]
        payload = tk_auth.serialize_user(user, use_json=use_json)
        assert payload == expected["payload"], f"{fmt} payload"
        wire = (TOPIC / expected["payload_file"]["file"]).read_bytes()
        assert payload.encode("utf-8") == wire, f"{fmt} payload file"
        _check(expected["deserialize"], lambda: tk_auth.deserialize_user(expected["payload"]))
        if fmt == "json":
            _check(expected["deserialize"], lambda: tk_auth.deserialize_user(wire))


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "deserialize"],
                         ids=lambda c: c["id"])
def test_deserialize(case, home):
    for f in case["inputs"].get("setup", {}).get("files", []):
        p = f["path"].replace("{SHOTGUN_HOME}", str(home))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copyfile(TOPIC / f["file"], p)
    if "payload_bytes_b64" in case["inputs"]:
        payload = base64.b64decode(case["inputs"]["payload_bytes_b64"])
    else:
        payload = case["inputs"]["payload"]
    _check(case["expected"], lambda: tk_auth.deserialize_user(payload))


def test_serialize_refuses_bad_dicts():
    with pytest.raises(tk_auth.IncompleteCredentials):
        tk_auth.serialize_user({"type": "SessionUser", "data": {"host": "h", "login": "j"}})
    with pytest.raises(tk_auth.Error):
        tk_auth.serialize_user({"type": "HumanUser", "data": {}})
    with pytest.raises(TypeError):
        tk_auth.serialize_user({"type": "SessionUser", "data": {"host": 3}})
    with pytest.raises(TypeError):
        tk_auth.serialize_user({"type": "SessionUser"})
