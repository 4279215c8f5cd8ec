"""Conformance of the site emulator, judged by the real Python client shotgun_api3.

Run by the crate's integration test, which starts the emulated sites and passes their
description as JSON in the environment variable TK_EMULATOR_CONFORMANCE:

    {"default": {"url": ..., "human": {"login", "password", "id"},
                 "two_factor": {"login", "password", "totp_secret_base32", "backup_code"},
                 "inactive": {"login", "password"},
                 "script": {"name", "key", "id"},
                 "non_ascii": {"login", "password"},
                 "version": [8, 50, 0], "human_count": N},
     "saml2": {"url": ..., "human": {...}},
     "oxygen": {"url": ..., "human": {...}},
     "launcher_off": {"url": ...}}

The App Session Launcher checks talk to the site with plain urllib, the way tk-core's
app_session_launcher does (form POST, empty PUT polls, HTTP errors read as answers, JSON
decoded when the Content-Type says so), and play the browser by submitting the approval
page's own form.

Prints one line per check and ends with "N passed, M failed"; exits 1 on any failure.
"""

import base64
import hashlib
import hmac
import html.parser
import json
import os
import platform
import struct
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client

from shotgun_api3.shotgun import (
    AuthenticationFault,
    Fault,
    MissingTwoFactorAuthenticationFault,
    Shotgun,
    UserCredentialsNotAllowedForOxygenAuthenticationFault,
    UserCredentialsNotAllowedForSSOAuthenticationFault,
)

CONFIG = json.loads(os.environ["TK_EMULATOR_CONFORMANCE"])
DEFAULT = CONFIG["default"]
RESULTS = {"passed": 0, "failed": 0}


def check(name):
    """Runs the decorated function as one named check."""

    def run(fn):
        try:
            fn()
        except Exception:  # a failed check, whatever it raised
            RESULTS["failed"] += 1
            detail = traceback.format_exc().strip().splitlines()
            print("FAIL - %s\n    %s" % (name, "\n    ".join(detail[-6:])))
        else:
            RESULTS["passed"] += 1
            print("ok - %s" % name)
        return fn

    return run


def expect_raises(exc_type, fn):
    try:
        fn()
    except exc_type as e:
        return e
    raise AssertionError("expected %s, nothing was raised" % exc_type.__name__)


def control(site, method, path, body=None):
    """Calls the emulator's control API."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        site["url"] + "/_emulator/" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def totp(secret_base32, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (code % 1000000)


def human_connection(site, who="human"):
    user = site[who]
    return Shotgun(site["url"], login=user["login"], password=user["password"])


def fresh_token(site=DEFAULT):
    return human_connection(site).get_session_token()


def advance_clock(site, seconds):
    """Moves the site's clock ahead, as if that much time had passed."""
    control(site, "POST", "clock/advance", {"seconds": seconds})


# --- App Session Launcher, spoken the way tk-core speaks it ---------------------------------

OPENER = urllib.request.build_opener(urllib.request.HTTPHandler)
USER_AGENT = "tk-core/conformance CPython/%s (%s)" % (platform.python_version(), platform.platform())


def launcher_call(url, method, data=None):
    """Returns (status, decoded JSON or None, headers) for one request."""
    req = urllib.request.Request(url, method=method, data=data, headers={"User-Agent": USER_AGENT})
    try:
        resp = OPENER.open(req)
    except urllib.error.HTTPError as e:
        resp = e  # an error answer is read like any other, as tk-core does
    with resp:
        body = resp.read()
        is_json = resp.headers.get_content_type() == "application/json"
        return resp.code, (json.loads(body) if is_json else None), resp.headers


def launcher_request(site):
    form = urllib.parse.urlencode(
        {"appName": "Conformance check", "machineId": platform.node()}
    ).encode()
    return launcher_call(
        urllib.parse.urljoin(site["url"], "/internal_api/app_session_request"), "POST", form
    )


def launcher_poll(site, request_id):
    url = urllib.parse.urljoin(
        site["url"], "/internal_api/app_session_request/%s" % request_id
    )
    return launcher_call(url, "PUT")


class ApprovalForm(html.parser.HTMLParser):
    """What a browser needs of the approval page: the form, its choices and its buttons."""

    def __init__(self):
        super().__init__()
        self.action = self.method = self.select = None
        self.options, self.buttons = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action, self.method = attrs.get("action"), attrs.get("method", "get").lower()
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option":
            self.options.append(attrs["value"])
        elif tag == "button" and attrs.get("type") == "submit":
            self.buttons[attrs["value"]] = attrs["name"]


def browser_decides(page_url, decision, login=None):
    """Opens the approval page and submits its form as a person clicking a button would."""
    with urllib.request.urlopen(page_url) as resp:
        assert resp.headers.get_content_type() == "text/html", resp.headers
        form = ApprovalForm()
        form.feed(resp.read().decode("utf-8"))
    assert form.method == "post" and form.action, (form.method, form.action)
    fields = {form.buttons[decision]: decision}
    if login is not None:
        assert login in form.options, form.options
        fields[form.select] = login
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.parse.urljoin(page_url, form.action), data) as resp:
        assert resp.code == 200, resp.code


def fast(sg):
    # The client sleeps attempt x BACKOFF between its 502/504 retries; the count of
    # retries, not their pacing, is what is checked here.
    sg.BACKOFF = 0.0
    return sg


# --- info ---------------------------------------------------------------------------


@check("info() returns the site's version and authentication settings")
def _():
    info = Shotgun(DEFAULT["url"], session_token="x", connect=False).info()
    assert info["version"] == DEFAULT["version"], info
    assert info["user_authentication_method"] == "default", info
    assert info["unified_login_flow_enabled"] is True, info
    assert info["authentication_app_session_launcher_enabled"] is True, info
    assert isinstance(info["full_version"], list) and len(info["full_version"]) == 4, info


@check("server_caps parses the version from info()")
def _():
    sg = human_connection(DEFAULT)
    assert sg.server_caps.version == tuple(DEFAULT["version"]), sg.server_caps.version
    assert sg.server_caps.is_dev is False


@check("info() on SSO sites reports saml2 and oxygen")
def _():
    for kind in ("saml2", "oxygen"):
        info = Shotgun(CONFIG[kind]["url"], session_token="x", connect=False).info()
        assert info["user_authentication_method"] == kind, info


@check("info() is sent without credentials")
def _():
    Shotgun(DEFAULT["url"], session_token="x", connect=False).info()
    body = control(DEFAULT, "GET", "last_request/info")
    assert body == {"method_name": "info", "params": []}, body


# --- login and password -----------------------------------------------------------------


@check("Shotgun(url, login=, password=).get_session_token() returns a session token")
def _():
    token = fresh_token()
    assert isinstance(token, str) and len(token) == 32, token
    int(token, 16)


@check("get_session_token is sent with user_login and user_password")
def _():
    fresh_token()
    body = control(DEFAULT, "GET", "last_request/get_session_token")
    assert body["method_name"] == "get_session_token", body
    assert body["params"] == [
        {"user_login": DEFAULT["human"]["login"], "user_password": DEFAULT["human"]["password"]}
    ], body


@check("each password login makes a new session token")
def _():
    assert fresh_token() != fresh_token()


@check("a wrong password raises AuthenticationFault")
def _():
    sg = Shotgun(DEFAULT["url"], login=DEFAULT["human"]["login"], password="wrong")
    expect_raises(AuthenticationFault, sg.get_session_token)


@check("an unknown login raises AuthenticationFault")
def _():
    sg = Shotgun(DEFAULT["url"], login="nobody-here", password="x")
    expect_raises(AuthenticationFault, sg.get_session_token)


@check("an inactive user raises AuthenticationFault")
def _():
    expect_raises(AuthenticationFault, human_connection(DEFAULT, "inactive").get_session_token)


@check("a non-ASCII login and password travel as UTF-8")
def _():
    user = DEFAULT["non_ascii"]
    sg = Shotgun(DEFAULT["url"], login=user["login"], password=user["password"])
    assert sg.get_session_token()
    found = sg.find_one("HumanUser", [["login", "is", user["login"]]], ["login"])
    assert found["login"] == user["login"], found


@check("a password connection can read directly")
def _():
    found = human_connection(DEFAULT).find_one(
        "HumanUser", [["login", "is", DEFAULT["human"]["login"]]]
    )
    assert found == {"type": "HumanUser", "id": DEFAULT["human"]["id"]}, found


# --- session token ----------------------------------------------------------------------


@check("find_one('HumanUser', [['login', 'is', …]]) with the session token")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    found = sg.find_one("HumanUser", [["login", "is", DEFAULT["human"]["login"]]])
    assert found == {"type": "HumanUser", "id": DEFAULT["human"]["id"]}, found


@check("the session-token read is sent with reject_if_expired and the find_one paging")
def _():
    token = fresh_token()
    Shotgun(DEFAULT["url"], session_token=token).find_one(
        "HumanUser", [["login", "is", DEFAULT["human"]["login"]]]
    )
    body = control(DEFAULT, "GET", "last_request/read")
    auth, params = body["params"]
    assert auth == {"session_token": token, "reject_if_expired": True}, auth
    assert params["type"] == "HumanUser", params
    assert params["filters"] == {
        "logical_operator": "and",
        "conditions": [
            {"path": "login", "relation": "is", "values": [DEFAULT["human"]["login"]]}
        ],
    }, params
    assert params["paging"] == {"entities_per_page": 1, "current_page": 1}, params
    assert params["return_only"] == "active", params


@check("find_one returns the asked-for fields")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    found = sg.find_one(
        "HumanUser", [["login", "is", DEFAULT["human"]["login"]]], ["login", "sg_status_list"]
    )
    assert found["login"] == DEFAULT["human"]["login"], found
    assert found["sg_status_list"] == "act", found


@check("find_one on a login nobody has returns None")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    assert sg.find_one("HumanUser", [["login", "is", "nobody-here"]]) is None


@check("find('HumanUser', []) pages through every user")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    users = sg.find("HumanUser", [], ["login"])
    assert len(users) == DEFAULT["human_count"], users
    assert len({u["id"] for u in users}) == DEFAULT["human_count"], users
    # api_max_entities_per_page is small on this site: more than one page was read.
    assert sg.config.records_per_page < DEFAULT["human_count"], sg.config.records_per_page


@check("find with limit and page returns that page")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    first = sg.find("HumanUser", [], ["login"], order=[{"field_name": "id"}], limit=1, page=1)
    second = sg.find("HumanUser", [], ["login"], order=[{"field_name": "id"}], limit=1, page=2)
    assert len(first) == 1 and len(second) == 1, (first, second)
    assert first[0]["id"] != second[0]["id"], (first, second)


@check("an expired session raises AuthenticationFault")
def _():
    token = fresh_token()
    sg = Shotgun(DEFAULT["url"], session_token=token)
    sg.find_one("HumanUser", [])
    assert control(DEFAULT, "POST", "sessions/expire", {"session_token": token}) == {
        "expired": True
    }
    expect_raises(AuthenticationFault, lambda: sg.find_one("HumanUser", []))


@check("an unknown session token raises AuthenticationFault")
def _():
    sg = Shotgun(DEFAULT["url"], session_token="0" * 32)
    expect_raises(AuthenticationFault, lambda: sg.find_one("HumanUser", []))


@check("get_session_token with a session token returns it without a call")
def _():
    token = fresh_token()
    before = control(DEFAULT, "GET", "calls")["by_method"].get("get_session_token", 0)
    assert Shotgun(DEFAULT["url"], session_token=token).get_session_token() == token
    after = control(DEFAULT, "GET", "calls")["by_method"].get("get_session_token", 0)
    assert before == after, (before, after)


@check("a session unused for longer than the inactivity lifetime raises AuthenticationFault")
def _():
    token = fresh_token()
    sg = Shotgun(DEFAULT["url"], session_token=token)
    # Used every 23 hours for two days: the 24-hour lifetime slides with each call.
    for _ in range(2):
        advance_clock(DEFAULT, 23 * 3600)
        assert sg.find_one("HumanUser", [["login", "is", DEFAULT["human"]["login"]]])
    advance_clock(DEFAULT, 24 * 3600)
    expect_raises(AuthenticationFault, lambda: sg.find_one("HumanUser", []))


# --- script user ------------------------------------------------------------------------


@check("script-key find_one('ApiUser', [['firstname', 'is', …]])")
def _():
    script = DEFAULT["script"]
    sg = Shotgun(DEFAULT["url"], script_name=script["name"], api_key=script["key"])
    found = sg.find_one("ApiUser", [["firstname", "is", script["name"]]])
    assert found == {"type": "ApiUser", "id": script["id"]}, found
    body = control(DEFAULT, "GET", "last_request/read")
    assert body["params"][0] == {"script_name": script["name"], "script_key": script["key"]}


@check("a wrong script key raises AuthenticationFault")
def _():
    sg = Shotgun(DEFAULT["url"], script_name=DEFAULT["script"]["name"], api_key="wrong")
    expect_raises(AuthenticationFault, lambda: sg.find_one("ApiUser", []))


# --- two-factor -------------------------------------------------------------------------


@check("2FA without a code raises MissingTwoFactorAuthenticationFault")
def _():
    expect_raises(
        MissingTwoFactorAuthenticationFault,
        human_connection(DEFAULT, "two_factor").get_session_token,
    )


@check("2FA with the right TOTP code succeeds")
def _():
    user = DEFAULT["two_factor"]
    code = totp(user["totp_secret_base32"])
    # The emulator's own code is the one an authenticator app shows (give or take a step
    # boundary between the two readings).
    now = time.time()
    emulated = control(DEFAULT, "GET", "totp/" + user["login"])["code"]
    assert emulated in {totp(user["totp_secret_base32"], now + d) for d in (-30, 0, 30)}
    # With auth_token the client fetches the token at once and forgets the credentials.
    sg = Shotgun(
        DEFAULT["url"], login=user["login"], password=user["password"], auth_token=code
    )
    assert sg.config.session_token and sg.config.user_password is None
    found = sg.find_one("HumanUser", [["login", "is", user["login"]]])
    assert found["type"] == "HumanUser", found


@check("2FA with a wrong code raises AuthenticationFault")
def _():
    user = DEFAULT["two_factor"]
    good = totp(user["totp_secret_base32"])
    wrong = "%06d" % ((int(good) + 500000) % 1000000)
    expect_raises(
        AuthenticationFault,
        lambda: Shotgun(
            DEFAULT["url"], login=user["login"], password=user["password"], auth_token=wrong
        ),
    )


@check("a backup code works once")
def _():
    user = DEFAULT["two_factor"]

    def login():
        return Shotgun(
            DEFAULT["url"],
            login=user["login"],
            password=user["password"],
            auth_token=user["backup_code"],
        )

    assert login().config.session_token
    expect_raises(AuthenticationFault, login)


# --- SSO sites --------------------------------------------------------------------------


@check("password login on a saml2 site raises UserCredentialsNotAllowedForSSOAuthenticationFault")
def _():
    expect_raises(
        UserCredentialsNotAllowedForSSOAuthenticationFault,
        human_connection(CONFIG["saml2"]).get_session_token,
    )


@check("password login on an oxygen site raises UserCredentialsNotAllowedForOxygenAuthenticationFault")
def _():
    expect_raises(
        UserCredentialsNotAllowedForOxygenAuthenticationFault,
        human_connection(CONFIG["oxygen"]).get_session_token,
    )


@check("lapsed SAML claims answer 302 to /saml/saml_login_request; the session stays valid")
def _():
    site = CONFIG["saml2"]
    token = control(site, "POST", "sessions", {"login": site["human"]["login"]})["session_token"]
    sg = Shotgun(site["url"], session_token=token)
    assert sg.find_one("HumanUser", [["login", "is", site["human"]["login"]]])
    control(site, "POST", "saml_claims/expire")
    e = expect_raises(xmlrpc.client.ProtocolError, lambda: sg.find_one("HumanUser", []))
    assert e.errcode == 302, e.errcode
    assert e.headers["location"] == site["url"] + "/saml/saml_login_request", e.headers


# --- App Session Launcher --------------------------------------------------------------


@check("App Session Launcher: the form POST answers a sessionRequestId and a browser url")
def _():
    status, created, _ = launcher_request(DEFAULT)
    assert status == 200 and isinstance(created, dict), (status, created)
    assert created["sessionRequestId"] and created["url"].startswith(DEFAULT["url"] + "/"), created
    pending = control(DEFAULT, "GET", "requests")["requests"]
    mine = [r for r in pending if r["id"] == created["sessionRequestId"]]
    assert mine == [
        {"id": created["sessionRequestId"], "app_name": "Conformance check",
         "machine_id": platform.node()}
    ], pending


@check("App Session Launcher: polls answer approved false until someone decides")
def _():
    _, created, _ = launcher_request(DEFAULT)
    for _ in range(2):
        status, polled, _ = launcher_poll(DEFAULT, created["sessionRequestId"])
        assert (status, polled) == (200, {"approved": False}), (status, polled)


@check("App Session Launcher: approved in the browser page, the poll hands out a working session")
def _():
    login = DEFAULT["human"]["login"]
    _, created, _ = launcher_request(DEFAULT)
    browser_decides(created["url"], "approve", login)
    status, approved, _ = launcher_poll(DEFAULT, created["sessionRequestId"])
    assert status == 200 and approved["approved"] is True, (status, approved)
    assert approved["userLogin"] == login and approved["sessionToken"], approved
    sg = Shotgun(DEFAULT["url"], session_token=approved["sessionToken"])
    found = sg.find_one("HumanUser", [["login", "is", approved["userLogin"]]])
    assert found == {"type": "HumanUser", "id": DEFAULT["human"]["id"]}, found
    # Collected once; from then on the request is gone: 404 with a JSON body.
    status, gone, _ = launcher_poll(DEFAULT, created["sessionRequestId"])
    assert status == 404 and isinstance(gone, dict), (status, gone)


@check("App Session Launcher: a request denied in the browser page polls 404 with JSON")
def _():
    _, created, _ = launcher_request(DEFAULT)
    browser_decides(created["url"], "deny")
    status, denied, _ = launcher_poll(DEFAULT, created["sessionRequestId"])
    assert status == 404 and isinstance(denied, dict), (status, denied)


@check("App Session Launcher: a request nobody answers expires and polls 404 with JSON")
def _():
    _, created, _ = launcher_request(DEFAULT)
    advance_clock(DEFAULT, 3600)
    status, expired, _ = launcher_poll(DEFAULT, created["sessionRequestId"])
    assert status == 404 and isinstance(expired, dict), (status, expired)


@check("App Session Launcher: a site without the feature answers 403 with JSON")
def _():
    site = CONFIG["launcher_off"]
    info = Shotgun(site["url"], session_token="x", connect=False).info()
    assert info["authentication_app_session_launcher_enabled"] is False, info
    status, refused, _ = launcher_request(site)
    assert status == 403 and isinstance(refused, dict), (status, refused)


# --- outages ----------------------------------------------------------------------------


@check("two 502s then success: the client's own retry succeeds")
def _():
    control(DEFAULT, "DELETE", "calls")
    control(DEFAULT, "POST", "faults", {"fault": "status", "status": 502, "count": 2})
    info = fast(Shotgun(DEFAULT["url"], session_token="x", connect=False)).info()
    assert info["version"] == DEFAULT["version"], info
    assert control(DEFAULT, "GET", "calls")["by_method"]["info"] == 3


@check("three 504s exhaust the client's retries with ProtocolError 504")
def _():
    control(DEFAULT, "POST", "faults", {"fault": "status", "status": 504, "count": 3})
    sg = fast(Shotgun(DEFAULT["url"], session_token="x", connect=False))
    e = expect_raises(xmlrpc.client.ProtocolError, sg.info)
    assert e.errcode == 504, e.errcode


@check("a 503 raises ProtocolError with the maintenance message, without retry")
def _():
    control(DEFAULT, "DELETE", "calls")
    control(DEFAULT, "POST", "faults", {"fault": "status", "status": 503, "count": 1})
    sg = fast(Shotgun(DEFAULT["url"], session_token="x", connect=False))
    e = expect_raises(xmlrpc.client.ProtocolError, sg.info)
    assert e.errcode == 503, e.errcode
    assert e.errmsg == (
        "Flow Production Tracking is currently down for maintenance or too busy to reply. "
        "Please try again later."
    ), e.errmsg
    assert control(DEFAULT, "GET", "calls")["by_method"]["info"] == 1


@check("one dropped connection is retried by the client's transport; two are an error")
def _():
    control(DEFAULT, "POST", "faults", {"fault": "drop_connection", "count": 1})
    sg = Shotgun(DEFAULT["url"], session_token="x", connect=False)
    assert sg.info()["version"] == DEFAULT["version"]
    control(DEFAULT, "POST", "faults", {"fault": "drop_connection", "count": 2})
    expect_raises(ConnectionError, Shotgun(DEFAULT["url"], session_token="x", connect=False).info)


@check("a malformed body is a decoding error, and the next call works")
def _():
    control(DEFAULT, "POST", "faults", {"fault": "malformed_body", "count": 1})
    sg = Shotgun(DEFAULT["url"], session_token="x", connect=False)
    expect_raises(ValueError, sg.info)
    assert sg.info()["version"] == DEFAULT["version"]


@check("a stalled answer still arrives")
def _():
    control(DEFAULT, "POST", "faults", {"fault": "stall", "millis": 50, "count": 1})
    assert Shotgun(DEFAULT["url"], session_token="x", connect=False).info()["version"]


@check("an unknown method raises Fault, and the site keeps serving")
def _():
    sg = Shotgun(DEFAULT["url"], session_token=fresh_token())
    e = expect_raises(Fault, lambda: sg._call_rpc("no_such_method", None))
    assert not isinstance(e, AuthenticationFault)
    assert sg.find_one("HumanUser", [])


print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
sys.exit(1 if RESULTS["failed"] else 0)
