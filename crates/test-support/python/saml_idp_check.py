"""Checks a running saml_idp.py with pysaml2 as the service provider.

    python saml_idp_check.py --idp-metadata URL --sp-entity-id ID --sp-acs URL \
        --cookie-name NAME --login LOGIN [--resolve HOST:ADDR] [--expect-login-page] \
        [--site-shaped-request]

The seeded session cookie's value is read from the SAML_IDP_COOKIE environment variable
(kept off the command line, which any process may list).

Builds an AuthnRequest for the identity provider (HTTP-Redirect binding) and follows it:
without a session, a login page with a password field is expected; submitting that page's
form signs in (a new session cookie and pysaml2's POST binding page); with the seeded session
cookie, the POST binding page is expected directly — or, with --expect-login-page (the
sessions were expired), the login page again. Each Response is parsed by pysaml2's client,
which verifies its signatures; the NameID is checked, and a tampered Response must be
refused. With --site-shaped-request the AuthnRequest is written by hand as the site writes
it, instead of by pysaml2. Prints one JSON line with what it saw (never a Response or a cookie value).
"""

import argparse
import base64
import calendar
import datetime
import html
import json
import logging
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib
from html.parser import HTMLParser

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
from saml2.sigver import get_xmlsec_binary
from saml2.time_util import str_to_time

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts in the source tree
from saml_idp import pin_host  # noqa: E402

# pysaml2 logs the refused forgery at length: only the outcome matters here.
logging.getLogger("saml2").setLevel(logging.CRITICAL + 1)


class Forms(HTMLParser):
    """The forms of a page: action, method and the inputs' (name, type, value)."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"),
                               "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(
                (attrs.get("name"), attrs.get("type"), attrs.get("value")))


def forms_of(page):
    parser = Forms()
    parser.feed(page)
    return parser.forms


def get(url, cookie=None, form=None):
    """Status, page and Set-Cookie header of a GET (or a POST of `form`)."""
    data = urllib.parse.urlencode(form).encode("ascii") if form is not None else None
    request = urllib.request.Request(url, data=data)
    if cookie:
        request.add_header("Cookie", cookie)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as answer:
        return answer.status, answer.read().decode("utf-8"), answer.headers.get("Set-Cookie")


def fetch(url):
    return get(url)[1]


def fields_of(form):
    return {name: value or "" for name, _, value in form["inputs"] if name}


def check_post_page(client, request_id, page, args, seen, prefix):
    """The POST binding page: its form, and the Response pysaml2's client accepts."""
    forms = forms_of(page)
    check(len(forms) == 1, prefix + ": no POST binding page")
    form = forms[0]
    fields = fields_of(form)
    seen[prefix + "_auto_post"] = 'onload="document.forms[0].submit()"' in page
    seen[prefix + "_form_action_is_acs"] = form["action"] == args.sp_acs
    seen[prefix + "_form_method"] = form["method"]
    seen[prefix + "_relay_state_kept"] = fields.get("RelayState") == "relay-1"
    check(seen[prefix + "_form_action_is_acs"] and seen[prefix + "_relay_state_kept"],
          prefix + ": wrong form: " + json.dumps(seen))
    response = client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    check(response is not None, prefix + ": pysaml2 refused the Response")
    name_id = response.assertion.subject.name_id
    seen[prefix + "_in_response_to_matches"] = response.in_response_to == request_id
    seen[prefix + "_name_id"] = name_id.text
    seen[prefix + "_name_id_email_format"] = name_id.format == NAMEID_FORMAT_EMAILADDRESS
    seen[prefix + "_response_signed"] = response.response.signature is not None
    seen[prefix + "_assertion_signed"] = response.assertion.signature is not None
    lifetime = calendar.timegm(str_to_time(response.assertion.conditions.not_on_or_after)) \
        - calendar.timegm(str_to_time(response.assertion.issue_instant))
    seen[prefix + "_lifetime_minutes"] = lifetime // 60
    check(name_id.text == args.login, prefix + ": wrong NameID")
    return fields["SAMLResponse"]


def site_shaped_request(client, args):
    """An AuthnRequest written as the site writes it, not by pysaml2: the ID, where it goes
    (the SSO URL from the identity provider's metadata), the ACS URL, the POST binding, the
    Issuer and an unspecified NameIDPolicy; raw DEFLATE, base64, in the query."""
    sso_url = client.metadata.single_sign_on_service(
        list(client.metadata.identity_providers())[0], BINDING_HTTP_REDIRECT)[0]["location"]
    request_id = "_" + secrets.token_hex(16)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" '
        'IssueInstant="{now}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" '
        'ProtocolBinding="{post}"><saml:Issuer>{issuer}</saml:Issuer>'
        '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" '
        'AllowCreate="true"/></samlp:AuthnRequest>'
    ).format(id=request_id, now=now, dest=html.escape(sso_url), acs=html.escape(args.sp_acs),
             post=BINDING_HTTP_POST, issuer=html.escape(args.sp_entity_id))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflate.compress(xml.encode("utf-8")) + deflate.flush()
    query = urllib.parse.urlencode(
        {"SAMLRequest": base64.b64encode(raw).decode("ascii"), "RelayState": "relay-1"})
    return request_id, sso_url + "?" + query


def check(condition, what):
    if not condition:
        raise SystemExit("saml_idp_check: " + what)


def main():
    parser = argparse.ArgumentParser()
    for name in ("idp-metadata", "sp-entity-id", "sp-acs", "cookie-name", "login"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--resolve", action="append", default=[], metavar="HOST:ADDR")
    parser.add_argument("--expect-login-page", action="store_true")
    parser.add_argument("--site-shaped-request", action="store_true")
    args = parser.parse_args()
    for spec in args.resolve:
        pin_host(spec)

    config = SPConfig()
    config.load({
        "entityid": args.sp_entity_id,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(args.sp_acs, BINDING_HTTP_POST)]},
            "allow_unsolicited": False,
            "want_response_signed": True,
            "want_assertions_signed": True,
            "authn_requests_signed": False,
        }},
        "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
        "metadata": {"inline": [fetch(args.idp_metadata)]},
    })
    client = Saml2Client(config=config)
    request_id, info = client.prepare_for_authenticate(
        binding=BINDING_HTTP_REDIRECT, relay_state="relay-1")
    location = dict(info["headers"])["Location"]
    if args.site_shaped_request:
        request_id, location = site_shaped_request(client, args)
    seen = {}

    # No session: the login page.
    status, page, _ = get(location)
    forms = forms_of(page)
    check(status == 200 and len(forms) == 1, "no login page without a session")
    login_form = forms[0]
    seen["login_page_password_field"] = any(
        t == "password" for _, t, _ in login_form["inputs"])
    check(seen["login_page_password_field"], "the login page has no password field")

    cookie = "{}={}".format(args.cookie_name, os.environ["SAML_IDP_COOKIE"])
    if args.expect_login_page:
        status, page, _ = get(location, cookie)
        forms = forms_of(page)
        seen["expired_session_login_page"] = status == 200 and len(forms) == 1 and any(
            t == "password" for _, t, _ in forms[0]["inputs"])
        check(seen["expired_session_login_page"], "an expired session was still honoured")
        print(json.dumps(seen))
        return

    # A person signs in on that page: a new session, and the POST binding page.
    form = fields_of(login_form)
    form.update(username=args.login, password="any password")
    action = urllib.parse.urljoin(location, login_form["action"])
    status, page, set_cookie = get(action, form=form)
    seen["login_sets_session_cookie"] = (set_cookie or "").startswith(args.cookie_name + "=")
    check(seen["login_sets_session_cookie"], "signing in set no session cookie")
    check_post_page(client, request_id, page, args, seen, "login")

    # The seeded session: the POST binding page at once.
    status, page, _ = get(location, cookie)
    check(status == 200, "no POST binding page with a session")
    saml_response = check_post_page(client, request_id, page, args, seen, "session")

    # The signatures are really checked: a Response naming someone else is refused.
    xml = base64.b64decode(saml_response).decode("utf-8")
    forged = xml.replace(">" + args.login + "<", ">intruder@example.test<")
    check(forged != xml, "the login is not in the Response")
    try:
        client.parse_authn_request_response(
            base64.b64encode(forged.encode("utf-8")).decode("ascii"), BINDING_HTTP_POST,
            outstanding={request_id: "/"})
        seen["forged_refused"] = False
    except Exception as e:  # pysaml2 raises a signature error
        seen["forged_refused"] = type(e).__name__
    check(seen["forged_refused"], "a forged Response was accepted")
    print(json.dumps(seen))


if __name__ == "__main__":
    try:
        main()
    except urllib.error.HTTPError as e:
        sys.exit("saml_idp_check: HTTP {} from {}".format(e.code, e.url.split("?")[0]))
