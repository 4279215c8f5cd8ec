"""A SAML 2.0 identity provider for tests, built on pysaml2 (signing with the xmlsec1 program).

It judges the headless SSO renewal with an identity provider written elsewhere: the service
provider (the site) is configured from its metadata, authentication requests arrive by the
HTTP-Redirect binding, and signed responses leave by pysaml2's own HTTP-POST binding page.

    python saml_idp.py --sp-metadata URL [--host NAME] [--port N] [--resolve HOST:ADDR]
    python saml_idp.py --sp-entity-id ID --sp-acs URL [--host NAME] [--port N]
    python saml_idp.py [--host NAME] [--port N] [--resolve HOST:ADDR]
    (each also with [--lifetime-minutes N]: how long assertions are valid, 15 by default)

The last form starts without a service provider; POST /_control/sp names it later (a site
that must be told the identity provider's URL before it starts is then started in between).

Listens on 127.0.0.1 (port 0: any free one) and advertises http://<host>:<port>. When ready it
prints one JSON line on stdout: {"url", "sso_url", "metadata_url", "cookie_name",
"entity_id"}. It logs to stderr (method and path only: never query strings, cookie values
or SAML messages) and exits when its stdin closes, so a test that dies never leaves it behind.

Routes:
  GET  /sso/redirect      SAMLRequest (+ RelayState) by HTTP-Redirect. With a valid session
                          cookie: the POST binding page carrying the signed Response (NameID
                          in email format = the session's login). Without: a login page.
  POST /login             username, password (any non-empty one), SAMLRequest, RelayState:
                          starts a session (Set-Cookie), then the same POST binding page.
  GET  /metadata          the identity provider's metadata (its signing certificate).
  POST /_control/sp       {"metadata_url": U} or {"entity_id": E, "acs_url": A}: the service
                          provider to serve from now on (its metadata is fetched now).
  POST /_control/session  {"login": L} -> {"cookie": value of a new session for L}.
  POST /_control/expire   drops every session.
  GET  /_control/stats    {"authn_requests", "responses", "login_pages", "logins"}.
"""

import argparse
import datetime
import html
import json
import logging
import os
import secrets
import socket
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# pysaml2 imports cipher modes the cryptography package has deprecated: noise on stderr.
warnings.filterwarnings("ignore", module="saml2")
warnings.filterwarnings("ignore", message=".*has been moved to cryptography.hazmat.decrepit")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import get_xmlsec_binary  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256  # noqa: E402

COOKIE_NAME = "pysaml_idp_session"

# pysaml2's own logs may quote the messages it handles: kept out of stderr.
logging.getLogger("saml2").setLevel(logging.CRITICAL + 1)


def log(message):
    print("saml_idp: " + message, file=sys.stderr, flush=True)


def pin_host(spec):
    """Resolves HOST to ADDR in this process (as curl's --resolve), for test host names."""
    host, _, addr = spec.rpartition(":")
    if not host or not addr:
        raise SystemExit("--resolve wants HOST:ADDR, got " + spec)
    original = socket.getaddrinfo

    def getaddrinfo(name, *args, **kwargs):
        return original(addr if name == host else name, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def throwaway_key_and_cert(directory, host):
    """A new RSA key and a self-signed certificate for `host`, as PEM files in `directory`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_file = os.path.join(directory, "idp.key")
    cert_file = os.path.join(directory, "idp.crt")
    with open(key_file, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def sp_metadata_for(entity_id, acs_url):
    """Minimal service provider metadata, for a site given by entity id and ACS URL."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="{entity}"><md:SPSSODescriptor protocolSupportEnumeration='
        '"urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding='
        '"{binding}" Location="{acs}" index="0" isDefault="true"/></md:SPSSODescriptor>'
        "</md:EntityDescriptor>"
    ).format(
        entity=html.escape(entity_id, quote=True),
        binding=BINDING_HTTP_POST,
        acs=html.escape(acs_url, quote=True),
    )


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read().decode("utf-8")


class QuietHttpServer(ThreadingHTTPServer):
    """The HTTP server; a failed request is logged by the error's kind only."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        log("a request failed: {}".format(sys.exc_info()[0].__name__))


class Idp:
    """The pysaml2 server, its sessions and its counters."""

    def __init__(self, base_url, directory, lifetime_minutes):
        host = urllib.parse.urlsplit(base_url).hostname
        self.key_file, self.cert_file = throwaway_key_and_cert(directory, host)
        self.base_url = base_url
        self.lifetime_minutes = lifetime_minutes
        self.sso_url = base_url + "/sso/redirect"
        self.entity_id = base_url + "/metadata"
        self.xmlsec = get_xmlsec_binary(["/usr/bin", "/usr/local/bin"])
        config = self.config(None)
        self.metadata = create_metadata_string(None, config=config, valid=None).decode("utf-8")
        # None until a service provider is known (at start, or by /_control/sp).
        self.server = None
        self.lock = threading.Lock()
        self.sessions = {}
        self.stats = {"authn_requests": 0, "responses": 0, "login_pages": 0, "logins": 0}

    def config(self, sp_metadata):
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)],
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "want_authn_requests_signed": False,
                        "sign_response": True,
                        "sign_assertion": True,
                        "policy": {"default": {"lifetime": {"minutes": self.lifetime_minutes}}},
                    }
                },
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "xmlsec_binary": self.xmlsec,
                "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
                "allow_unknown_attributes": True,
            }
        )
        return config

    def set_sp(self, sp_metadata):
        """Serves the service provider `sp_metadata` describes (replacing any other)."""
        server = Server(config=self.config(sp_metadata))
        if not list(server.metadata.service_providers()):
            raise ValueError("the metadata describes no service provider")
        self.server = server

    def count(self, name):
        with self.lock:
            self.stats[name] += 1

    def new_session(self, login):
        value = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[value] = login
        return value

    def login_of(self, cookie_value):
        with self.lock:
            return self.sessions.get(cookie_value)

    def expire(self):
        with self.lock:
            self.sessions.clear()

    def parse_request(self, saml_request):
        """The AuthnRequest's response arguments. pysaml2 checks the binding and the
        destination, and that the issuer is the configured service provider with that
        assertion consumer URL; it raises otherwise."""
        self.count("authn_requests")
        if self.server is None:
            raise LookupError("no service provider configured yet")
        request = self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        return self.server.response_args(request.message, [BINDING_HTTP_POST])

    def post_page(self, args, login, relay_state):
        """pysaml2's HTTP-POST binding page carrying a signed Response for `login`."""
        response = self.server.create_authn_response(
            identity={"mail": [login], "uid": [login]},
            userid=login,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=login),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **args,
        )
        page = self.server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            args["destination"],
            relay_state,
            response=True,
        )
        self.count("responses")
        return page["data"]

    def login_page(self, saml_request, relay_state):
        self.count("login_pages")
        hidden = "".join(
            '<input type="hidden" name="{}" value="{}"/>'.format(
                name, html.escape(value, quote=True)
            )
            for name, value in (("SAMLRequest", saml_request), ("RelayState", relay_state))
        )
        return (
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body>"
            '<form method="post" action="/login">'
            '<input type="text" name="username" autocomplete="username"/>'
            '<input type="password" name="password" autocomplete="current-password"/>'
            + hidden
            + '<input type="submit" value="Sign in"/></form></body></html>'
        )


def handler_for(idp):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def where(self):
            # Method and path only: query strings carry SAML messages.
            path = urllib.parse.urlsplit(getattr(self, "path", "") or "").path
            return "{} {}".format(getattr(self, "command", None) or "-", path)

        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            log(self.where() + " failed")

        def log_request(self, code="-", size="-"):
            log("{} {}".format(self.where(), code))

        def send(self, status, body, content_type="text/html; charset=utf-8", cookie=None):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if cookie is not None:
                self.send_header(
                    "Set-Cookie", "{}={}; Path=/; HttpOnly".format(COOKIE_NAME, cookie)
                )
            self.end_headers()
            self.wfile.write(data)

        def send_json(self, value):
            self.send(200, json.dumps(value), "application/json")

        def fail(self, status, what):
            self.send(status, "<!DOCTYPE html><html><body><p>{}</p></body></html>".format(
                html.escape(what)))

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode("utf-8")

        def session_login(self):
            for part in (self.headers.get("Cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE_NAME:
                    login = idp.login_of(value)
                    if login is not None:
                        return login
            return None

        def answer_request(self, saml_request, relay_state, login, cookie=None):
            try:
                response_args = idp.parse_request(saml_request)
            except Exception as e:  # pysaml2 raises many kinds; each is a bad request
                log("refused an authentication request: {}".format(type(e).__name__))
                return self.fail(400, "not an authentication request this provider accepts")
            if login is None:
                return self.send(200, idp.login_page(saml_request, relay_state))
            try:
                page = idp.post_page(response_args, login, relay_state)
            except Exception as e:
                log("could not answer an authentication request: {}".format(type(e).__name__))
                return self.fail(500, "could not build the response")
            self.send(200, page, cookie=cookie)

        def do_GET(self):  # noqa: N802 (the base class's name)
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path == "/sso/redirect":
                saml_request = (query.get("SAMLRequest") or [""])[0]
                relay_state = (query.get("RelayState") or [""])[0]
                if not saml_request:
                    return self.fail(400, "no SAMLRequest")
                return self.answer_request(saml_request, relay_state, self.session_login())
            if url.path == "/metadata":
                return self.send(200, idp.metadata, "application/samlmetadata+xml")
            if url.path == "/_control/stats":
                with idp.lock:
                    return self.send_json(dict(idp.stats))
            self.fail(404, "no such page")

        def do_POST(self):  # noqa: N802 (the base class's name)
            path = urllib.parse.urlsplit(self.path).path
            if path == "/login":
                form = urllib.parse.parse_qs(self.body())

                def field(name):
                    return (form.get(name) or [""])[0]

                if not field("username") or not field("password"):
                    return self.fail(401, "a user name and a password are needed")
                idp.count("logins")
                cookie = idp.new_session(field("username"))
                return self.answer_request(
                    field("SAMLRequest"), field("RelayState"), field("username"), cookie
                )
            if path == "/_control/session":
                try:
                    login = json.loads(self.body())["login"]
                except (ValueError, KeyError, TypeError):
                    return self.fail(400, 'expected {"login": ...}')
                return self.send_json({"cookie": idp.new_session(str(login))})
            if path == "/_control/sp":
                try:
                    sp = json.loads(self.body())
                    if sp.get("metadata_url"):
                        idp.set_sp(fetch(sp["metadata_url"]))
                    else:
                        idp.set_sp(sp_metadata_for(sp["entity_id"], sp["acs_url"]))
                except Exception as e:
                    log("could not configure the service provider: {}".format(e))
                    return self.fail(400, "could not configure the service provider: {}".format(e))
                return self.send_json({})
            if path == "/_control/expire":
                self.body()
                idp.expire()
                return self.send_json({})
            self.fail(404, "no such page")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sp-metadata", help="the service provider's metadata URL")
    parser.add_argument("--sp-entity-id", help="the service provider's entity id")
    parser.add_argument("--sp-acs", help="the service provider's assertion consumer URL")
    parser.add_argument("--host", default="127.0.0.1", help="the host name to advertise")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--lifetime-minutes", type=int, default=15,
        help="how long assertions are valid (a site whose clock a test advances needs more)")
    parser.add_argument("--resolve", action="append", default=[], metavar="HOST:ADDR")
    args = parser.parse_args()
    for spec in args.resolve:
        pin_host(spec)
    if args.sp_metadata:
        sp_metadata = fetch(args.sp_metadata)
    elif args.sp_entity_id and args.sp_acs:
        sp_metadata = sp_metadata_for(args.sp_entity_id, args.sp_acs)
    elif args.sp_entity_id or args.sp_acs:
        parser.error("give both --sp-entity-id and --sp-acs")
    else:
        sp_metadata = None  # later, by POST /_control/sp

    httpd = QuietHttpServer(("127.0.0.1", args.port), None)
    base_url = "http://{}:{}".format(args.host, httpd.server_address[1])
    with tempfile.TemporaryDirectory(prefix="saml-idp-") as directory:
        idp = Idp(base_url, directory, args.lifetime_minutes)
        if sp_metadata:
            idp.set_sp(sp_metadata)
        httpd.RequestHandlerClass = handler_for(idp)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        ready = {
            "url": base_url,
            "sso_url": idp.sso_url,
            "metadata_url": idp.entity_id,
            "entity_id": idp.entity_id,
            "cookie_name": COOKIE_NAME,
        }
        print(json.dumps(ready), flush=True)
        log("ready at " + base_url)
        # Until whoever started us goes away.
        sys.stdin.buffer.read()
        httpd.shutdown()
    log("stdin closed, exiting")


if __name__ == "__main__":
    main()
