"""Who sent a beacon: the listing's ``location``, ``device``, ``os`` and ``client`` blocks.

The platform comes from the request's User-Agent, parsed by ``device_detector`` (a Python port of
Matomo's Device Detector, the detector whose vocabulary the vendor's answers use: device types
``desktop``/``smartphone``/``tablet``/``tv``, OS short names ``MAC``, ``AND``, ``IOS``, ``LIN``,
client types ``browser``/``mobile app``). DECISION: Windows is renamed to the vendor example's
form (``Microsoft Windows``, ``W10``, ``Windows10``) like the generated sessions; anything the
detector cannot tell is "unknown".

The location comes from the scenario (``beacon_locations``): the first network containing the
viewer's address (the first X-Forwarded-For entry, else the peer address), else the default,
else "unknown" (city null on videos, as the vendor's schema allows).
"""
from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

UNKNOWN = "unknown"
Triple = tuple[str, str, str]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: device_detector keeps module-level caches; one parse at a time keeps them consistent
_DETECTOR_LOCK = threading.Lock()


@dataclass(frozen=True)
class Platform:
    """The vendor's ``device`` (type, vendor, model), ``os`` (name, shortname, version), ``client``."""

    device: Triple
    os: Triple
    client: Triple


def _known(value: Any) -> str:
    text = str(value or "").strip()
    return UNKNOWN if not text or text.lower() == UNKNOWN else text


def _os(name: str, short: str, version: str) -> Triple:
    if name == "Windows":
        if not version:
            return "Microsoft Windows", UNKNOWN, UNKNOWN
        return "Microsoft Windows", "W" + version.replace(".", ""), "Windows" + version
    return _known(name), _known(short), _known(version)


@functools.lru_cache(maxsize=1024)
def platform(user_agent: str) -> Platform:
    """Device, OS and client of a User-Agent (cached: a page sends the same one every beacon)."""
    if not user_agent.strip():
        return Platform((UNKNOWN,) * 3, (UNKNOWN,) * 3, (UNKNOWN,) * 3)
    # imported here: the analytics routes do not need the collector's parser to be installed
    from device_detector import DeviceDetector

    with _DETECTOR_LOCK:
        found = DeviceDetector(user_agent, skip_bot_detection=True).parse()
        os_data = found.all_details.get("os") or {}
        device = (_known(getattr(found.device_type(), "value", found.device_type())),
                  _known(found.device_brand()), _known(found.device_model()))
        os = _os(str(os_data.get("name") or ""), str(os_data.get("short_name") or ""),
                 str(os_data.get("version") or ""))
        client = (_known(found.client_type()), _known(found.client_name()), _known(found.client_version()))
    return Platform(device, os, client)


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
