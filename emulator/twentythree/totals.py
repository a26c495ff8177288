"""Analytics totals as 23 Video's engine would show them, from recorded reports plus seeded history.

Every recorded report and every history day becomes a :class:`Fact` (what it adds to the
counters); the extract methods sum facts into :class:`Totals` per day, hour, photo or domain.
Definitions (README.md, "Fidelity notes", "Extraction methods"): loads = ``load`` events, plays = play
reports, downloads/downloadedBytes = download reports, playthrough = timeEnd/timeTotal of clip plays.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .backend import Record
from .history import HistoryDay
from .models import Site

# Share of a day's traffic per UTC hour, used to place history days (which have no hours) in the
# hourly buckets so that the buckets always add up to the totals.
DIURNAL = (2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3)
HOURLY_KEYS = ("downloadedBytes", "downloads", "finishes", "loads", "plays")
PHOTO_KEYS = ("playthroughAverage", "plays", "finishes", "downloadedBytes", "playEngagement", "loads",
              "downloads", "events")


@dataclass(frozen=True)
class Fact:
    """What one recorded report or one history day adds; ``hour`` is None for a history day."""

    day: str
    hour: int | None
    photo_id: str
    time: str
    loads: int = 0
    plays: int = 0
    finishes: int = 0
    downloads: int = 0
    downloaded_bytes: int = 0
    engagement: float = 0.0
    playthrough_sum: float = 0.0
    playthrough_count: int = 0
    reach: tuple[tuple[int, int], ...] = ()
    events: tuple[tuple[str, int], ...] = ()
    referer: str | None = None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fact_from_record(record: Record) -> Fact:
    """A report's contribution: one play (with playthrough if timeEnd/timeTotal), download or event."""
    fields, referer = record.fields, record.params.get("referer")
    base: dict[str, Any] = {"day": record.time[:10], "hour": int(record.time[11:13]), "photo_id": record.photo_id,
                            "time": record.time, "referer": referer if isinstance(referer, str) and referer else None}
    if record.kind == "download":
        return Fact(**base, downloads=1, downloaded_bytes=int(fields.get("bytes_total") or 0))
    if record.kind == "event":
        event = str(fields.get("event", ""))
        return Fact(**base, loads=int(event == "load"), events=((event, 1),))
    start, end, total = (_number(fields.get(k)) for k in ("timeStart", "timeEnd", "timeTotal"))
    if fields.get("type") != "clip" or end is None:
        return Fact(**base, plays=1)
    engagement = max(0.0, end - (start or 0.0))
    if not total:
        return Fact(**base, plays=1, engagement=engagement)
    percent = min(end / total, 1.0) * 100.0
    return Fact(**base, plays=1, engagement=engagement, finishes=int(end >= total), playthrough_sum=percent,
                playthrough_count=1, reach=((math.floor(percent), 1),))


def fact_from_day(day: HistoryDay) -> Fact:
    """A history day's contribution; its plays all count as reaching its average playthrough."""
    reach = ((math.floor(day.playthrough_average), day.plays),) if day.plays else ()
    return Fact(day=day.day, hour=None, photo_id=day.photo_id, time=f"{day.day}T23:59:59.999Z", loads=day.loads,
                plays=day.plays, finishes=day.finishes, downloads=day.downloads,
                downloaded_bytes=day.downloaded_bytes, engagement=day.play_engagement,
                playthrough_sum=day.playthrough_average * day.plays, playthrough_count=day.plays, reach=reach,
                events=day.events)


def facts(sites: Sequence[Site], records: Iterable[Record], *, photos: frozenset[str] | None = None,
          first: str | None = None, last: str | None = None) -> Iterator[Fact]:
    """History days then recorded reports of ``sites``, limited to ``photos`` and days ``first..last``."""
    domains = {site.domain for site in sites}

    def wanted(photo_id: str, day: str) -> bool:
        return ((photos is None or photo_id in photos) and (first is None or day >= first)
                and (last is None or day <= last))

    for site in sites:
        yield from (fact_from_day(d) for d in site.history if wanted(d.photo_id, d.day))
    yield from (fact_from_record(r) for r in records if r.domain in domains and wanted(r.photo_id, r.time[:10]))


def spread(count: int, weights: Sequence[int] = DIURNAL) -> list[int]:
    """``count`` split in proportion to ``weights``, in whole units that add up exactly (largest remainder)."""
    total = sum(weights)
    shares = [count * w / total for w in weights]
    parts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[:count - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class Totals:
    """Counters of one group (a day, a photo, a domain, a URL, everything)."""

    loads: int = 0
    plays: int = 0
    finishes: int = 0
    downloads: int = 0
    downloaded_bytes: int = 0
    engagement: float = 0.0
    playthrough_sum: float = 0.0
    playthrough_count: int = 0
    events: Counter = field(default_factory=Counter)
    reach: list[int] = field(default_factory=lambda: [0] * 101)
    referers: set[str] = field(default_factory=set)

    def add(self, fact: Fact) -> None:
        self.loads += fact.loads
        self.plays += fact.plays
        self.finishes += fact.finishes
        self.downloads += fact.downloads
        self.downloaded_bytes += fact.downloaded_bytes
        self.engagement += fact.engagement
        self.playthrough_sum += fact.playthrough_sum
        self.playthrough_count += fact.playthrough_count
        for name, count in fact.events:
            self.events[name] += count
        for percent, count in fact.reach:
            self.reach[max(0, min(percent, 100))] += count
        if fact.referer:
            self.referers.add(fact.referer)

    @property
    def playthrough_average(self) -> float:
        return round(self.playthrough_sum / self.playthrough_count, 2) if self.playthrough_count else 0.0

    def values(self) -> dict[str, Any]:
        """Every vendor field, as the vendor writes them: real numbers (``22.0``)."""
        return {"downloadedBytes": float(self.downloaded_bytes), "downloads": float(self.downloads),
                "events": {name: float(n) for name, n in sorted(self.events.items())},
                "finishes": float(self.finishes), "loads": float(self.loads),
                "playEngagement": round(self.engagement, 2), "plays": float(self.plays),
                "playthroughAverage": self.playthrough_average}

    def as_daily(self) -> dict[str, Any]:
        """Keys in the order of play-totals' example (alphabetical)."""
        return self.values()

    def as_photo(self) -> dict[str, Any]:
        """Keys in the order of play-details', photo-totals' and embed-details' examples."""
        values = self.values()
        return {key: values[key] for key in PHOTO_KEYS}

    def curve(self) -> list[float]:
        """``playthrough``: for each percent 0..100, the share (%) of plays that reached it."""
        counted = sum(self.reach)
        if not counted:
            return [0.0] * 101
        reached, curve = counted, []
        for percent in range(101):
            curve.append(round(100.0 * reached / counted, 2))
            reached -= self.reach[percent]
        return curve


class Hourly:
    """The 24 UTC hour buckets of play-totals' ``absolute.hourly``; history days are spread by DIURNAL."""

    def __init__(self) -> None:
        self.buckets = [dict.fromkeys(HOURLY_KEYS, 0) for _ in range(24)]

    def add(self, fact: Fact) -> None:
        counts = {"downloadedBytes": fact.downloaded_bytes, "downloads": fact.downloads,
                  "finishes": fact.finishes, "loads": fact.loads, "plays": fact.plays}
        for key, count in counts.items():
            if not count:
                continue
            if fact.hour is not None:
                self.buckets[fact.hour][key] += count
            else:
                for hour, part in enumerate(spread(count)):
                    self.buckets[hour][key] += part

    def as_json(self) -> list[dict[str, float]]:
        return [{key: float(bucket[key]) for key in HOURLY_KEYS} for bucket in self.buckets]
