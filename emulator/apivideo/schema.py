"""The scenario section ``apivideo:``: its JSON Schema and the checks JSON Schema cannot express."""
from __future__ import annotations

import ipaddress
from typing import Any

from . import workload
from .dimensions import is_country_code
from .ids import MAX_INDEX
from .period import PeriodError, parse_period
from .timefmt import parse_ms

ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
EVENT_TYPES = ["ready", "play", "pause", "resume", "seek.backward", "seek.forward", "end"]
MAX_GENERATED = 10_000_000
MAX_EVENTS = 1000
DEFAULT_EVENTS_MAX = 30  # events: [3, 30] unless the scenario says
EVENTS_PER_RECORD = 30  # a generated session's events counted as one budget record
MAX_GENERATE_DAYS = 3653  # a generate period of at most 10 years


def _strings(*names: str, nullable: tuple[str, ...] = ()) -> dict:
    """An object of optional string fields (some nullable), no other keys."""
    props = {n: {"type": ["string", "null"] if n in nullable else "string"} for n in names}
    return {"type": "object", "additionalProperties": False, "properties": props}


_METADATA = {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                        "required": ["key", "value"],
                                        "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}}
_EVENT = {
    "type": "object", "additionalProperties": False, "required": ["type", "emittedAt"],
    "properties": {"type": {"enum": EVENT_TYPES}, "emittedAt": {"type": "string"},
                   "at": {"type": "integer", "minimum": 0}, "from": {"type": "integer", "minimum": 0},
                   "to": {"type": "integer", "minimum": 0}},
}


def _session(live: bool) -> dict:
    inner: dict[str, Any] = {"sessionId": {"type": "string", "pattern": ID_PATTERN}, "loadedAt": {"type": "string"},
             "endedAt": {"type": "string"}}
    if not live:
        inner["metadata"] = _METADATA
    nullable_city = () if live else ("city",)
    nullable_url = () if live else ("url",)
    return {
        "type": "object", "additionalProperties": False, "required": ["session"],
        "properties": {
            "session": {"type": "object", "additionalProperties": False,
                        "required": ["sessionId", "loadedAt", "endedAt"], "properties": inner},
            "location": _strings("country", "city", nullable=nullable_city),
            "referrer": _strings("url", "medium", "source", "searchTerm", nullable=nullable_url),
            "device": _strings("type", "vendor", "model"),
            "os": _strings("name", "shortname", "version"),
            "client": _strings("type", "name", "version"),
            "events": {"type": "array", "items": _EVENT},
        },
    }


def _generate(live: bool) -> dict:
    props: dict[str, Any] = {
        "sessions": {"type": "integer", "minimum": 0, "maximum": MAX_GENERATED,
                     "x-expected": f"a number of sessions from 0 to {MAX_GENERATED}"},
        "period": {"type": "string", "x-expected": "a period: 2024, 2024-02, 2024-W05, 2024-02-01 "
                                                   "or 2024-01-01/2024-02-29"},
        "events": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS},
                   "minItems": 2, "maxItems": 2,
                   "x-expected": f"[min, max] events per session, 1 to {MAX_EVENTS}"},
        "duration": {"type": "integer", "minimum": 1, "maximum": 86_400,
                     "x-expected": "the video length in seconds (1 to 86400)"},
    }
    if not live:
        props["metadata"] = {"type": "object", "maxProperties": 16,
                             "additionalProperties": {"type": "array", "minItems": 1,
                                                      "items": {"type": "string"}}}
    return {"type": "object", "additionalProperties": False, "required": ["sessions", "period"],
            "properties": props}


_WORKLOAD = {
    "type": "object", "additionalProperties": False, "required": ["period", "plays_per_day"],
    "properties": {
        "period": {"type": "string", "x-expected": "a period: 2024-02, 2024-W05, 2024-02-01 or 2024-02-01/2024-02-07"},
        "plays_per_day": {"type": "object", "minProperties": 1,
                          "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 10_000,
                                                   "x-expected": "plays a day from that country (0 to 10000)"},
                          "x-expected": "plays a day per ISO country code, such as {FR: 3, US: 2}"},
        "watch_seconds": {"type": "integer", "minimum": 1, "maximum": 86_400,
                          "x-expected": "seconds each play lasts (1 to 86400)"},
    },
}


def _check_workload(spec: dict, path: tuple) -> list[tuple[tuple, str]]:
    try:
        parse_period(str(spec["period"]))
    except PeriodError:
        return [(path + ("period",), f"not a period: {spec['period']!r} (2024-02, 2024-W05, 2024-02-01 "
                                     "or 2024-02-01/2024-02-07)")]
    problems = [(path + ("plays_per_day", code), f"not an ISO 3166 alpha-2 country code: {code!r} (FR, US, IN...)")
                for code in spec["plays_per_day"] if not is_country_code(code)]
    if not problems and workload.size(spec) > workload.MAX_SESSIONS:
        problems.append((path, f"{workload.size(spec)} sessions: at most {workload.MAX_SESSIONS} "
                               "(use generate: for larger volumes)"))
    return problems


def _source(live: bool) -> dict:
    return {"type": "object", "additionalProperties": False, "required": ["id"],
            "properties": {"id": {"type": "string", "pattern": ID_PATTERN,
                                  "x-expected": "an id of 1-64 letters, digits, _ or -"},
                           "sessions": {"type": "array", "items": _session(live)},
                           "generate": _generate(live),
                           "workload": _WORKLOAD,
                           "tags": {"type": "array", "maxItems": 64,
                                    "items": {"type": "string", "minLength": 1, "maxLength": 256},
                                    "x-expected": "a list of tags (strings), as the vendor's video tags"}}}


_PLACE = {"country": {"type": "string", "minLength": 1}, "city": {"type": ["string", "null"]}}
_BEACON_LOCATIONS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "default": {"type": "object", "additionalProperties": False, "required": ["country"],
                    "properties": _PLACE},
        "networks": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["network", "country"],
            "properties": {"network": {"type": "string", "x-expected": "an address or network such as "
                                                                      "203.0.113.0/24 or 2001:db8::/32"},
                           **_PLACE}}},
    },
}

SECTION_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "api_keys": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["key", "environment"],
            "properties": {"key": {"type": "string", "minLength": 1},
                           "environment": {"enum": ["sandbox", "production"]},
                           "rate_limit": {"type": "integer", "minimum": 1,
                                          "x-expected": "reads a window for this key (a positive integer)"}}}},
        "rate_limits": {"type": "object", "additionalProperties": False, "properties": {
            "enforce": {"type": "boolean"},
            "sandbox": {"type": "integer", "minimum": 1, "x-expected": "reads a window (a positive integer)"},
            "production": {"type": "integer", "minimum": 1, "x-expected": "reads a window (a positive integer)"},
            "window_seconds": {"type": "integer", "minimum": 1, "maximum": 86_400,
                               "x-expected": "the window length in seconds (1 to 86400)"}}},
        "videos": {"type": "array", "items": _source(live=False)},
        "live_streams": {"type": "array", "items": _source(live=True)},
        "ingestion_lag_seconds": {"type": "number", "minimum": 0, "maximum": 86_400,
                                  "x-expected": "seconds before a beacon shows in the listings (0 to 86400)"},
        "catalogue": {"enum": ["open", "closed"]},
        "retention": {"enum": ["30d", "3m", "12m"],
                      "x-expected": "how far back /data/* reaches: 30d (the default), 3m or 12m"},
        "beacon_locations": _BEACON_LOCATIONS,
    },
}


def _check_generate(spec: dict, path: tuple) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    try:
        period = parse_period(str(spec["period"]))
    except PeriodError:
        return [(path + ("period",), (f"not a period: {spec['period']!r} (2024, 2024-02, 2024-W05, "
                                     "2024-02-01 or 2024-01-01/2024-02-29)"))]
    # no count check needed: MAX_GENERATED is below the milliseconds of the shortest period (a
    # day), so every generated session gets a slot of at least 1 ms and loadedAt stays strictly
    # increasing (see generate.py)
    assert MAX_GENERATED < 86_400_000 and MAX_GENERATED <= MAX_INDEX and period.end_ms > period.start_ms
    if period.end_ms - period.start_ms > MAX_GENERATE_DAYS * 86_400_000:
        problems.append((path + ("period",), f"{spec['period']!r} is longer than {MAX_GENERATE_DAYS // 365} years "
                         "(the /data/* columns hold every hour of a generated period)"))
    events = spec.get("events")
    if events and events[0] > events[1]:
        problems.append((path + ("events",), f"min {events[0]} is above max {events[1]}"))
    return problems


def _check_session(raw: dict, path: tuple) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    times = {}
    for field in ("loadedAt", "endedAt"):
        try:
            times[field] = parse_ms(raw["session"][field])
        except ValueError as exc:
            problems.append((path + ("session", field), str(exc)))
    if len(times) == 2 and times["endedAt"] < times["loadedAt"]:
        problems.append((path + ("session", "endedAt"), "ends before loadedAt"))
    for n, event in enumerate(raw.get("events", [])):
        where = path + ("events", n)
        try:
            parse_ms(event["emittedAt"])
        except ValueError as exc:
            problems.append((where + ("emittedAt",), str(exc)))
        seek = event["type"].startswith("seek.")
        need, forbid = (("from", "to"), ("at",)) if seek else (("at",), ("from", "to"))
        problems.extend((where, f"a {event['type']} event needs '{k}'") for k in need if k not in event)
        problems.extend((where + (k,), f"a {event['type']} event has no '{k}'") for k in forbid if k in event)
    return problems


def _check_networks(section: dict) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    for n, entry in enumerate((section.get("beacon_locations") or {}).get("networks", [])):
        try:
            ipaddress.ip_network(str(entry["network"]), strict=False)
        except ValueError:
            problems.append((("beacon_locations", "networks", n, "network"),
                             f"not an address or network: {entry['network']!r} (203.0.113.0/24, 2001:db8::/32)"))
    return problems


def check_section(section: dict) -> list[tuple[tuple, str]]:
    """Periods, instants, event shapes, ordering, uniqueness, networks: what the schema cannot say."""
    problems: list[tuple[tuple, str]] = _check_networks(section)
    keys: set[str] = set()
    for n, entry in enumerate(section.get("api_keys", [])):
        if entry["key"] in keys:
            problems.append((("api_keys", n, "key"), f"duplicate API key {entry['key']!r}"))
        keys.add(entry["key"])
    session_ids: set[str] = set()
    for group in ("videos", "live_streams"):
        ids: set[str] = set()
        for n, source in enumerate(section.get(group, [])):
            if source["id"] in ids:
                problems.append(((group, n, "id"), f"duplicate id {source['id']!r}"))
            ids.add(source["id"])
            if "generate" in source:
                problems.extend(_check_generate(source["generate"], (group, n, "generate")))
            if "workload" in source:
                problems.extend(_check_workload(source["workload"], (group, n, "workload")))
            for m, raw in enumerate(source.get("sessions", [])):
                sid = raw["session"]["sessionId"]
                if sid in session_ids:
                    problems.append(((group, n, "sessions", m, "session", "sessionId"),
                                     f"duplicate sessionId {sid!r}"))
                session_ids.add(sid)
                problems.extend(_check_session(raw, (group, n, "sessions", m)))
    return problems


def generated_size(section: dict) -> list[tuple[tuple, int]]:
    """Sessions and events of each video / live stream, for the scenario budget.

    Typed sessions count with their events. A generated session counts once per
    ``EVENTS_PER_RECORD`` events it may have (``events`` max, default 30: once): its listing is
    derived on demand, but /data/* holds its plays, ends, views and playing intervals as columns,
    which grow with its events (about 150 bytes a session at the default).
    """
    parts: list[tuple[tuple, int]] = []
    for group in ("videos", "live_streams"):
        for n, source in enumerate(section.get(group, [])):
            typed = sum(1 + len(raw.get("events", [])) for raw in source.get("sessions", []))
            generated = 0
            if "generate" in source:
                most = int((source["generate"].get("events") or (3, DEFAULT_EVENTS_MAX))[1])
                generated = int(source["generate"]["sessions"]) * -(-most // EVENTS_PER_RECORD)
            if typed or generated:
                parts.append(((group, n), typed + generated))
    return parts
