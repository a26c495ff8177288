"""Who is calling a 23 Video route: the request value read as OAuth 1.0a and checked on the tenant.

The signature base string URI is rebuilt as the client saw it: scheme, the Host header as sent
(port kept, default ports dropped by oauthlib), the raw path; then, if that fails, the server's own
address (a client that sets Host to pick the site but signs the URL it connects to).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from ..exchange import VendorRequest
from .backend import Backend
from .constants import NAME
from .models import Site
from .oauth import ANONYMOUS, Principal, SignedRequest, authenticate

FORM = "application/x-www-form-urlencoded"
_ENVIRON_KEY = "twentythree.principal"  # per request: ``g`` may outlive it (pytest-flask)


def _raw_path(environ: dict) -> str:
    """The path as the client sent it (percent-encoding kept), without the query."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = urlsplit(raw).path if "://" in raw else raw.split("?", 1)[0]
        return path or "/"
    return quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/!$&'()*+,;=:@-._~%")


def base_uris(environ: dict) -> tuple[str, ...]:
    """Base string URIs to try: from the Host header first, then from the listening address."""
    scheme = environ.get("wsgi.url_scheme", "http")
    path = _raw_path(environ)
    server = environ.get("SERVER_NAME", "")
    if ":" in server and not server.startswith("["):
        server = f"[{server}]"
    hosts = [environ.get("HTTP_HOST"), f"{server}:{environ.get('SERVER_PORT', '80')}" if server else None]
    uris: list[str] = []
    for host in hosts:
        uri = f"{scheme}://{host}{path}" if host else None
        if uri and uri not in uris:
            uris.append(uri)
    return tuple(uris)


def signed_request(request: VendorRequest) -> SignedRequest:
    """The signed parts of a request: header, query, and the body of a url-encoded POST."""
    body: tuple[tuple[str, str], ...] = ()
    if request.method == "POST" and request.mimetype == FORM and request.form is not None:
        body = tuple(request.form.items(multi=True))
    return SignedRequest(method=request.method, uris=base_uris(request.environ), authorization=request.authorization,
                         query=tuple(request.query.items(multi=True)), body=body)


def _plainly_unsigned(environ: dict) -> bool:
    """A GET with no Authorization header and no ``oauth`` in its query: the player's report call."""
    return (environ.get("REQUEST_METHOD") == "GET" and not environ.get("HTTP_AUTHORIZATION")
            and "oauth" not in environ.get("QUERY_STRING", "").lower())


def authenticate_request(request: VendorRequest, site: Site, *, remember: bool = True) -> Principal:
    """The caller of ``request`` on ``site`` (kept in the WSGI environ for the error renderer).

    Raises InvalidSignature. The signature's time window is checked at the request's clock reading.
    """
    if _plainly_unsigned(request.environ):
        principal = Principal("anonymous")
        if remember:
            request.environ[_ENVIRON_KEY] = principal
        return principal
    tenant = request.served_tenant()
    backend: Backend | None = tenant.backend(NAME) if remember else None
    principal = authenticate(signed_request(request), domain=site.domain, consumer_secret=site.consumer_secret,
                             credential=site.credential, now=request.now or tenant.now(), nonces=backend)
    if remember:
        request.environ[_ENVIRON_KEY] = principal
    return principal


def current_principal(request: VendorRequest) -> Principal | None:
    """The caller authenticated by this request's handler, if it got that far."""
    return request.environ.get(_ENVIRON_KEY)


def peek_principal(request: VendorRequest) -> Principal:
    """The caller for an answer rendered before (or without) the handler: verified, no nonce used up.

    Best effort: anything unreadable (a body over the limit, a bad tenant name...) or invalid
    means anonymous.
    """
    known = current_principal(request)
    if known is not None:
        return known
    if request.tenant is None:  # no valid tenant (or the request was refused before it was looked up)
        return ANONYMOUS
    try:
        backend: Backend = request.tenant.backend(NAME)
        return authenticate_request(request, backend.sites.for_host(request.host), remember=False)
    except Exception:  # noqa: BLE001 - an error page must render whatever the request holds
        return ANONYMOUS
