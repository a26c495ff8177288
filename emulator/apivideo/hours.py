"""Concurrent viewers hour by hour: peak, first instant playing and time played, from intervals.

``hours_of`` pre-sums every whole hour a selection of generated sessions plays in (columns.py asks
once per selection), so that a window's ccv and watch time are sums over its whole hours plus its
edges; ``stats`` sweeps those edges and whatever else is not pre-summed (tally.py), piece by piece.

Why numpy: a video of a million generated sessions has some five million playing intervals, and
the per-hour figures are computed the first time a /data/* answer needs them. Python-level passes
over the intervals took 6 s there (37 s per distinct viewer); array passes, a UTC day at a time,
take 0.05 s (0.35 s), with the same figures (``python -m bench.hours_figures``). Only integer
operations (counts, running sums and maxima, an integer sort), so every figure is exact and the
same on every machine.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

HOUR_S = 3_600
DAY_S = 24 * HOUR_S


@dataclass
class Hours:
    """Concurrent viewers of every whole hour a selection plays in: peak, first instant playing
    (epoch ms, -1 for none) and the milliseconds played, from ``first_hour`` (hours since the
    epoch) on (for ``unique``: per viewer, overlaps counted once)."""

    first_hour: int
    peak: np.ndarray
    first_ms: np.ndarray
    played_ms: np.ndarray

    def at(self, hour: int) -> tuple[int, int, int]:
        """The figures of one hour (since the epoch) as Python ints, ``(0, -1, 0)`` where none plays."""
        k = hour - self.first_hour
        if 0 <= k < len(self.peak):
            return self.peak.item(k), self.first_ms.item(k), self.played_ms.item(k)  # item: no numpy scalar
        return 0, -1, 0


def union_per_viewer(segments: Sequence[tuple[int, int, object]]) -> list[tuple[int, int, object]]:
    """Per viewer, the union of its segments (so overlapping plays of one viewer count once)."""
    per: dict[object, list[tuple[int, int]]] = {}
    for x, y, w in segments:
        per.setdefault(w, []).append((x, y))
    out: list[tuple[int, int, object]] = []
    for who, spans in per.items():
        spans.sort()
        cur_a, cur_b = spans[0]
        for x, y in spans[1:]:
            if x > cur_b:
                out.append((cur_a, cur_b, who))
                cur_a, cur_b = x, y
            elif y > cur_b:
                cur_b = y
        out.append((cur_a, cur_b, who))
    return out


def stats(segments: Sequence[tuple[int, int, object]], unique: bool) -> tuple[int, int, int]:
    """(peak, first instant, milliseconds) of ``[a, b)`` segments playing: the most playing at
    one instant (distinct viewers with ``unique``), the earliest instant, the time played."""
    if unique:
        segments = union_per_viewer(segments)
    if not segments:
        return 0, -1, 0
    keys = sorted([a * 2 + 1 for a, _, _ in segments] + [b * 2 for _, b, _ in segments])  # ends first
    # playing after each edge = 2 * starts so far - edges so far (C-level running sums)
    peak = max(map(int.__sub__, map((2).__mul__, accumulate(map((1).__and__, keys))), range(1, len(keys) + 1)))
    return peak, min(a for a, _, _ in segments), sum(b - a for a, b, _ in segments)


SECOND_BITS = DAY_S.bit_length()  # a second of a day, 0 to DAY_S, in a sort key
SECOND_MASK = (1 << SECOND_BITS) - 1


def _codes(viewers: np.ndarray) -> np.ndarray:
    """Viewer codes from 0, small enough to go with two seconds of a day into an int64 sort key
    (renumbered 0, 1, ... in the order of the codes where their spread is too wide for that)."""
    low = int(viewers.min())
    if (int(viewers.max()) - low).bit_length() + 2 * SECOND_BITS > 63:
        return np.unique(viewers, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return viewers - low


def _merged(x: np.ndarray, y: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A day's intervals ``[x, y)`` (clipped to it), each start moved past what the viewer's
    earlier intervals already play, up to its end where they cover it whole: disjoint per viewer
    and their union each viewer's union, so counting them counts distinct viewers. Ordered by
    viewer then start in one sort of int64 keys (viewer, start, end): numpy sorts those with SIMD,
    and the figures are read back from the keys, with no gather by a permutation."""
    key = code << (2 * SECOND_BITS)
    key |= x << SECOND_BITS
    key |= y
    key.sort()
    y = key & SECOND_MASK
    x = (key >> SECOND_BITS) & SECOND_MASK
    # the furthest end so far of each viewer in one running maximum: (viewer, end) keys, in which
    # every end of a viewer is above those of the viewers before it
    lifted = (key >> (2 * SECOND_BITS)) << SECOND_BITS
    reach = np.maximum.accumulate(lifted | y)
    covered = np.empty_like(x)
    covered[0] = -1
    np.subtract(reach[:-1], lifted[1:], out=covered[1:])  # negative at a viewer's first interval
    np.maximum(x, covered, out=x)
    return np.minimum(x, y, out=x), y


def _playing(starts: np.ndarray, ends: np.ndarray, d0: int, codes: np.ndarray | None) -> np.ndarray:
    """How many of the intervals ``[starts, ends)`` play at each second of the day from ``d0``
    (distinct viewers with their ``codes``): a running sum of starts less ends counted per second,
    the intervals clipped to the day (one clipped to nothing adds and removes one at one second)."""
    x, y = starts - d0, ends - d0
    np.clip(x, 0, DAY_S, out=x)
    np.clip(y, 0, DAY_S, out=y)
    if codes is not None and len(x):
        x, y = _merged(x, y, codes)
    return np.cumsum(np.bincount(x, minlength=DAY_S + 1) - np.bincount(y, minlength=DAY_S + 1))[:DAY_S]


def hours_of(a: np.ndarray, b: np.ndarray, origin: int, max_len: int,
             viewers: np.ndarray | None = None) -> Hours:
    """Peak, first instant and time played of every hour, for intervals ``[a, b)`` (int64 seconds
    from ``origin``, epoch seconds) sorted by ``a``, every ``b > a``, none longer than ``max_len``;
    with ``viewers`` (a code per interval) per distinct viewer, each one's intervals merged. A UTC
    day at a time, over the intervals starting from ``max_len`` before it: the number playing at
    each of its seconds, then an hour's figures are the maximum, the first second above zero and
    the sum of its 3,600 counts."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if len(a) == 0:
        return Hours(0, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    first_hour, last_hour = (int(a[0]) + origin) // HOUR_S, (int(b.max()) - 1 + origin) // HOUR_S
    count = last_hour - first_hour + 1
    peak, first, played = np.zeros(count, np.int64), np.full(count, -1, np.int64), np.zeros(count, np.int64)
    days = np.arange(first_hour // 24 * 24, last_hour + 1, 24, dtype=np.int64)  # hours since the epoch
    d0s = days * HOUR_S - origin
    los, his = np.searchsorted(a, d0s - max_len), np.searchsorted(a, d0s + DAY_S)
    codes = None if viewers is None else _codes(np.asarray(viewers, dtype=np.int64))
    for day, d0, lo, hi in zip(days.tolist(), d0s.tolist(), los.tolist(), his.tolist()):
        if hi == lo:  # nothing starts in or reaches the day: its hours stay (0, -1, 0)
            continue
        k0, k1 = max(day, first_hour), min(day + 24, last_hour + 1)  # the hours of the day kept
        day_codes = None if codes is None else codes[lo:hi]
        by_hour = _playing(a[lo:hi], b[lo:hi], d0, day_codes).reshape(24, HOUR_S)[k0 - day:k1 - day]
        out = slice(k0 - first_hour, k1 - first_hour)
        peak[out] = by_hour.max(axis=1)
        played[out] = by_hour.sum(axis=1) * 1000
        second = np.argmax(by_hour > 0, axis=1)  # 0 where none plays: masked below
        hour_s = np.arange(k0, k1, dtype=np.int64) * HOUR_S
        first[out] = np.where(peak[out] > 0, (hour_s + second) * 1000, -1)
    return Hours(first_hour, peak, first, played)
