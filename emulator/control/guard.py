"""Who may talk to the control API and the dashboard: the browser-facing defences.

Two attacks come from web pages the developer visits while the emulator runs:

* DNS rebinding: a page on ``evil.example`` re-points its name at 127.0.0.1 and reads the
  control API "same-origin". The browser still sends ``Host: evil.example``, so everything under
  ``/_emulator`` answers only a loopback ``Host`` (``localhost``, ``*.localhost``, 127.0.0.0/8,
  ``[::1]``, any port) or one of ``Settings.allowed_hosts`` (``--allowed-host``).
* Cross-site request forgery: a page posts a "simple" request (a form, ``text/plain``) that
  needs no preflight. Browsers say where a request comes from (``Origin``, ``Sec-Fetch-Site``),
  so a state-changing control request is refused when either names another site. Scripts send
  neither header and are not affected.

``/_emulator/health`` and ``/_emulator/ready`` skip the ``Host`` check: they reveal no secret
and change nothing, and orchestrators probe them by the machine's address (a Kubernetes probe
sends ``Host: <pod IP>``). The vendor routes are not guarded: a vendor may pick a site by ``Host``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

from ..context import current_emulator
from ..flask_pipeline import control_error, is_control, require_control_token
from ..hosts import is_loopback, matches, split_host
from ..tenancy import TRUSTED_KEY

#: methods that change nothing: the cross-site check is for the others (POST, PUT, DELETE, PATCH...)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``Sec-Fetch-Site`` values of a request the page at the emulator's own origin (or the user) made
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
#: control endpoints that answer any ``Host`` (liveness and readiness probes)
PROBES = frozenset({"control.health", "control.ready"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_refusal(host_header: str | None, allowed: tuple[str, ...]) -> str | None:
    """Why a request with this ``Host`` may not reach the control API, or None when it may."""
    if host_header is None:
        return None  # HTTP/1.0 without Host: not a browser, so not a rebinding page
    try:
        host, _ = split_host(host_header)
    except ValueError:
        host = None
    if host is not None and (is_loopback(host) or matches(host, allowed)):
        return None
    suggestion = f"--allowed-host {host}" if host else "--allowed-host NAME"
    return (f"Host {host_header[:100]!r} is not a loopback name or address, nor an allowed host: the control API "
            "and the dashboard answer only localhost, 127.0.0.1 and [::1] unless told otherwise (protection "
            f"against DNS rebinding). If you reach the emulator by this name on purpose, start it with {suggestion} "
            "(create_app(allowed_hosts=[...])).")


def _same_origin(origin: str, host_header: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether ``Origin`` is the emulator's own origin (as this request's Host names it) or an allowed host."""
    try:
        parts = urlsplit(origin)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return False
        origin_host, origin_port = split_host(parts.netloc)
        origin_port = origin_port or DEFAULT_PORTS[scheme]
        if host_header is not None:
            own_host, own_port = split_host(host_header)
            if (own_host, own_port or DEFAULT_PORTS[scheme]) == (origin_host, origin_port):
                return True
    except ValueError:
        return False
    # behind a proxy the page's origin may name the public host while Host names the proxy's target
    return matches(origin_host, allowed, any_host=False)


def cross_site_refusal(method: str, headers: Headers, host_header: str | None,
                       allowed: tuple[str, ...]) -> str | None:
    """Why a state-changing request that a browser made for another site is refused, or None."""
    if method.upper() in SAFE_METHODS:
        return None
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.strip().lower() not in OWN_FETCH_SITES:
        return (f"cross-site request refused: Sec-Fetch-Site is {fetch_site[:40]!r}, and a request that changes "
                "the emulator must come from its own dashboard or from a script (same-origin or none); "
                "see docs/security.md")
    origin = headers.get("Origin")
    if origin is not None and not _same_origin(origin, host_header, allowed):
        return (f"cross-site request refused: Origin {origin[:100]!r} is not the emulator's own origin, and a "
                "request that changes the emulator must come from its own dashboard or from a script (which "
                "sends no Origin); see docs/security.md")
    return None


def guard() -> Response | None:
    """Before every request under /_emulator: refuse a foreign Host or a cross-site change (403).

    Also marks a request that carried the control token as trusted, so its tenant is pinned
    (see store.TenantStore): the token check itself stays in the control blueprint.
    """
    if not is_control(request.path):
        return None
    settings = current_emulator().settings
    host_header = request.environ.get("HTTP_HOST")
    reason = None if request.endpoint in PROBES else host_refusal(host_header, settings.allowed_hosts)
    reason = reason or cross_site_refusal(request.method, request.headers, host_header, settings.allowed_hosts)
    if reason:
        return control_error(403, reason)
    if settings.control_token and require_control_token() is None:
        request.environ[TRUSTED_KEY] = True
    return None
