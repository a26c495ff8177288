"""Seeded analytics history of a site: daily totals per photo, typed in the scenario or generated.

What the extract methods show before anything is reported: ``history.daily`` gives exact figures,
``history.generate`` draws plausible ones from the scenario seed. Built once per scenario load
(prepare), immutable, shared by every tenant; recorded reports are added on top at query time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..store import seeded_random

MAX_DAYS = 3660                 # days in a generated period (about ten years)
MAX_GENERATED = 200_000         # generated (day, photo) entries per site
DEFAULT_PLAYS = (0, 50)         # plays per photo per day when generate.plays is absent
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class HistoryDay:
    """One photo's totals for one UTC day (``day`` is ``YYYY-MM-DD``, comparable as text)."""

    day: str
    photo_id: str
    loads: int = 0
    plays: int = 0
    finishes: int = 0
    downloads: int = 0
    downloaded_bytes: int = 0
    play_engagement: float = 0.0
    playthrough_average: float = 0.0
    events: tuple[tuple[str, int], ...] = ()


def parse_period(text: str) -> tuple[date, date]:
    """``YYYY-MM-DD/YYYY-MM-DD``, a month ``YYYY-MM`` or one day ``YYYY-MM-DD`` → (first, last), inclusive."""
    text = str(text).strip()
    month = _MONTH.fullmatch(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12:
            raise ValueError(f"expected a month such as 2024-02, got {text!r}")
        return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    first_text, _, last_text = text.partition("/")
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text) if last_text else first
    except ValueError:
        raise ValueError(f"expected YYYY-MM-DD/YYYY-MM-DD, YYYY-MM or YYYY-MM-DD, got {text!r}") from None
    if last < first:
        raise ValueError(f"the period ends before it starts: {text!r}")
    return first, last


def generated_range(generate: Mapping[str, Any], today: date) -> tuple[date, date]:
    """The generated days: ``period``, or the ``days`` days before ``today`` (today itself excluded)."""
    if "period" in generate:
        return parse_period(generate["period"])
    days = int(generate["days"])
    return today - timedelta(days=days), today - timedelta(days=1)


def _one_day(rng: Any, day: str, photo_id: str, plays_range: tuple[int, int]) -> HistoryDay:
    """Plausible, internally consistent totals: loads >= plays, finishes within the average playthrough."""
    plays = rng.randint(*plays_range)
    if plays == 0:
        return HistoryDay(day=day, photo_id=photo_id)
    loads = plays + rng.randint(0, plays + 2)
    downloads = plays + rng.randint(0, max(1, plays // 4))
    average = round(rng.uniform(20.0, 80.0), 2)
    finishes = min(plays, round(plays * average / 100 * rng.uniform(0.3, 0.9)))
    fullscreen = rng.randint(0, max(1, plays // 8))
    events = (("load", loads),) + ((("fullscreen", fullscreen),) if fullscreen else ())
    return HistoryDay(day=day, photo_id=photo_id, loads=loads, plays=plays, finishes=finishes,
                      downloads=downloads, downloaded_bytes=downloads * rng.randint(2_000_000, 40_000_000),
                      play_engagement=round(plays * rng.uniform(30.0, 240.0), 2), playthrough_average=average,
                      events=events)


def _typed_day(doc: Mapping[str, Any]) -> HistoryDay:
    events = doc.get("events") or {}
    return HistoryDay(day=str(doc["date"]), photo_id=str(doc["photo_id"]).strip(), loads=int(doc.get("loads", 0)),
                      plays=int(doc.get("plays", 0)), finishes=int(doc.get("finishes", 0)),
                      downloads=int(doc.get("downloads", 0)), downloaded_bytes=int(doc.get("downloadedBytes", 0)),
                      play_engagement=float(doc.get("playEngagement", 0)),
                      playthrough_average=float(doc.get("playthroughAverage", 0)),
                      events=tuple((str(k), int(v)) for k, v in events.items()))


def build_history(doc: Mapping[str, Any] | None, *, catalogue: Sequence[str] | None, seed: int, domain: str,
                  today: date) -> tuple[HistoryDay, ...]:
    """A site's history, sorted by day then photo: generated entries, replaced by typed ones for the same day and photo.

    The generator is seeded from the scenario seed and the domain only, so a scenario gives the
    same history on every run and in every tenant.
    """
    if not doc:
        return ()
    entries: dict[tuple[str, str], HistoryDay] = {}
    generate = doc.get("generate")
    if generate:
        rng = seeded_random(seed, f"twentythree-history:{domain}")
        photos = [str(p).strip() for p in generate.get("photos") or catalogue or ()]
        low, high = generate.get("plays") or DEFAULT_PLAYS
        first, last = generated_range(generate, today)
        for offset in range((last - first).days + 1):
            day = (first + timedelta(days=offset)).isoformat()
            for photo_id in photos:
                entries[(day, photo_id)] = _one_day(rng, day, photo_id, (int(low), int(high)))
    for item in doc.get("daily") or ():
        typed = _typed_day(item)
        entries[(typed.day, typed.photo_id)] = typed
    return tuple(entries[key] for key in sorted(entries))


def history_size(site: Mapping[str, Any]) -> int:
    """Entries a valid site's history builds (an upper bound: typed days may replace generated ones)."""
    doc = site.get("history") or {}
    size = len(doc.get("daily") or ())
    generate = doc.get("generate")
    if generate:
        if "period" in generate:
            first, last = parse_period(generate["period"])
            days = (last - first).days + 1
        else:
            days = int(generate["days"])
        size += days * len(generate.get("photos") or site.get("photos") or ())
    return size


def _check_generate(generate: Mapping[str, Any], catalogue: Sequence[str] | None, where: tuple,
                    problems: list[tuple[tuple, str]]) -> None:
    if ("period" in generate) == ("days" in generate):
        problems.append((where, ("give exactly one of period (such as 2024-02-01/2024-02-29) or days "
                                "(that many days before the scenario clock's day)")))
        return
    if "period" in generate:
        try:
            first, last = parse_period(generate["period"])
        except ValueError as exc:
            problems.append((where + ("period",), str(exc)))
            return
        if (last - first).days + 1 > MAX_DAYS:
            problems.append((where + ("period",), f"at most {MAX_DAYS} days can be generated"))
            return
        days = (last - first).days + 1
    else:
        days = int(generate["days"])
    photos = generate.get("photos") or catalogue
    if not photos:
        problems.append((where, "photos is required when the site has no photos catalogue"))
        return
    low, high = generate.get("plays") or DEFAULT_PLAYS
    if low > high:
        problems.append((where + ("plays",), f"expected [min, max] with min <= max, got [{low}, {high}]"))
    if days * len(photos) > MAX_GENERATED:
        problems.append((where, f"{days} days x {len(photos)} photos is over {MAX_GENERATED} generated entries"))
    if catalogue is not None and generate.get("photos"):
        members = set(catalogue)
        for k, photo in enumerate(generate["photos"]):
            if str(photo).strip() not in members:
                problems.append((where + ("photos", k), f"photo {photo} is not in the site's photos"))


def check_history(site: Mapping[str, Any], where: tuple) -> list[tuple[tuple, str]]:
    """Problems jsonschema cannot see: impossible dates, duplicate days, photos outside the catalogue."""
    doc = site.get("history") or {}
    catalogue = [str(p).strip() for p in site["photos"]] if site.get("photos") is not None else None
    members = set(catalogue or ())
    problems: list[tuple[tuple, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for k, item in enumerate(doc.get("daily") or ()):
        path = where + ("history", "daily", k)
        try:
            date.fromisoformat(str(item.get("date")))
        except ValueError:
            problems.append((path + ("date",), f"expected a date such as 2024-03-01, got {item.get('date')!r}"))
        key = (str(item.get("date")), str(item.get("photo_id")).strip())
        if key in seen:
            problems.append((path, f"{key[0]} for photo {key[1]} is already given by daily[{seen[key]}]"))
        seen.setdefault(key, k)
        if catalogue is not None and key[1] not in members:
            problems.append((path + ("photo_id",), f"photo {key[1]} is not in the site's photos"))
    if doc.get("generate"):
        _check_generate(doc["generate"], catalogue, where + ("history", "generate"), problems)
    return problems
