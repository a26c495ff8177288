"""Host names and patterns: parsing a ``Host`` header, loopback names, ``allowed_hosts`` patterns.

Pure functions (no request): the settings check their patterns here, the control guard its
requests (emulator/control/guard.py).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

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
