"""A scenario's ``workload:``: sessions whose /data/* numbers are known in advance.

``workload: {period: 2024-02-20/2024-02-26, plays_per_day: {FR: 3, US: 2}, watch_seconds: 60}``
on a video or live stream gives, every UTC day of the period, exactly that many sessions per
country (ISO alpha-2), each one impression, one start and one play of ``watch_seconds``, spread
evenly over the day (so a day's plays never cross midnight unless ``watch_seconds`` is long).
They are ordinary scenario sessions: the legacy listings show them, with the country's name.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import pycountry

from .constants import DAY_MS
from .ids import ALPHABET, DIGITS, PREFIX
from .period import parse_period
from .timefmt import iso_ms

MAX_SESSIONS = 200_000
DEFAULT_WATCH = 60


def _session_id(source_id: str, day: int, n: int) -> str:
    digest = int.from_bytes(hashlib.blake2b(f"{source_id}\x00{day}\x00{n}".encode(), digest_size=16,
                                            person=b"apivideo-workld").digest(), "big")
    chars = []
    for _ in range(DIGITS):
        digest, r = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[r])
    return PREFIX + "".join(chars)


def size(raw: Mapping) -> int:
    """How many sessions a (schema-valid) workload makes."""
    period = parse_period(str(raw["period"]))
    days = (period.end_ms - period.start_ms) // DAY_MS
    return days * sum(int(v) for v in raw["plays_per_day"].values())


def _country_name(code: str) -> str:
    """The ISO 3166 name of a ``plays_per_day`` code (schema.py refuses any other code first)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(f"not an ISO 3166 alpha-2 country code: {code!r}")
    return country.name


def sessions(raw: Mapping, source_id: str, live: bool) -> Iterator[dict]:
    """The workload's sessions as scenario ``sessions:`` entries (checked by schema.py first)."""
    period = parse_period(str(raw["period"]))
    watch_ms = int(raw.get("watch_seconds", DEFAULT_WATCH)) * 1000
    plan = [(code, _country_name(code)) for code, count in sorted(raw["plays_per_day"].items())
            for _ in range(int(count))]
    for day_start in range(period.start_ms, period.end_ms, DAY_MS):
        for n, (_code, country) in enumerate(plan):
            loaded = day_start + (2 * n + 1) * DAY_MS // (2 * len(plan)) - 2000
            session: dict[str, Any] = {"sessionId": _session_id(source_id, day_start, n), "loadedAt": iso_ms(loaded),
                       "endedAt": iso_ms(loaded + 2000 + watch_ms)}
            if not live:
                session["metadata"] = []
            yield {"session": session, "location": {"country": country, "city": "unknown" if live else None},
                   "events": [{"type": "ready", "emittedAt": iso_ms(loaded + 1000), "at": 0},
                              {"type": "play", "emittedAt": iso_ms(loaded + 2000), "at": 0},
                              {"type": "pause", "emittedAt": iso_ms(loaded + 2000 + watch_ms),
                               "at": watch_ms // 1000}]}
