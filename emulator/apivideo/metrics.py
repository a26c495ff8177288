"""The /data/* numbers, computed from session facts (facts.py) for a window and filters.

Definitions (docs/apivideo-analytics.md, "Metric definitions"): an impression is a session,
counted at its ``loadedAt`` (so a legacy listing's sessions are the impressions counted for that
media and window); a play is a ``play`` event (playback begun, not a resume), a start a
session's first play, an end an ``end`` event, each counted at its instant. Watch time is the
time spent playing (play/resume to pause/end), clipped to the window; concurrent viewers are
the sessions playing at one instant; a view is counted at the instant a session's watch time
reaches the view duration. ``unique`` counts viewers (what the session carries of user agent
and address) once per UTC day.

Timeseries follow the vendor's documented day-boundary rule: a play counts in every interval
that holds one of its events (the play and what follows until the next play), and ``emittedAt``
is the earliest instant counted in the interval (empty intervals are left out).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .constants import DAY_MS, HOUR_MS, VIEW_DURATIONS
from .facts import SessionFacts

INTERVAL_MS = {"minute": 60_000, "hour": HOUR_MS, "day": DAY_MS}
BREAKDOWN_FIELDS = {"media-id": "media_id", "media-type": "media_type", "continent": "continent",
                    "country": "country", "device-type": "device_type", "operating-system": "operating_system",
                    "browser": "browser", "referrer": "referrer"}
FILTER_FIELDS = {"mediaId": "media_id", "mediaType": "media_type", "continent": "continent", "country": "country",
                 "deviceType": "device_type", "operatingSystem": "operating_system", "browser": "browser",
                 "referrer": "referrer"}


@dataclass(frozen=True)
class Window:
    """``[start_ms, end_ms)``: the instants counted."""

    start_ms: int
    end_ms: int

    def __contains__(self, ms: object) -> bool:
        return isinstance(ms, int) and self.start_ms <= ms < self.end_ms

    @property
    def length_ms(self) -> int:
        return max(0, self.end_ms - self.start_ms)


@dataclass(frozen=True)
class Filters:
    """``filterBy``: each set field keeps the sessions whose value is one of those given."""

    values: tuple[tuple[str, frozenset[str]], ...] = ()
    tag: str | None = None

    def match(self, f: SessionFacts) -> bool:
        if self.tag is not None and self.tag not in f.tags:
            return False
        return all(getattr(f, name) in wanted for name, wanted in self.values)

    def apply(self, facts: Iterable[SessionFacts]) -> list[SessionFacts]:
        if not self.values and self.tag is None:
            return list(facts)
        return [f for f in facts if self.match(f)]


@dataclass(frozen=True)
class Measure:
    """One metric variant: the metric, how it is aggregated, and its options."""

    metric: str  # play, play-rate, play-total, start, end, impression, impression-time, watch-time, ccv, view
    aggregation: str = "count"  # count, rate, total, average, sum, peak, live (ccv-average is "average")
    unique: bool = False
    view_seconds: int = 5


def _day(ms: int) -> int:
    return ms // DAY_MS


# --- one window ----------------------------------------------------------------------------------
def _clipped(f: SessionFacts, w: Window) -> list[tuple[int, int]]:
    return [(max(a, w.start_ms), min(b, w.end_ms)) for a, b in f.playing if a < w.end_ms and b > w.start_ms]


def _peak(segments: Iterable[tuple[int, int, str]], unique: bool) -> int:
    """Most sessions (or distinct viewers) playing at one instant (an interval is ``[a, b)``)."""
    edges = sorted((t, d, who) for a, b, who in segments for t, d in ((a, 1), (b, -1)))
    best, now = 0, 0
    per: defaultdict[str, int] = defaultdict(int)
    for _t, d, who in edges:  # at equal instants, -1 sorts before +1: [a, b) intervals
        if unique:
            per[who] += d
            now += (d == 1 and per[who] == 1) - (d == -1 and per[who] == 0)
        else:
            now += d
        best = max(best, now)
    return best


def _covered(segments: Sequence[tuple[int, int]]) -> int:
    """Milliseconds covered by the union of segments."""
    total, end = 0, None
    for a, b in sorted(segments):
        if end is None or a > end:
            total, end = total + b - a, b
        elif b > end:
            total, end = total + b - end, b
    return total


def _average_ccv(facts: Sequence[SessionFacts], w: Window, unique: bool) -> float:
    if w.length_ms == 0:
        return 0.0
    if unique:
        by_viewer: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for f in facts:
            by_viewer[f.viewer].extend(_clipped(f, w))
        played = sum(_covered(s) for s in by_viewer.values())
    else:
        played = sum(b - a for f in facts for a, b in _clipped(f, w))
    return round(played / w.length_ms, 4)


def _viewed(facts: Sequence[SessionFacts], k: int, w: Window) -> Iterator[tuple[SessionFacts, int]]:
    """Each session whose watch time reached ``VIEW_DURATIONS[k]`` in the window, with that instant."""
    for f in facts:
        ms = f.views[k]
        if ms is not None and ms in w:
            yield f, ms


def _views(facts: Sequence[SessionFacts], w: Window, m: Measure) -> int:
    k = VIEW_DURATIONS.index(m.view_seconds)
    instants = [(f.viewer, ms) for f, ms in _viewed(facts, k, w)]
    if m.unique:
        return len({(who, _day(ms)) for who, ms in instants})
    return len(instants)


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def value(m: Measure, facts: Sequence[SessionFacts], w: Window) -> float | int:
    """The metric over ``facts`` for the window (``play/total`` and ``ccv/live`` get their window
    from the caller)."""
    if m.metric in ("play", "play-total") and m.aggregation != "rate":
        return sum(1 for f in facts for r in f.plays if r.start_ms in w)
    if m.metric == "play-rate" or (m.metric == "play" and m.aggregation == "rate"):
        return _ratio(value(Measure("play"), facts, w), value(Measure("impression"), facts, w))
    if m.metric == "impression":
        return sum(1 for f in facts if f.loaded_ms in w)
    if m.metric == "start":
        return sum(1 for f in facts if f.start_ms in w)
    if m.metric == "end":
        return sum(1 for f in facts for e in f.ends if e in w)
    if m.metric == "view":
        return _views(facts, w, m)
    if m.metric == "impression-time":
        times = [f.impression_ms for f in facts if f.loaded_ms in w and f.impression_ms is not None]
        return sum(times) if m.aggregation == "sum" else _ratio(sum(times), len(times))
    if m.metric == "watch-time":
        # integer milliseconds summed, divided once (a sum of float seconds drifts in the 4th decimal)
        played = [ms for ms in (sum(b - a for a, b in _clipped(f, w)) for f in facts) if ms > 0]
        total = sum(played)
        return round(total / 1000, 3) if m.aggregation == "sum" else _ratio(total / 1000, len(played))
    if m.metric == "ccv" and m.aggregation == "average":
        return _average_ccv(facts, w, m.unique)
    if m.metric == "ccv":
        return _peak(((a, b, f.viewer) for f in facts for a, b in _clipped(f, w)), m.unique)
    raise ValueError(f"no such metric: {m}")


# --- breakdowns ------------------------------------------------------------------------------------
def buckets(m: Measure, breakdown: str, facts: Sequence[SessionFacts], w: Window) -> list[tuple[str, float | int]]:
    """``(dimensionValue, metricValue)`` per value of the dimension; zero values left out
    (except a play-rate with impressions: 0 % is an answer)."""
    field = BREAKDOWN_FIELDS[breakdown]
    groups: dict[str, list[SessionFacts]] = defaultdict(list)
    for f in facts:
        groups[getattr(f, field)].append(f)
    return answered(m, groups, w, value)


def answered(m: Measure, groups: Mapping[str, Any], w: Window,
             value_of: Callable[[Measure, Any, Window], float | int]) -> list[tuple[str, float | int]]:
    """(key, value) of each group that has something to say: a value, or a play-rate over impressions
    (0 % is an answer)."""
    out = []
    for key, members in groups.items():
        v = value_of(m, members, w)
        if v or (m.metric == "play-rate" and value_of(Measure("impression"), members, w)):
            out.append((key, v))
    return out


# --- timeseries ------------------------------------------------------------------------------------
def _binned(items: Iterable[tuple[int, object]], size: int) -> dict[int, tuple[int, set]]:
    """Interval start -> (earliest instant, distinct keys) of ``(instant, key)`` items."""
    bins: dict[int, tuple[int, set]] = {}
    for ms, key in items:
        b = ms - ms % size
        first, keys = bins.get(b, (ms, set()))
        keys.add(key)
        bins[b] = (min(first, ms), keys)
    return bins


def _counted(m: Measure, facts: Sequence[SessionFacts], w: Window) -> Iterable[tuple[int, object]]:
    """The ``(instant, identity)`` of everything an additive metric counts in the window."""
    if m.metric == "play":
        return ((ms, (f.session_id, r.start_ms)) for f in facts for r in f.plays for ms in r.event_ms if ms in w)
    if m.metric == "impression":
        return ((f.loaded_ms, f.session_id) for f in facts if f.loaded_ms in w)
    if m.metric == "start":
        return ((f.start_ms, f.session_id) for f in facts if f.start_ms is not None and f.start_ms in w)
    if m.metric == "end":
        return ((e, (f.session_id, e)) for f in facts for e in f.ends if e in w)
    k = VIEW_DURATIONS.index(m.view_seconds)
    return ((ms, (f.viewer, _day(ms)) if m.unique else f.session_id) for f, ms in _viewed(facts, k, w))


def timeseries(m: Measure, interval: str, facts: Sequence[SessionFacts], w: Window) -> list[tuple[int, float | int]]:
    """``(emittedAt ms, metricValue)`` per non-empty interval, in time order."""
    size = INTERVAL_MS[interval]
    if m.metric in ("play", "impression", "start", "end", "view"):
        return sorted((first, len(keys)) for first, keys in _binned(_counted(m, facts, w), size).values())
    if m.metric == "play-rate":
        plays = _binned(((r.start_ms, (f.session_id, r.start_ms)) for f in facts for r in f.plays
                         if r.start_ms in w), size)
        shown = _binned(_counted(Measure("impression"), facts, w), size)
        return sorted((min(plays.get(b, shown[b])[0], shown[b][0]), _ratio(len(plays.get(b, (0, ()))[1]),
                                                                            len(shown[b][1])))
                      for b in shown)
    # ccv-peak, ccv-average: each interval on its own, from the sessions playing in it
    by_bucket: dict[int, list[SessionFacts]] = defaultdict(list)
    for f in facts:
        touched = {a - a % size + k * size for a, b in _clipped(f, w) for k in range((b - 1) // size - a // size + 1)}
        for b in touched:
            by_bucket[b].append(f)
    out = []
    for b in sorted(by_bucket):
        sub = Window(max(b, w.start_ms), min(b + size, w.end_ms))
        touching = by_bucket[b]
        first = min(a for f in touching for a, _ in _clipped(f, sub))
        out.append((first, value(m, touching, sub)))
    return out


#: a /data row: (dimension value, metric value) or (emittedAt ms, metric value)
Row = TypeVar("Row", tuple[str, float | int], tuple[int, float | int])


def sort_rows(rows: Sequence[Row], key: Callable[[Row], str | float], descending: bool) -> list[Row]:
    """Rows by ``key``; ties keep the first column's order (stable, deterministic)."""
    ordered = sorted(rows, key=lambda r: r[0])
    return sorted(ordered, key=key, reverse=descending)
