"""The /data/* numbers of a population: generated sessions as columns, the rest as facts.

A ``Population`` is what one request counts: selections of generated sessions (columns.py, one
per source, filters applied) and session facts (the scenario's written sessions and the tenant's
beacons: few). Counts are binary searches in the columns plus the facts' own count (metrics.py);
concurrent viewers come from the columns' pre-summed hours where one selection alone plays in an
hour, and from one sweep over every clipped interval of that hour otherwise (so a beacon
playing alongside generated sessions, or a viewer seen in two sources, counts as it should).
A population without columns is computed by metrics.py unchanged.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import metrics as mx
from .columns import CODED, Cols, columns, search
from .constants import DAY_MS, HOUR_MS, VIEW_DURATIONS
from .facts import SessionFacts, media_type, object_facts
from .hours import Hours, hours_of, stats
from .ingest import IngestedSession
from .metrics import INTERVAL_MS, Filters, Measure, Window
from .models import Prepared, Source

ADDITIVE = ("play", "impression", "start", "end", "view")


@dataclass
class Population:
    """Generated selections (columns) and session facts, already filtered."""

    cols: list[Cols] = field(default_factory=list)
    facts: list[SessionFacts] = field(default_factory=list)

    def expanded(self, w: Window) -> list[SessionFacts]:
        """Every session that may count in ``w`` as facts (columns replayed): the exact path for
        what is not pre-summed (minute timeseries); costs a replay per session in the window."""
        out = list(self.facts)
        for c in self.cols:
            lo, hi = c.base.around(w.start_ms, w.end_ms)
            keep = c.keep
            out.extend(f for i, f in zip(range(lo, hi), c.base.facts(lo, hi)) if keep is None or keep[i])
        return out


def selection(prepared: Prepared, source: Source, filters: Filters) -> Cols | None:
    """The source's generated sessions that pass the filters (None: none can); masks memoised."""
    if filters.tag is not None and filters.tag not in source.tags:
        return None
    coded = []
    for name, wanted in filters.values:
        if name == "media_id":
            if source.id not in wanted:
                return None
        elif name == "media_type":
            if media_type(source.kind) not in wanted:
                return None
        else:
            coded.append((name, wanted))
    base = columns(prepared, source)
    return base.selection(tuple(coded)) if coded else base.all


def population(prepared: Prepared, ingested: Iterable[tuple[IngestedSession, int]], w: Window,
               filters: Filters) -> Population:
    """What a request counts in ``w``: each source's generated selection, and the facts of the
    written and visible ingested sessions that pass the filters."""
    pop = Population(facts=filters.apply(object_facts(prepared, ingested, w.start_ms, w.end_ms)))
    for source in prepared.sources:
        if source.generated is not None and len(source.generated):
            chosen = selection(prepared, source, filters)
            if chosen is not None:
                pop.cols.append(chosen)
    return pop


def _seconds(c: Cols, ms: int) -> int:
    """The first whole second (from the columns' origin) at or after ``ms``."""
    return -(-ms // 1000) - c.base.origin_s


def _kind_range(c: Cols, name: str, start_ms: int, end_ms: int) -> tuple[np.ndarray, int, int]:
    instants, _ = c.kind(name)
    return instants, search(instants, _seconds(c, start_ms)), search(instants, _seconds(c, end_ms))


def _count(c: Cols, name: str, w: Window) -> int:
    if name == "impression":
        loaded = c.loaded()
        return search(loaded, w.end_ms) - search(loaded, w.start_ms)
    _, lo, hi = _kind_range(c, name, w.start_ms, w.end_ms)
    return hi - lo


def _first_and_count(c: Cols, name: str, start_ms: int, end_ms: int) -> tuple[int, int]:
    """(earliest instant, count) of a countable thing in ``[start_ms, end_ms)``; (-1, 0) if none."""
    if name == "impression":
        loaded = c.loaded()
        lo, hi = search(loaded, start_ms), search(loaded, end_ms)
        return (int(loaded[lo]), hi - lo) if hi > lo else (-1, 0)
    instants, lo, hi = _kind_range(c, name, start_ms, end_ms)
    return ((int(instants[lo]) + c.base.origin_s) * 1000, hi - lo) if hi > lo else (-1, 0)


def _kind_of(m: Measure) -> str:
    return f"view{m.view_seconds}" if m.metric == "view" else m.metric


# --- concurrent viewers and time played, piece by piece --------------------------------------------
def _pieces(w: Window) -> Iterable[tuple[int, int, bool]]:
    """``w`` cut at hour boundaries: (start, end, whole hour?)."""
    t = w.start_ms
    while t < w.end_ms:
        end = min(w.end_ms, t - t % HOUR_MS + HOUR_MS)
        yield t, end, t % HOUR_MS == 0 and end - t == HOUR_MS
        t = end


def _object_segments(facts: Sequence[SessionFacts], start_ms: int, end_ms: int) -> list[tuple[int, int, object]]:
    return [(max(a, start_ms), min(b, end_ms), f.viewer) for f in facts for a, b in f.playing
            if a < end_ms and b > start_ms]


def _piece(pop: Population, start_ms: int, end_ms: int, whole: bool, unique: bool,
           objects: Sequence[SessionFacts]) -> tuple[int, int, int]:
    """(peak, first instant, ms played) of the population in one piece (within one hour)."""
    segments = _object_segments(objects, start_ms, end_ms)
    if whole and not segments:
        hour = start_ms // HOUR_MS
        figures = [c.hours(unique).at(hour) for c in pop.cols]
        playing = [f for f in figures if f[2] > 0]
        if len(playing) <= 1:
            return playing[0] if playing else (0, -1, 0)
        return _joint_hours(pop.cols, unique).at(hour)  # several sources play in the hour
    named = unique and (bool(segments) or len(pop.cols) > 1)
    for c in pop.cols:
        segments.extend(c.segments(start_ms, end_ms, named))
    return stats(segments, unique)


def _joint_hours(cols: Sequence[Cols], unique: bool) -> Hours:
    """``Hours`` of several sources' selections together, kept on the first of them (which holds
    the others, so the key of their identities stays theirs)."""
    first, others = cols[0], tuple(cols[1:])
    name = f"joint:{unique}:" + ":".join(str(id(c)) for c in others)
    held, hours = first.kept(name, lambda: (others, _hours_together(cols, unique)))
    assert all(a is b for a, b in zip(held, others))
    return hours


def _hours_together(cols: Sequence[Cols], unique: bool) -> Hours:
    """The selections' playing intervals on one clock (epoch seconds), with viewers numbered by
    name across them (a viewer seen in two sources is one), pre-summed per hour."""
    starts, ends, viewers = [], [], []
    names: dict[str, int] = {}
    for c in cols:
        a, b, sessions = c.intervals()
        starts.append(a.astype(np.int64) + c.base.origin_s)
        ends.append(b.astype(np.int64) + c.base.origin_s)
        if unique:
            codes = c.base.viewer[sessions]
            present = np.unique(codes)
            table = np.zeros(int(present.max()) + 1 if len(present) else 1, dtype=np.int64)
            table[present] = [names.setdefault(c.base.viewer_name(int(v)), len(names)) for v in present]
            viewers.append(table[codes])
    a = np.concatenate(starts)
    order = np.argsort(a, kind="stable")
    return hours_of(a[order], np.concatenate(ends)[order], 0, max(c.base.max_len_s for c in cols),
                    np.concatenate(viewers)[order] if unique else None)


def _objects_near(pop: Population, w: Window) -> list[SessionFacts]:
    return [f for f in pop.facts if any(a < w.end_ms and b > w.start_ms for a, b in f.playing)]


def playing(pop: Population, w: Window, unique: bool) -> tuple[int, int, int]:
    """(peak, first instant, ms played) over the window."""
    objects = _objects_near(pop, w)
    peak, first, played = 0, -1, 0
    for start, end, whole in _pieces(w):
        p, f, t = _piece(pop, start, end, whole, unique, objects)
        if t:
            peak, played = max(peak, p), played + t
            first = f if first < 0 else min(first, f)
    return peak, first, played


def _watchers(pop: Population, w: Window) -> int:
    """Sessions with some time played in the window: those whose first playing instant is in it,
    and those that began playing before it and play in it again (all within ``max_span`` of its
    start: a handful of intervals to look at)."""
    total = 0
    for c in pop.cols:
        firsts = c.first_playing()
        total += search(firsts, _seconds(c, w.end_ms)) - search(firsts, _seconds(c, w.start_ms))
        a, b, sessions = c.intervals()
        base = c.base
        origin = base.origin_s
        start_s = w.start_ms // 1000 - origin
        lo = search(a, start_s - base.max_span_ms // 1000 - 1)
        hi = search(a, _seconds(c, min(w.end_ms, w.start_ms + base.max_span_ms + 1000)))
        x, y, who = a[lo:hi].astype(np.int64), b[lo:hi].astype(np.int64), sessions[lo:hi]
        began = base.first_playing[who].astype(np.int64)
        into = (((began + origin) * 1000 < w.start_ms) & ((y + origin) * 1000 > w.start_ms)
                & ((x + origin) * 1000 < w.end_ms))
        total += len(np.unique(who[into]))
    return total


# --- one number -------------------------------------------------------------------------------------
def _unique_views(pop: Population, w: Window, m: Measure) -> int:
    k = VIEW_DURATIONS.index(m.view_seconds)
    objects = [(f.viewer, ms) for f in pop.facts if (ms := f.views[k]) is not None and ms in w]
    named = bool(objects) or len(pop.cols) > 1
    total = 0
    day = w.start_ms - w.start_ms % DAY_MS
    while day < w.end_ms:
        start, end = max(day, w.start_ms), min(day + DAY_MS, w.end_ms)
        seen: set = {who for who, ms in objects if start <= ms < end}
        for c in pop.cols:
            if not named:  # one selection alone: its own count (a whole day's is kept)
                total += (c.day_viewer_count(_kind_of(m), start) if end - start == DAY_MS
                          else len(c.viewers(_kind_of(m), start, end)))
                continue
            seen |= {c.base.viewer_name(v) for v in c.viewers(_kind_of(m), start, end)}
        total += len(seen)
        day += DAY_MS
    return total


def _impression_times(pop: Population, w: Window) -> tuple[int, int]:
    total = count = 0
    for c in pop.cols:
        loaded = c.loaded()
        lo, hi = search(loaded, w.start_ms), search(loaded, w.end_ms)
        sums, ready = c.impressions()
        total += int(sums[hi] - sums[lo])
        count += int(ready[hi] - ready[lo])
    times = [f.impression_ms for f in pop.facts if f.loaded_ms in w and f.impression_ms is not None]
    return total + sum(times), count + len(times)


def value(m: Measure, pop: Population, w: Window) -> float | int:
    """``metrics.value`` of the population."""
    if not pop.cols:
        return mx.value(m, pop.facts, w)
    if m.metric == "play-rate" or (m.metric == "play" and m.aggregation == "rate"):
        return mx._ratio(value(Measure("play"), pop, w), value(Measure("impression"), pop, w))
    if m.metric == "play-total":
        m = Measure("play")
    if m.metric in ADDITIVE and not (m.metric == "view" and m.unique):
        kind = _kind_of(m)
        return sum(_count(c, kind, w) for c in pop.cols) + mx.value(m, pop.facts, w)
    if m.metric == "view":
        return _unique_views(pop, w, m)
    if m.metric == "impression-time":
        total, count = _impression_times(pop, w)
        return total if m.aggregation == "sum" else mx._ratio(total, count)
    if m.metric == "watch-time":
        played = playing(pop, w, False)[2]
        if m.aggregation == "sum":
            return round(played / 1000, 3) if played else 0
        watchers = _watchers(pop, w) + sum(1 for f in pop.facts if any(a < w.end_ms and b > w.start_ms
                                                                          for a, b in f.playing))
        return mx._ratio(played / 1000, watchers)
    if m.metric == "ccv" and m.aggregation == "average":
        return round(playing(pop, w, m.unique)[2] / w.length_ms, 4) if w.length_ms else 0.0
    if m.metric == "ccv":
        return playing(pop, w, m.unique)[0]
    raise ValueError(f"no such metric: {m}")


# --- breakdowns ----------------------------------------------------------------------------------
def buckets(m: Measure, breakdown: str, pop: Population, w: Window) -> list[tuple[str, float | int]]:
    """``metrics.buckets`` of the population."""
    if not pop.cols:
        return mx.buckets(m, breakdown, pop.facts, w)
    name = mx.BREAKDOWN_FIELDS[breakdown]
    if name in CODED and (m.metric in ("play", "start", "end", "impression", "play-rate")
                          or (m.metric == "view" and not m.unique)):
        return _counted_buckets(m, name, pop, w)
    groups: dict[str, Population] = defaultdict(Population)
    for f in pop.facts:
        groups[getattr(f, name)].facts.append(f)
    for c in pop.cols:
        for key, part in c.partition(name).items():
            groups[key].cols.append(part)
    return mx.answered(m, groups, w, value)


def _value_counts(c: Cols, kind: str, field_name: str, w: Window) -> dict[str, int]:
    """How many of one countable thing each value of a coded dimension has in the window: one
    count over the window's slice of the column (no copy per value)."""
    if kind == "impression":
        loaded = c.loaded()
        lo, hi = search(loaded, w.start_ms), search(loaded, w.end_ms)
        sessions = np.arange(lo, hi) if c.every else c.members()[lo:hi]
    else:
        _, lo, hi = _kind_range(c, kind, w.start_ms, w.end_ms)
        sessions = c.kind(kind)[1][lo:hi]
    names = c.base.profile.codes[field_name][1]
    counts = np.bincount(c.base.codes[field_name][sessions], minlength=len(names)).tolist()
    return {names[k]: n for k, n in enumerate(counts) if n}


def _counted_buckets(m: Measure, field_name: str, pop: Population, w: Window) -> list[tuple[str, float | int]]:
    """``buckets`` of an additive metric (or play-rate) by a coded dimension: the columns' counts
    per value plus the facts' own, grouped."""
    def totals(kind: str, measure: Measure) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for c in pop.cols:
            for key, n in _value_counts(c, kind, field_name, w).items():
                out[key] += n
        grouped: dict[str, list[SessionFacts]] = defaultdict(list)
        for f in pop.facts:
            grouped[getattr(f, field_name)].append(f)
        for key, members in grouped.items():
            out[key] += int(mx.value(measure, members, w))
        return out
    if m.metric == "play-rate":
        plays, shown = totals("play", Measure("play")), totals("impression", Measure("impression"))
        return [(key, mx._ratio(plays.get(key, 0), n)) for key, n in shown.items() if n]
    return [(key, n) for key, n in totals(_kind_of(m), m).items() if n]


# --- timeseries -----------------------------------------------------------------------------------------
def _bins(w: Window, size: int) -> Iterable[tuple[int, int, int]]:
    """(bin, start, end) of every interval that meets the window, clipped to it."""
    b = w.start_ms - w.start_ms % size
    while b < w.end_ms:
        yield b, max(b, w.start_ms), min(b + size, w.end_ms)
        b += size


def _series(pop: Population, name: str, w: Window, size: int) -> dict[int, tuple[int, int]]:
    """bin -> (earliest instant, count) of an additive thing over the columns."""
    touch = {HOUR_MS: "into-hour", DAY_MS: "into-day"}.get(size) if name == "play-events" else None
    kind = "play" if touch else name
    out: dict[int, tuple[int, int]] = {}
    for c in pop.cols:
        for b, start, end in _bins(w, size):
            first, count = _first_and_count(c, kind, start, end)
            if touch:  # the plays begun in the interval, and those reaching it from an earlier one
                f2, n2 = _first_and_count(c, touch, start, end)
                if n2:
                    first, count = (f2 if first < 0 else min(first, f2)), count + n2
            if touch and start > b:
                f2, n2 = c.straddling(b, start, end)
                if n2:
                    first, count = (f2 if first < 0 else min(first, f2)), count + n2
            if count:
                had = out.get(b)
                out[b] = (first, count) if had is None else (min(had[0], first), had[1] + count)
    return out


def _merge(series: dict[int, tuple[int, int]], facts_bins: dict[int, tuple[int, set]]) -> dict[int, tuple[int, int]]:
    out = dict(series)
    for b, (first, keys) in facts_bins.items():
        had = out.get(b)
        out[b] = (first, len(keys)) if had is None else (min(had[0], first), had[1] + len(keys))
    return out


def _unique_view_series(pop: Population, m: Measure, w: Window, size: int) -> list[tuple[int, int]]:
    kind = _kind_of(m)
    objects = mx._binned(mx._counted(m, pop.facts, w), size)
    named = bool(objects) or len(pop.cols) > 1
    out = []
    for b, start, end in _bins(w, size):
        first, seen = objects.get(b, (-1, set()))
        seen = {who for who, _ in seen}
        for c in pop.cols:
            instants, lo, hi = _kind_range(c, kind, start, end)
            if hi > lo:
                codes = c.viewers(kind, start, end)
                seen |= {c.base.viewer_name(v) for v in codes} if named else codes
                at = (int(instants[lo]) + c.base.origin_s) * 1000
                first = at if first < 0 else min(first, at)
        if seen:
            out.append((first, len(seen)))
    return out


def timeseries(m: Measure, interval: str, pop: Population, w: Window) -> list[tuple[int, float | int]]:
    """``metrics.timeseries`` of the population."""
    size = INTERVAL_MS[interval]
    if not pop.cols or size < HOUR_MS:
        return mx.timeseries(m, interval, pop.expanded(w) if pop.cols else pop.facts, w)
    if m.metric == "view" and m.unique:
        return sorted(_unique_view_series(pop, m, w, size))
    if m.metric in ADDITIVE:
        name = "play-events" if m.metric == "play" else _kind_of(m)
        merged = _merge(_series(pop, name, w, size), mx._binned(mx._counted(m, pop.facts, w), size))
        return sorted(merged.values())
    if m.metric == "play-rate":
        plays = _merge(_series(pop, "play", w, size), mx._binned(
            ((r.start_ms, (f.session_id, r.start_ms)) for f in pop.facts for r in f.plays if r.start_ms in w), size))
        shown = _merge(_series(pop, "impression", w, size),
                       mx._binned(mx._counted(Measure("impression"), pop.facts, w), size))
        return sorted((min(plays.get(b, shown[b])[0], shown[b][0]), mx._ratio(plays.get(b, (0, 0))[1], shown[b][1]))
                      for b in shown)
    out = []
    for _b, start, end in _bins(w, size):
        peak, first, played = playing(pop, Window(start, end), m.unique)
        if played:
            out.append((first, peak if m.aggregation == "peak" else round(played / (end - start), 4)))
    return out
