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
sends ``Host: <pod IP>``). The vendor routes are not guarded: 23 Video picks its site by ``Host``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Response, request
from werkzeug.datastructures import Headers

from ..core import TRUSTED_KEY, current_emulator
from ..hooks import control_error, is_control, require_control_token

#: methods that change nothing: the cross-site check is for the others (POST, PUT, DELETE, PATCH...)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``Sec-Fetch-Site`` values of a request the page at the emulator's own origin (or the user) made
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
#: control endpoints that answer any ``Host`` (liveness and readiness probes)
PROBES = frozenset({"control.health", "control.ready"})
DEFAULT_PORTS = {"http": 80, "https": 443}

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_HOW_TO_WRITE = ("write a host name such as emulator.internal, a wildcard such as *.example.test "
                 "(any name under it), an IP address such as 192.168.1.5, or * (any host: no protection)")


def split_host(value: str) -> tuple[str, int | None]:
    """``Host`` / netloc text → (lower-case host without brackets or trailing dot, port or None).

    ValueError when the text is not a host (or the port not a number).
    """
    text = value.strip().lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"not a host: {value!r}")
        port_text = rest[1:] if rest else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if port_text and not port_text.isdigit():
        raise ValueError(f"not a port: {value!r}")
    host = host.rstrip(".")
    if not host:
        raise ValueError(f"not a host: {value!r}")
    return host, int(port_text) if port_text else None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """``localhost``, a name under ``.localhost`` (RFC 6761: never resolved by DNS), 127.0.0.0/8, ::1."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def normalize_pattern(entry: object) -> str:
    """One ``allowed_hosts`` entry, checked and lower-cased; ValueError saying how to write it."""
    if not isinstance(entry, str):
        raise ValueError(f"allowed_hosts: expected host names (strings), got {entry!r}; {_HOW_TO_WRITE}")
    text = entry.strip().lower()
    if text == "*":
        return text
    name = text[2:] if text.startswith("*.") else text
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if not text.startswith("*.") and _ip(name) is not None:
        return str(ipaddress.ip_address(name))
    labels = name.rstrip(".").split(".")
    if not name or not all(_LABEL.fullmatch(label) for label in labels):
        hint = " (without a port: every port is allowed)" if ":" in name else ""
        raise ValueError(f"allowed_hosts: {entry!r} is not a host name{hint}; {_HOW_TO_WRITE}")
    return ("*." if text.startswith("*.") else "") + ".".join(labels)


def matches(host: str, patterns: Iterable[str], *, any_host: bool = True) -> bool:
    """Whether ``host`` (from :func:`split_host`) is one the patterns allow; ``*`` counts if ``any_host``."""
    address = _ip(host)
    canonical = str(address) if address is not None else host
    for pattern in patterns:
        if pattern == "*":
            if any_host:
                return True
        elif pattern.startswith("*."):
            if address is None and canonical.endswith(pattern[1:]):
                return True
        elif pattern == canonical:
            return True
    return False


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
