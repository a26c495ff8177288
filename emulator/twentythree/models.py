"""The scenario's 23 Video sites: the site object, Host selection, photo catalogue, server whitelist,
OAuth credentials and seeded analytics history.

Built once per scenario load (``build_sites``) and immutable afterwards, so every tenant shares it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from ..clock import Clock
from .history import HistoryDay, build_history, check_history
from .oauth import Credential, build_credentials, check_credentials

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_SESSION_COOKIES = ("session_id", "ad_session_id")
ANY_DOMAIN = "*"

# Used when the scenario has no `twentythree:` section: an open site for work on localhost.
FALLBACK_SECTION: Mapping[str, Any] = MappingProxyType({
    "sites": ({
        "domain": "localhost",
        "site_name": "Local Video Site",
        "whitelist": ({"server": "127.0.0.1/32", "domains": ("localhost", "127.0.0.1")},
                      {"server": "::1/128", "domains": ("localhost", "127.0.0.1")}),
    },),
})


@dataclass(frozen=True)
class WhitelistEntry:
    """A server (IP or CIDR) allowed to report downloads for some domains (``*`` = any)."""

    network: IPNetwork
    domains: frozenset[str]

    def allows(self, ip: IPAddress, domain: str) -> bool:
        """True if ``ip`` lies in this network and ``domain`` is one of the allowed ones."""
        return (ip.version == self.network.version and ip in self.network
                and (domain in self.domains or ANY_DOMAIN in self.domains))


@dataclass(frozen=True)
class Site:
    """One 23 Video site of the scenario."""

    domain: str
    site_id: str
    site_name: str
    product_key: str
    secure_domain: str
    setup_date: str
    license_id: str
    allow_signup_p: str
    site_key: str
    session_cookies: tuple[str, ...]
    photos: frozenset[str] | None
    whitelist: tuple[WhitelistEntry, ...]
    credentials: tuple[Credential, ...] = ()
    history: tuple[HistoryDay, ...] = ()

    def site_object(self) -> dict[str, str]:
        """The JSON ``site`` object, in the key order of a real capture."""
        return {"setup_date": self.setup_date, "license_id": self.license_id, "domain": self.domain,
                "product_key": self.product_key, "site_id": self.site_id,
                "allow_signup_p": self.allow_signup_p, "secure_domain": self.secure_domain,
                "site_name": self.site_name, "site_key": self.site_key}

    def has_photo(self, photo_id: str) -> bool:
        """True if the catalogue is open (no ``photos`` list) or lists ``photo_id``."""
        return self.photos is None or photo_id in self.photos

    def allows_server(self, address: str | None) -> bool:
        """True if ``address`` (the calling IP) is whitelisted for this site's domain."""
        ip = parse_ip(address)
        return ip is not None and any(entry.allows(ip, self.domain) for entry in self.whitelist)

    def consumer_secret(self, consumer_key: str) -> str | None:
        """The secret of a consumer key declared on this site (None: unknown here)."""
        return next((c.consumer_secret for c in self.credentials if c.consumer_key == consumer_key), None)

    def credential(self, consumer_key: str, access_token: str) -> Credential | None:
        """The credentials of this consumer key and access token on this site, if declared."""
        return next((c for c in self.credentials
                     if c.consumer_key == consumer_key and c.access_token == access_token), None)


@dataclass(frozen=True)
class Sites:
    """The scenario's sites, the first being the default for an unknown Host."""

    sites: tuple[Site, ...]
    by_host: Mapping[str, Site]

    def for_host(self, host: str | None) -> Site:
        """The site whose domain (or secure domain) is the Host header's name, else the first site."""
        return self.by_host.get(host_name(host), self.sites[0])

    def by_site_id(self, site_id: str) -> Site | None:
        """The first site with this ``site_id``."""
        return next((site for site in self.sites if site.site_id == site_id), None)


def host_name(host: str | None) -> str:
    """The name part of a Host header: port dropped, IPv6 brackets removed, lower case, no final dot."""
    text = (host or "").strip().lower()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".")


def parse_ip(address: str | None) -> IPAddress | None:
    """The calling IP as an address; IPv4-mapped IPv6 (``::ffff:a.b.c.d``) is read as IPv4."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_network(text: str) -> IPNetwork:
    """An IP or CIDR (host bits allowed: ``10.0.0.5/24`` means ``10.0.0.0/24``); ValueError otherwise."""
    return ipaddress.ip_network(str(text).strip(), strict=False)


def _default_site_id(domain: str) -> str:
    return str(100000 + zlib.crc32(domain.encode()) % 900000)


def _default_site_key(domain: str) -> str:
    return hashlib.sha256(f"site-key:{domain}".encode()).hexdigest()[:20]


def build_site(doc: Mapping[str, Any], *, seed: int = 0, today: date | None = None) -> Site:
    """A Site from one validated scenario entry, defaults filled in, history generated from ``seed``.

    ``today`` anchors ``history.generate.days`` (the scenario clock's day at load).
    """
    domain = host_name(doc["domain"])
    photos = doc.get("photos")
    catalogue = None if photos is None else [str(p).strip() for p in photos]
    whitelist = tuple(
        WhitelistEntry(network=parse_network(entry["server"]),
                       domains=frozenset(host_name(d) if d != ANY_DOMAIN else d
                                         for d in entry.get("domains", (domain,))))
        for entry in doc.get("whitelist", ())
    )
    return Site(
        domain=domain,
        site_id=str(doc.get("site_id", _default_site_id(domain))),
        site_name=str(doc.get("site_name", domain)),
        product_key=str(doc.get("product_key", "tube")),
        secure_domain=host_name(doc.get("secure_domain", domain)),
        setup_date=str(doc.get("setup_date", "2010-01-01 00:00:00")),
        license_id=str(doc.get("license_id", "1")),
        allow_signup_p=str(doc.get("allow_signup_p", "0")),
        site_key=str(doc.get("site_key", _default_site_key(domain))),
        session_cookies=tuple(doc.get("session_cookies", DEFAULT_SESSION_COOKIES)),
        photos=None if photos is None else frozenset(str(p).strip() for p in photos),
        whitelist=whitelist,
        credentials=build_credentials(doc.get("oauth")),
        history=build_history(doc.get("history"), catalogue=catalogue, seed=seed, domain=domain,
                              today=today or Clock().now().date()),
    )


def build_sites(section: Mapping[str, Any] | None, *, seed: int = 0, today: date | None = None) -> Sites:
    """The Sites of a validated ``twentythree:`` section (absent or without sites: the fallback site)."""
    docs = (section or {}).get("sites") or FALLBACK_SECTION["sites"]
    sites = tuple(build_site(doc, seed=seed, today=today) for doc in docs)
    by_host: dict[str, Site] = {}
    for site in sites:
        by_host.setdefault(site.secure_domain, site)
    for site in reversed(sites):  # a domain beats a secure domain; the first site of a domain wins
        by_host[site.domain] = site
    return Sites(sites=sites, by_host=MappingProxyType(by_host))


def check_section(section: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """Problems jsonschema cannot see: bad IPs/CIDRs, a domain used by two sites, credentials, history."""
    problems: list[tuple[tuple, str]] = []
    seen: dict[str, int] = {}
    for i, doc in enumerate(section.get("sites") or ()):
        domain = host_name(doc.get("domain", ""))
        if domain in seen:
            problems.append((("sites", i, "domain"), f"domain {domain!r} is already used by sites[{seen[domain]}]"))
        seen.setdefault(domain, i)
        for j, entry in enumerate(doc.get("whitelist") or ()):
            try:
                parse_network(entry.get("server", ""))
            except ValueError:
                message = f"expected an IP address or CIDR such as 127.0.0.1/32 or ::1/128, got {entry.get('server')!r}"
                problems.append((("sites", i, "whitelist", j, "server"), message))
        problems.extend(check_history(doc, ("sites", i)))
    problems.extend(check_credentials(section.get("sites") or ()))
    return problems

