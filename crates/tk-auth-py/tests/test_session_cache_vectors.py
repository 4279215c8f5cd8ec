"""The session-cache vectors replayed through tk_auth: every return value as tk-core
returned it, and every file tk_auth writes byte for byte as tk-core wrote it, except where
docs/decisions.md says tk-auth differs (the same steps the Rust replay,
crates/auth-defaults/tests/it/python_compat_session_cache.rs, lists)."""

import os
import pathlib
import shutil
import stat

import pytest
import yaml

import tk_auth
from conftest import DEFAULTS_FIXTURES, manifest

TOPIC = DEFAULTS_FIXTURES / "python-compat" / "session_cache"
DEVIATIONS = DEFAULTS_FIXTURES / "deviations" / "session_cache"
CASES = manifest(TOPIC)["cases"]


def _metadata(case_id, step):
    case = next(c for c in CASES if c["id"] == case_id)
    return case["expected"]["steps"][step]["args"]["session_metadata"]


# (case, step) -> (returns, written, files ours): None keeps tk-core's value.
DEVIATION = {
    # Decision 2: metadata is stored for an entry first cached without it.
    ("metadata_lost_update", 1): (None, None, ["mysite/authentication.yml"]),
    ("metadata_lost_update", 2): (
        lambda: {"login": "jdoe", "session_token": "tok-2",
                 "session_metadata": _metadata("metadata_lost_update", 1)},
        None,
        [],
    ),
    # Decision 2: after metadata was cleared, new metadata is stored again.
    ("metadata_replaced_then_nulled", 5): (None, ["mysite/authentication.yml"],
                                           ["mysite/authentication.yml"]),
    ("metadata_replaced_then_nulled", 6): (
        lambda: {"login": "jdoe", "session_token": "tok-1",
                 "session_metadata": _metadata("metadata_replaced_then_nulled", 5)},
        None,
        [],
    ),
    # Decision 14: clearing a site never cached is a no-op, not FileNotFoundError.
    ("delete_on_missing_site_folder", 0): (lambda: None, [], []),
    # Decision 14: a null host is not a host; recent lists hold site URLs only.
    ("set_current_host_none", 3): (lambda: ["https://a.shotgunstudio.com"], None, []),
}


def _subst(text, home, base):
    return text.replace("{SHOTGUN_HOME_BASE}", str(base)).replace("{SHOTGUN_HOME}", str(home))


def _snapshot(root):
    """Every file under root: (inode, mtime, bytes)."""
    out = {}
    if not root.exists():
        return out
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = pathlib.Path(dirpath) / name
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_ino, st.st_mtime_ns, p.read_bytes())
    return out


def _tree_paths(root):
    out = set()
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            out.add(str((pathlib.Path(dirpath) / name).relative_to(root)))
    return out


def _call(name, args):
    fn = getattr(tk_auth, name.rsplit(".", 1)[1])
    return fn(**args)


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "session_steps"],
                         ids=lambda c: c["id"])
def test_session_cache_case(case, tmp_path, monkeypatch):
    base = tmp_path / "base"
    base.mkdir()
    default_home = tmp_path / "sghome"
    env_home = case["inputs"].get("env", {}).get("SHOTGUN_HOME")
    home = pathlib.Path(_subst(env_home, default_home, base)) if env_home else default_home
    if not env_home:
        home.mkdir(mode=0o700)
        os.chmod(home, 0o700)
    monkeypatch.setenv("SHOTGUN_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "userhome"))
    monkeypatch.delenv("TK_AUTH_STORE", raising=False)
    root = pathlib.Path(_subst(case["inputs"]["tree_root"], home, base))
    for d in case["inputs"]["setup"]["dirs"]:
        p = pathlib.Path(_subst(d["path"], home, base))
        p.mkdir(parents=True, exist_ok=True)
        os.chmod(p, int(d["mode"], 8))
    for f in case["inputs"]["setup"]["files"]:
        p = pathlib.Path(_subst(f["path"], home, base))
        if not p.parent.exists():
            p.parent.mkdir(parents=True, mode=0o755)
        shutil.copyfile(TOPIC / f["file"], p)
        os.chmod(p, int(f["mode"], 8))

    ours_written = set()
    expected_files = {}
    tree = []
    for i, step in enumerate(case["expected"]["steps"]):
        what = f"{case['id']} step {i} {step['call']}"
        dev = DEVIATION.get((case["id"], i))
        before = _snapshot(root)
        got = _call(step["call"], step["args"])
        after = _snapshot(root)
        if dev and dev[0] is not None:
            expected = dev[0]()
        else:
            assert "raises" not in step, f"{what}: tk-core raised, no deviation listed"
            expected = step["returns"]
        assert got == expected, f"{what}: return value"
        written = sorted(k for k, v in after.items() if before.get(k) != v)
        expected_written = dev[1] if dev and dev[1] is not None else step["written"]
        assert written == sorted(expected_written), f"{what}: files written"
        ours_written.update(written)
        if "tree_after" in step:
            tree = step["tree_after"]
            expected_files = {e["path"]: TOPIC / e["file"] for e in tree if e["type"] == "file"}
        for rel in dev[2] if dev else []:
            expected_files[rel] = DEVIATIONS / case["id"] / f"step{i:02d}" / rel
        _check_tree(what, tree, root, expected_files, ours_written)
    final = case["expected"]["final_tree"]
    for e in final:
        if e["type"] == "file":
            expected_files.setdefault(e["path"], TOPIC / e["file"])
    _check_tree(case["id"], final, root, expected_files, ours_written)
    # No lock or temporary file is left behind.
    assert _tree_paths(root) == {e["path"] for e in final}, f"{case['id']}: final tree"


def _check_tree(what, tree, root, expected_files, ours_written):
    for entry in tree:
        rel = entry["path"]
        path = root / rel
        mode = stat.S_IMODE(path.stat().st_mode)
        # Decision 1: every file tk-auth writes is 0600, also when it existed.
        want = 0o600 if rel in ours_written else int(entry["mode"], 8)
        assert mode == want, f"{what}: mode of {rel}"
        if entry["type"] != "file":
            continue
        ours = path.read_bytes()
        theirs = expected_files[rel].read_bytes()
        assert yaml.safe_load(ours) == yaml.safe_load(theirs), f"{what}: data of {rel}"
        if rel in ours_written:
            assert ours == theirs, f"{what}: bytes of {rel} (PyYAML safe_dump layout)"


def test_files_written_are_pyyaml_safe_dump_bytes(home):
    """What tk_auth writes is what PyYAML's safe_dump writes for the same data."""
    tk_auth.cache_session_data("https://mysite.shotgunstudio.com", "jdoe", "tok-1", "meta")
    tk_auth.set_current_user("https://mysite.shotgunstudio.com", "jdoe")
    tk_auth.set_current_host("https://mysite.shotgunstudio.com")
    for path in [home / "mysite" / "authentication.yml", home / "authentication.yml"]:
        data = path.read_bytes()
        assert yaml.safe_dump(yaml.safe_load(data)).encode() == data
