"""Hostile payloads through tk_auth.deserialize_user: each gives a user dict or a clean
Python exception (never PanicException, never code run), in bounded time, in a process
whose address space is capped (a runaway allocation would kill it)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import CORE_FIXTURES

# The child caps its address space with `resource`: Unix only.
pytest.importorskip("resource")

HOSTILE = CORE_FIXTURES / "hostile-pickles"
CANARY = "canary-secret-7f3e"
SESSION = (
    "(dp0\nVtype\np1\nVSessionUser\np2\nsVdata\np3\n(dp4\nVhttp_proxy\np5\nNsVhost\np6\n"
    "Vhttps://mysite.shotgunstudio.com\np7\nsVlogin\np8\nVjdoe\np9\nsVsession_token\np10\n"
    "V" + CANARY + "\np11\nss."
)


def crafted():
    """(name, payload) pairs written here: code, depth, size, broken encodings."""
    deep = 200_000
    return [
        ("os_system_global", "cos\nsystem\n(S'touch /tmp/tk_auth_pwned'\ntR."),
        ("builtins_eval_reduce", "c__builtin__\neval\n(Vprint(1)\ntR."),
        ("build_opcode", "(dp0\nVtype\np1\nVSessionUser\np2\nsb."),
        ("inst_opcode", "(i__main__\nEvil\np0\n."),
        ("persistent_id", "P1\n."),
        ("deep_pickle_lists", "(" * deep + "l" * deep + "."),
        ("deep_json", '{"type": ' + "[" * deep + "]" * deep + "}"),
        ("deep_json_objects", '{"a": ' * deep + "1" + "}" * deep),
        ("huge_json_string", '{"type": "SessionUser", "data": {"host": "' + "h" * (8 << 20) + '"}}'),
        ("huge_pickle_int", "I" + "9" * 100_000 + "\n."),
        ("json_huge_number", '{"type": 1' + "0" * 100_000 + "}"),
        ("truncated_session", SESSION[:-7]),
        ("token_then_garbage", SESSION[:-3] + "\x00garbage"),
        ("nul_bytes", b"\x00" * 1000),
        ("not_utf8_json", b'{"type": "\xff\xfe"}'),
        ("latin1_flag_bad", SESSION.replace("ss.", "sV_payload_encoding\nVKOI8-R\nss.")),
        ("empty_str", ""),
        ("empty_bytes", b""),
        ("memo_loop", "(lp0\ng0\na."),
        ("get_unknown_memo", "g999999\n."),
        ("dict_of_dicts", "(dp0\n" + "Vk\n(dp1\ns" * 10_000 + "."),
    ]


CHILD = textwrap.dedent(
    """
    import json, os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
    import tk_auth
    cases = json.load(sys.stdin)
    out = []
    for name, kind, value in cases:
        payload = value.encode("latin-1") if kind == "bytes" else value
        start = time.perf_counter()
        try:
            got = tk_auth.deserialize_user(payload)
            outcome, message = "ok:" + got["type"], ""
        except BaseException as e:
            outcome, message = type(e).__module__ + "." + type(e).__qualname__, str(e) + repr(e)
            ok_family = isinstance(e, (tk_auth.Error, TypeError, ValueError))
            if not ok_family or type(e).__name__ == "PanicException":
                outcome = "BAD:" + outcome
        out.append([name, outcome, time.perf_counter() - start, message])
    json.dump(out, sys.stdout)
    """
)


def test_hostile_payloads_fail_cleanly_in_bounded_time_and_memory(home):
    cases = []
    for path in sorted(HOSTILE.iterdir()):
        if path.suffix.startswith(".pickle"):
            cases.append([path.name, "bytes", path.read_bytes().decode("latin-1")])
    for name, payload in crafted():
        if isinstance(payload, bytes):
            cases.append([name, "bytes", payload.decode("latin-1")])
        else:
            cases.append([name, "str", payload])
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    assert len(results) == len(cases)
    for name, outcome, seconds, message in results:
        print(f"{name:32} {outcome:40} {seconds * 1000:8.1f} ms")
        assert not outcome.startswith("BAD:"), f"{name}: {outcome} {message[:300]}"
        assert seconds < 2.0, f"{name}: {seconds:.2f} s"
        assert CANARY not in message, f"{name}: the token reached the exception"
    assert not os.path.exists("/tmp/tk_auth_pwned")
