"""The per-hour figures as emulator/apivideo/hours.py computed them before numpy: the reference.

Kept verbatim (bisections and C-level passes over Python lists, a UTC day at a time; only
``union_per_viewer``, which hours.py still has unchanged, is imported from it) so that
test_hours.py can check the numpy ``hours_of`` gives the same numbers, and bench/hours_figures.py
can time the two side by side. ``reference_hours`` calls it the way columns.py did.
"""
from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from emulator.apivideo.hours import union_per_viewer


@dataclass
class Hours:
    """As hours.Hours was: ``array`` columns."""

    first_hour: int
    peak: array
    first_ms: array
    played_ms: array


class _Played:
    """Seconds played before an instant by intervals given as sorted starts and ends, for
    instants asked in increasing order (running sums: each instant a bisection and a slice sum)."""

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts, self.ends = starts, ends
        self.na = self.nb = self.sum_a = self.sum_b = 0

    def before(self, x: int) -> int:
        ja, jb = bisect.bisect_left(self.starts, x, lo=self.na), bisect.bisect_left(self.ends, x, lo=self.nb)
        self.sum_a += sum(self.starts[self.na:ja])
        self.sum_b += sum(self.ends[self.nb:jb])
        self.na, self.nb = ja, jb
        return x * (ja - jb) - (self.sum_a - self.sum_b)


def day_intervals(a: array, b: array, d0: int, d1: int, max_len: int) -> tuple[list[int], list[int]]:
    """Starts and ends (each sorted) of the intervals playing in day ``[d0, d1)``, clipped to it."""
    pre, lo, hi = bisect.bisect_left(a, d0 - max_len), bisect.bisect_left(a, d0), bisect.bisect_left(a, d1)
    carried = [y for y in b[pre:lo] if y > d0]  # playing as the day began: clipped to start at d0
    starts = [d0] * len(carried) + a[lo:hi].tolist()  # sorted already
    return starts, sorted([*map(min, carried, repeat(d1)), *map(min, b[lo:hi], repeat(d1))])


def day_viewer_intervals(a: array, b: array, viewers: Sequence[int], d0: int, d1: int,
                          max_len: int) -> tuple[list[int], list[int]]:
    """``day_intervals`` with each viewer's overlapping intervals merged (``unique``)."""
    lo, hi = bisect.bisect_left(a, d0 - max_len), bisect.bisect_left(a, d1)
    clipped = [(max(x, d0), min(y, d1), w) for x, y, w in zip(a[lo:hi], b[lo:hi], viewers[lo:hi]) if y > d0]
    merged = union_per_viewer(clipped)
    return sorted(x for x, _, _ in merged), sorted(y for _, y, _ in merged)


def hours_of(a: array, b: array, origin: int,
             intervals_of: Callable[[int, int], tuple[list[int], list[int]]]) -> Hours:
    """Peak, first instant and time played of every hour, for intervals ``[a, b)`` sorted by
    ``a`` (seconds from ``origin``), a UTC day at a time with C-level passes: the number playing
    only rises at a start, so an hour's peak is the largest count just after one of its starts
    (``starts so far - ends at or before it``: a bisection per start) or what played as it began;
    its time played is a difference of two integrals (running sums of sorted instants)."""
    peak, first, played = array("i"), array("q"), array("q")
    if not a:
        return Hours(0, peak, first, played)
    first_hour, last_hour = (a[0] + origin) // 3600, (max(b) - 1 + origin) // 3600
    day = first_hour // 24 * 24  # hours of the first day before its first interval are empty
    while day <= last_hour:
        d0, d1 = day * 3600 - origin, (day + 24) * 3600 - origin
        ca, cb = intervals_of(d0, d1)  # the day's intervals, clipped to it
        # playing just after start j: j + 1 starts so far, less the ends at or before it
        after_start = array("i", map(int.__sub__, range(1, len(ca) + 1), map(bisect.bisect_right, repeat(cb), ca)))
        integral = _Played(ca, cb)
        before = integral.before(d0)
        for hour in range(day, day + 24):
            h0, h1 = hour * 3600 - origin, (hour + 1) * 3600 - origin
            after = integral.before(h1)
            if first_hour <= hour <= last_hour:
                j0, j1 = bisect.bisect_right(ca, h0), bisect.bisect_left(ca, h1)
                entering = j0 - bisect.bisect_right(cb, h0)  # playing at h0
                peak.append(max(entering, max(after_start[j0:j1])) if j1 > j0 else entering)
                at = h0 if entering > 0 else ca[j0] if j1 > j0 else None
                first.append(-1 if at is None else (at + origin) * 1000)
                played.append((after - before) * 1000)
            before = after
        day += 24
    return Hours(first_hour, peak, first, played)


def reference_hours(a: np.ndarray, b: np.ndarray, origin: int, max_len: int,
                    viewers: np.ndarray | None = None) -> Hours:
    """The new ``hours_of`` signature over the old code."""
    who = None if viewers is None else array("q", np.asarray(viewers).tolist())
    return columns_hours(array("q", np.asarray(a).tolist()), array("q", np.asarray(b).tolist()), origin, max_len, who)


def columns_hours(a: array, b: array, origin: int, max_len: int, viewers: array | None) -> Hours:
    """The old code called as columns.py called it, on ``array`` columns."""
    if viewers is None:
        return hours_of(a, b, origin, lambda d0, d1: day_intervals(a, b, d0, d1, max_len))
    return hours_of(a, b, origin, lambda d0, d1: day_viewer_intervals(a, b, viewers, d0, d1, max_len))
