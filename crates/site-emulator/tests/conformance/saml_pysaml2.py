"""The judge of the emulated SAML service provider: pysaml2, a SAML library written by
others, acts as the identity provider. It reads the site's metadata and AuthnRequest and
answers with Responses of its own making (signed or not), which the site's assertion
consumer must accept; a Response for another audience and a failed one must be refused.

Configured by TK_EMULATOR_SAML_JUDGE (JSON: {"url", "login", "sso_url"}: the site, a user,
and the single sign-on URL the site sends its AuthnRequests to). Prints one line per check,
then "N passed, M failed".
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

try:
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, NameID
    from saml2.samlp import STATUS_REQUEST_DENIED
    from saml2.server import Server
except ImportError as e:  # never a silent skip: the judge is part of the suite
    print(f"pysaml2 is not installed in this Python ({e}); install pysaml2 and xmlsec1")
    print("0 passed, 1 failed")
    sys.exit(0)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url, data=None):
    """(status, headers, body) without following redirects."""
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def make_idp(site, sso_url, workdir):
    key, cert = os.path.join(workdir, "idp.key"), os.path.join(workdir, "idp.crt")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=judge-idp", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )
    status, _, metadata = fetch(site + "/saml/metadata")
    assert status == 200, status
    config = IdPConfig()
    config.load({
        "entityid": "https://judge-idp.example.net/idp.xml",
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [
                (sso_url, BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_UNSPECIFIED],
            "policy": {"default": {"lifetime": {"minutes": 5}}},
        }},
        "metadata": {"inline": [metadata]},
        "key_file": key,
        "cert_file": cert,
        "xmlsec_binary": "/usr/bin/xmlsec1",
    })
    return Server(config=config)


def authn_request(site, idp):
    """A fresh AuthnRequest from the site, as pysaml2 reads it."""
    status, headers, _ = fetch(site + "/saml/saml_login_request")
    assert status == 302, status
    query = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)
    parsed = idp.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
    return parsed.message, query.get("RelayState", [""])[0]


def post_response(site, response, relay_state):
    encoded = base64.b64encode(str(response).encode()).decode()
    form = urllib.parse.urlencode({"SAMLResponse": encoded, "RelayState": relay_state})
    return fetch(site + "/saml/saml_acs", form.encode())


def main():
    config = json.loads(os.environ["TK_EMULATOR_SAML_JUDGE"])
    site, login = config["url"], config["login"]
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
        if ok:
            passed += 1
        else:
            failed += 1

    with tempfile.TemporaryDirectory() as workdir:
        idp = make_idp(site, config["sso_url"], workdir)
        for sign in (False, True):
            request, relay = authn_request(site, idp)
            check("the request names the site's consumer",
                  request.assertion_consumer_service_url == site + "/saml/saml_acs",
                  request.assertion_consumer_service_url)
            response = idp.create_authn_response(
                identity={"uid": login},
                in_response_to=request.id,
                destination=request.assertion_consumer_service_url,
                sp_entity_id=request.issuer.text,
                name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=login),
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
                sign_response=sign,
                sign_assertion=sign,
            )
            status, headers, body = post_response(site, response, relay)
            cookie = headers.get("Set-Cookie", "") or ""
            check(f"a pysaml2 Response (signed: {sign}) makes a session",
                  status == 302 and headers["Location"] == site + "/auth/landing"
                  and cookie.startswith("_session_id="), f"{status} {body[:300]}")
            status, _, body = post_response(site, response, relay)
            check(f"its replay is refused (signed: {sign})", status == 403, f"{status}")

        # pysaml2 makes Responses only for the service providers it knows: this one is
        # made for the site, then its audience is changed to another's.
        request, relay = authn_request(site, idp)
        response = str(idp.create_authn_response(
            identity={"uid": login},
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=login),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
        )).replace(
            ">" + request.issuer.text + "</", ">https://another-sp.example.net/metadata</"
        )
        status, _, body = post_response(site, response, relay)
        check("a Response for another service provider is refused",
              status == 403 and "Audience" in body, f"{status} {body[:300]}")

        request, relay = authn_request(site, idp)
        denied = idp.create_error_response(
            request.id, request.assertion_consumer_service_url,
            (STATUS_REQUEST_DENIED, "the person said no"),
        )
        status, _, body = post_response(site, denied, relay)
        check("a failed Response is refused", status == 403 and "status" in body,
              f"{status} {body[:300]}")
    print(f"{passed} passed, {failed} failed")


main()
