"""Who sent a beacon: the listing's ``location``, ``device``, ``os`` and ``client`` blocks.

The platform comes from the request's User-Agent (``useragents.platform``: Matomo's Device
Detector, whose vocabulary the vendor's answers use: device types ``desktop``/``smartphone``/
``tablet``/``tv``, OS short names ``MAC``, ``AND``, ``IOS``, ``LIN``, client types ``browser``/
``mobile app``); anything the detector cannot tell is "unknown".

The location comes from the scenario (``beacon_locations``): the first network containing the
viewer's address (the first X-Forwarded-For entry, else the peer address), else the default,
else "unknown" (city null on videos, as the vendor's schema allows).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .constants import UNKNOWN
from .useragents import Platform, platform

__all__ = ["CollectorSettings", "Locations", "Platform", "platform", "profile", "read_collector", "viewer_address"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class NetworkLocation:
    network: IPNetwork
    country: str
    city: str | None


@dataclass(frozen=True)
class Locations:
    """``beacon_locations`` of the scenario: networks tried in order, then the default."""

    networks: tuple[NetworkLocation, ...] = ()
    default: tuple[str, str | None] | None = None

    def lookup(self, address: str | None) -> tuple[str, str | None]:
        """``(country, city)`` of an address; ``("unknown", None)`` when nothing is configured."""
        ip = None
        if address:
            try:
                ip = ipaddress.ip_address(address.strip().split("%")[0])
            except ValueError:
                ip = None
        if ip is not None:
            for entry in self.networks:
                if ip.version == entry.network.version and ip in entry.network:
                    return entry.country, entry.city
        return self.default or (UNKNOWN, None)


def read_locations(raw: Mapping | None) -> Locations:
    """The scenario's ``beacon_locations`` (already validated: networks parse)."""
    raw = raw or {}
    networks = tuple(NetworkLocation(ipaddress.ip_network(str(n["network"]), strict=False), str(n["country"]),
                                     None if n.get("city") is None else str(n["city"]))
                     for n in raw.get("networks", []))
    default = raw.get("default")
    return Locations(networks, (str(default["country"]), None if default.get("city") is None
                                else str(default["city"])) if default else None)


def viewer_address(forwarded_for: str | None, remote_addr: str | None) -> str | None:
    """The viewer's address: the first X-Forwarded-For entry (the original client), else the peer."""
    if forwarded_for:
        first = forwarded_for.split(",")[0].strip()
        if first:
            return first
    return remote_addr


def profile(live: bool, country: str, city: str | None, plat: Platform, referrer: Mapping[str, Any]) -> dict:
    """The listing blocks after ``session``, in vendor order (live streams: no nulls)."""
    missing = UNKNOWN if live else None
    return {
        "location": {"country": country, "city": city if city is not None else missing},
        "referrer": dict(referrer),
        "device": dict(zip(("type", "vendor", "model"), plat.device)),
        "os": dict(zip(("name", "shortname", "version"), plat.os)),
        "client": dict(zip(("type", "name", "version"), plat.client)),
    }


@dataclass(frozen=True)
class CollectorSettings:
    """The scenario's collector options: ingestion lag, catalogue, viewer locations."""

    lag_ms: int = 0
    #: open: a beacon for an id the scenario does not list creates that video / live stream
    open_catalogue: bool = True
    locations: Locations = Locations()


def read_collector(section: Mapping) -> CollectorSettings:
    """``ingestion_lag_seconds``, ``catalogue`` and ``beacon_locations`` of the ``apivideo:`` section."""
    return CollectorSettings(lag_ms=round(float(section.get("ingestion_lag_seconds", 0)) * 1000),
                             open_catalogue=section.get("catalogue", "open") == "open",
                             locations=read_locations(section.get("beacon_locations")))
