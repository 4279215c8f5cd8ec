"""tk_auth.patch_tk_core() and unpatch_tk_core(): tk-core's session cache (and, when asked,
its payload decoder and adsk_auth's file store) replaced by tk_auth's, where tk-core's
callers look them up. Part of the tk_auth extension module (src/patch.rs loads it)."""

import importlib
import logging
import sys
import threading

_log = logging.getLogger("tk_auth.patch")
_lock = threading.RLock()
# (module name, attribute) -> the original object, for every place patched.
_saved = {}

SESSION_CACHE = "tank.authentication.session_cache"
USER_IMPL = "tank.authentication.user_impl"
FILE_STORE = "tank_vendor.adsk_auth.file_store"

SESSION_CACHE_FUNCTIONS = (
    "get_session_data",
    "cache_session_data",
    "delete_session_data",
    "get_current_user",
    "set_current_user",
    "set_current_host",
    "get_current_host",
    "get_recent_hosts",
    "get_recent_users",
    "get_preferred_method",
    "set_preferred_method",
)
FILE_STORE_FUNCTIONS = (
    "get_access_token",
    "get_refresh_token",
    "persist_tokens",
    "delete_tokens",
)
# Modules whose names may hold tk-core's functions (`from .file_store import ...`).
_PREFIXES = ("tank", "tank_vendor", "sgtk")


def _native():
    return sys.modules["tk_auth"]


def _make_deserialize_user(user_impl):
    """tk-core's user_impl.deserialize_user with tk_auth's decoder in front of its
    factories (the user object is still tk-core's)."""
    native = _native()
    factories = {
        "SessionUser": user_impl.SessionUser.from_dict,
        "ScriptUser": user_impl.ScriptUser.from_dict,
    }

    def deserialize_user(payload):
        user = native.deserialize_user(payload)
        return factories[user["type"]](user["data"])

    deserialize_user.__doc__ = "tk_auth's bounded decoder, then tk-core's user factories."
    deserialize_user.__tk_auth__ = True
    return deserialize_user


def _replacements(payloads, flow_store):
    native = _native()
    plan = []
    module = importlib.import_module(SESSION_CACHE)
    for name in SESSION_CACHE_FUNCTIONS:
        plan.append((module, name, getattr(native, name)))
    if payloads:
        module = importlib.import_module(USER_IMPL)
        plan.append((module, "deserialize_user", _make_deserialize_user(module)))
    if flow_store:
        module = importlib.import_module(FILE_STORE)
        for name in FILE_STORE_FUNCTIONS:
            plan.append((module, name, getattr(native, name)))
    return plan


def _is_ours(obj):
    """Whether obj is one of tk_auth's functions (the extension module may be loaded as
    `tk_auth` or, inside the wheel's package, as `tk_auth.tk_auth`)."""
    if getattr(obj, "__tk_auth__", False):
        return True
    module = getattr(obj, "__module__", None) or ""
    return module == "tk_auth" or module.startswith("tk_auth.")


def _aliases(original):
    """Every (module, attribute) of tk-core's loaded modules bound to `original`."""
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or not mod_name.split(".", 1)[0] in _PREFIXES:
            continue
        for attr, value in list(vars(mod).items()):
            if value is original:
                yield mod_name, mod, attr


def patch_tk_core(payloads=False, flow_store=False):
    """Replaces tk-core's session_cache functions with tk_auth's (and, when asked, its
    payload decoder and adsk_auth's file store), in their modules and wherever tk-core's
    modules imported them by name. Idempotent; logs each replacement through `logging`.
    Returns the places replaced by this call, as "module.attribute"."""
    replaced = []
    with _lock:
        for module, name, new in _replacements(payloads, flow_store):
            current = getattr(module, name, None)
            if current is None:
                _log.warning("tk_auth: %s.%s not found; left alone", module.__name__, name)
                continue
            if _is_ours(current):
                continue
            for mod_name, mod, attr in list(_aliases(current)):
                _saved.setdefault((mod_name, attr), current)
                setattr(mod, attr, new)
                replaced.append(f"{mod_name}.{attr}")
                _log.info("tk_auth: replaced %s.%s", mod_name, attr)
    return replaced


def unpatch_tk_core():
    """Puts back every function patch_tk_core() replaced. Returns the places restored."""
    restored = []
    with _lock:
        for (mod_name, attr), original in list(_saved.items()):
            mod = sys.modules.get(mod_name)
            if mod is not None and _is_ours(getattr(mod, attr, None)):
                setattr(mod, attr, original)
                restored.append(f"{mod_name}.{attr}")
                _log.info("tk_auth: restored %s.%s", mod_name, attr)
            del _saved[(mod_name, attr)]
    return restored


def is_patched():
    """Whether tk-core's session cache is tk_auth's now."""
    mod = sys.modules.get(SESSION_CACHE)
    return mod is not None and _is_ours(getattr(mod, "get_session_data", None))
