"""Conformance of the emulated Flow authorization server, judged by the OAuth 2 client of
authlib (authlib.integrations.requests_client.OAuth2Session, PKCE S256, a public client).

Run by the crate's integration test, which starts the emulated sites and passes their
description as JSON in the environment variable TK_EMULATOR_FLOW_JUDGE:

    {"auto":      {"url", "client_id", "redirect_uri", "login"},   # approves by itself
     "attended":  {"url", "client_id", "redirect_uri", "login"},   # shows the approval page
     "expiring":  {"url", "client_id", "redirect_uri", "login", "lifetime"}}

The browser is played with requests: the authorization URL is opened without following
redirects, the approval page's own form is submitted, and the redirect to the loopback
callback is read from the Location header (nothing needs to listen there).

Prints one line per check and ends with "N passed, M failed"; exits 1 on any failure.
"""

import base64
import html.parser
import json
import os
import sys
import time
import traceback
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError

CONFIG = json.loads(os.environ["TK_EMULATOR_FLOW_JUDGE"])
SCOPE = "data:read data:write data:create"
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


def endpoint(site, name):
    return "%s/authentication/v2/%s" % (site["url"], name)


def session(site, **kwargs):
    """The client as an application configures it for APS: public, PKCE S256."""
    return OAuth2Session(
        client_id=site["client_id"],
        redirect_uri=site["redirect_uri"],
        scope=SCOPE,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        token_endpoint=endpoint(site, "token"),
        **kwargs,
    )


def control(site, method, path, body=None):
    resp = requests.request(method, "%s/_emulator/%s" % (site["url"], path), json=body)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    return resp.json()


def calls(site, key):
    return control(site, "GET", "calls")["by_method"].get(key, 0)


class ApprovalForm(html.parser.HTMLParser):
    """What a browser needs of the approval page: the form, its choices and its buttons."""

    def __init__(self):
        super().__init__()
        self.action = self.select = None
        self.options, self.buttons = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option":
            self.options.append(attrs["value"])
        elif tag == "button" and attrs.get("type") == "submit":
            self.buttons[attrs["value"]] = attrs["name"]


def browse(site, url, decision="approve"):
    """Opens the authorization URL as a browser would and returns where it is sent back.

    A site that approves by itself redirects at once; otherwise the approval page's form
    is submitted with the decision."""
    resp = requests.get(url, allow_redirects=False)
    if resp.status_code == 302:
        return resp.headers["Location"]
    assert resp.status_code == 200, (resp.status_code, resp.text)
    form = ApprovalForm()
    form.feed(resp.text)
    assert form.action and decision in form.buttons, (form.action, form.buttons)
    fields = {form.buttons[decision]: decision}
    if decision == "approve":
        assert site["login"] in form.options, form.options
        fields[form.select] = site["login"]
    answer = requests.post(
        urllib.parse.urljoin(site["url"], form.action), data=fields, allow_redirects=False
    )
    assert answer.status_code == 302, (answer.status_code, answer.text)
    return answer.headers["Location"]


def login(site, client=None):
    """A whole login: authorization URL, browser, code exchange. Returns the client."""
    client = client or session(site)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        endpoint(site, "authorize"), code_verifier=verifier, nonce=generate_token(16)
    )
    location = browse(site, url)
    client.fetch_token(authorization_response=location, code_verifier=verifier, state=state)
    return client


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def introspect(site, client, token):
    resp = client.introspect_token(endpoint(site, "introspect"), token=token)
    assert resp.status_code == 200, resp.text
    return resp.json()


def expect_oauth_error(fn, error):
    try:
        fn()
    except OAuthError as e:
        assert e.error == error, (e.error, e.description)
        return e
    raise AssertionError("expected OAuthError %s, nothing was raised" % error)


AUTO, ATTENDED, EXPIRING = CONFIG["auto"], CONFIG["attended"], CONFIG["expiring"]
STATE = {}


@check("the authorization URL carries PKCE S256 and the site redirects with a code and the state")
def _():
    client = session(AUTO)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(endpoint(AUTO, "authorize"), code_verifier=verifier)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    location = browse(AUTO, url)
    assert location.startswith(AUTO["redirect_uri"] + "?"), location
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert back["state"] == state and back["code"], back
    STATE["auto"] = (client, location, verifier, state)


@check("fetch_token exchanges the code for a Bearer JWT and a refresh token")
def _():
    client, location, verifier, state = STATE["auto"]
    token = client.fetch_token(authorization_response=location, code_verifier=verifier, state=state)
    assert token["token_type"] == "Bearer" and token["refresh_token"], token.keys()
    assert token["expires_in"] == 3599 and not token.is_expired(), token["expires_in"]
    payload = claims(token["access_token"])
    assert payload["sub"] == AUTO["login"] and payload["client_id"] == AUTO["client_id"]
    assert abs(payload["exp"] - (time.time() + 3599)) < 30, payload
    STATE["token"] = dict(token)


@check("introspection says the access token is live and whose it is")
def _():
    client = STATE["auto"][0]
    answer = introspect(AUTO, client, STATE["token"]["access_token"])
    assert answer["active"] is True and answer["sub"] == AUTO["login"], answer
    assert answer["client_id"] == AUTO["client_id"] and answer["scope"] == SCOPE, answer


@check("refresh_token rotates: new tokens, and the old refresh token is refused")
def _():
    client = STATE["auto"][0]
    old = STATE["token"]
    new = client.refresh_token(endpoint(AUTO, "token"), refresh_token=old["refresh_token"])
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    assert introspect(AUTO, client, new["access_token"])["active"] is True
    expect_oauth_error(
        lambda: session(AUTO).refresh_token(
            endpoint(AUTO, "token"), refresh_token=old["refresh_token"]
        ),
        "invalid_grant",
    )
    # The rotated one still works, once.
    again = client.refresh_token(endpoint(AUTO, "token"), refresh_token=new["refresh_token"])
    assert again["access_token"]


@check("the same code a second time is refused, and the tokens it led to are revoked")
def _():
    client, location, verifier, state = STATE["auto"]
    expect_oauth_error(
        lambda: session(AUTO).fetch_token(
            authorization_response=location, code_verifier=verifier, state=state
        ),
        "invalid_grant",
    )
    expect_oauth_error(lambda: client.refresh_token(endpoint(AUTO, "token")), "invalid_grant")


@check("a wrong code_verifier is refused with invalid_grant")
def _():
    client = session(AUTO)
    url, state = client.create_authorization_url(
        endpoint(AUTO, "authorize"), code_verifier=generate_token(48)
    )
    location = browse(AUTO, url)
    expect_oauth_error(
        lambda: client.fetch_token(
            authorization_response=location, code_verifier=generate_token(48), state=state
        ),
        "invalid_grant",
    )


@check("a person approves on the page (Python Toolkit's application id, registered)")
def _():
    client = login(ATTENDED)
    assert claims(client.token["access_token"])["sub"] == ATTENDED["login"]
    assert control(ATTENDED, "GET", "flow/authorizations")["authorizations"] == []


@check("a person denies on the page: error=access_denied with the state")
def _():
    client = session(ATTENDED)
    url, state = client.create_authorization_url(
        endpoint(ATTENDED, "authorize"), code_verifier=generate_token(48)
    )
    location = browse(ATTENDED, url, decision="deny")
    back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert back["error"] == "access_denied" and back["state"] == state and "code" not in back


@check("the control API approves a pending authorization for the client")
def _():
    client = session(ATTENDED)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        endpoint(ATTENDED, "authorize"), code_verifier=verifier
    )
    assert requests.get(url, allow_redirects=False).status_code == 200
    (pending,) = control(ATTENDED, "GET", "flow/authorizations")["authorizations"]
    assert pending["client_id"] == ATTENDED["client_id"] and pending["scope"] == SCOPE
    approved = control(
        ATTENDED, "POST", "flow/authorizations/%s/approve" % pending["id"], {"login": ATTENDED["login"]}
    )
    token = client.fetch_token(
        authorization_response=approved["location"], code_verifier=verifier, state=state
    )
    assert token["access_token"]


@check("an unknown client or a redirect away from loopback gets a page, never a redirect")
def _():
    for client_id, redirect in [
        ("not-registered", ATTENDED["redirect_uri"]),
        (ATTENDED["client_id"], "https://elsewhere.example.net/callback"),
    ]:
        client = OAuth2Session(client_id=client_id, redirect_uri=redirect, scope=SCOPE,
                               code_challenge_method="S256")
        url, _ = client.create_authorization_url(
            endpoint(ATTENDED, "authorize"), code_verifier=generate_token(48)
        )
        resp = requests.get(url, allow_redirects=False)
        assert resp.status_code == 400 and "Location" not in resp.headers, resp.status_code


@check("revoked refresh tokens are refused with invalid_grant")
def _():
    client = login(ATTENDED)
    control(ATTENDED, "POST", "flow/refresh_tokens/revoke")
    expect_oauth_error(lambda: client.refresh_token(endpoint(ATTENDED, "token")), "invalid_grant")


@check("a slow token endpoint makes the client's timeout fire")
def _():
    client = session(AUTO)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(endpoint(AUTO, "authorize"), code_verifier=verifier)
    location = browse(AUTO, url)
    control(AUTO, "POST", "flow/faults", {"fault": "stall", "millis": 1500})
    try:
        client.fetch_token(
            authorization_response=location, code_verifier=verifier, state=state, timeout=0.3
        )
    except requests.exceptions.Timeout:
        pass
    else:
        raise AssertionError("the stalled token request did not time out")


@check("an expiring token is refreshed by the client before use, through update_token")
def _():
    updates = []
    client = login(
        EXPIRING,
        session(EXPIRING, update_token=lambda token, refresh_token=None, access_token=None:
                updates.append((token, refresh_token))),
    )
    first = dict(client.token)
    assert first["expires_in"] == EXPIRING["lifetime"] and client.token.is_expired(leeway=60)
    before = calls(EXPIRING, "flow:refresh_token")
    # Any request with the session checks the token first and refreshes it (within leeway).
    client.get(EXPIRING["url"] + "/")
    assert calls(EXPIRING, "flow:refresh_token") == before + 1
    assert len(updates) == 1 and updates[0][1] == first["refresh_token"], updates
    assert client.token["refresh_token"] != first["refresh_token"]
    assert introspect(EXPIRING, client, client.token["access_token"])["active"] is True


print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
sys.exit(1 if RESULTS["failed"] else 0)
