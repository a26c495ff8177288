"""The numpy per-hour figures (emulator/apivideo/hours.py) equal the pure-Python ones they replaced.

``hours_of`` pre-sums every whole hour's peak, first instant and time played, for all intervals
and per distinct viewer; tally.py answers /data/* ccv and watch time from those figures. The
version before numpy is kept as the reference (hours_reference.py) and compared on random
intervals (hypothesis: starts and ends hugging hour boundaries, one viewer overlapping itself,
intervals of several days) and on hand cases whose figures are also written out here.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from properties import PROFILE

from emulator.apivideo.hours import Hours, hours_of, stats

from .hours_reference import reference_hours

HOUR = 3600
DAY = 86_400
ORIGIN = 1_708_387_199  # one second before 2024-02-20T00:00:00Z, as columns.py puts a video's origin
MIDNIGHT = 1  # 2024-02-20T00:00:00Z, in seconds from ORIGIN
FIRST_HOUR = (ORIGIN + MIDNIGHT) // HOUR


def figures(h: Hours) -> tuple[int, list[int], list[int], list[int]]:
    return h.first_hour, [int(x) for x in h.peak], [int(x) for x in h.first_ms], [int(x) for x in h.played_ms]


def both(a: list[int], b: list[int], viewers: list[int] | None = None, origin: int = ORIGIN,
         max_len: int | None = None) -> Hours:
    """``hours_of`` on these intervals, checked equal to the reference first."""
    order = sorted(range(len(a)), key=a.__getitem__)
    sa, sb = np.array([a[i] for i in order], np.int64), np.array([b[i] for i in order], np.int64)
    who = None if viewers is None else np.array([viewers[i] for i in order], np.int64)
    longest = max_len if max_len is not None else int((sb - sa).max()) if len(sa) else 0
    new = hours_of(sa, sb, origin, longest, who)
    assert figures(new) == figures(reference_hours(sa, sb, origin, longest, who))
    return new


def at(h: Hours, hour_from_midnight: int) -> tuple[int, int, int]:
    return h.at(FIRST_HOUR + hour_from_midnight)


def ms(second: int) -> int:
    """Epoch milliseconds of a second from ORIGIN."""
    return (ORIGIN + second) * 1000


# --- hand cases, with their figures written out --------------------------------------------------
def test_no_interval_has_no_hour():
    h = hours_of(np.zeros(0, np.int64), np.zeros(0, np.int64), ORIGIN, 0)
    assert len(h.peak) == 0
    assert h.at(0) == h.at(FIRST_HOUR) == (0, -1, 0)
    assert hours_of(np.zeros(0, np.int64), np.zeros(0, np.int64), ORIGIN, 0, np.zeros(0, np.int64)).at(0) == (0, -1, 0)


def test_an_interval_across_an_hour_counts_in_both():
    h = both([MIDNIGHT + HOUR - 10], [MIDNIGHT + HOUR + 25])
    assert at(h, 0) == (1, ms(MIDNIGHT + HOUR - 10), 10_000)
    assert at(h, 1) == (1, ms(MIDNIGHT + HOUR), 25_000)
    assert at(h, 2) == at(h, -1) == (0, -1, 0)  # outside the hours it plays in


def test_at_gives_python_ints():
    h = both([MIDNIGHT + 5], [MIDNIGHT + 65])
    assert all(type(x) is int for x in at(h, 0))


def test_an_end_and_a_start_at_an_hour_boundary_do_not_overlap():
    boundary = MIDNIGHT + HOUR
    h = both([MIDNIGHT + 100, boundary, boundary], [boundary, boundary + 30, boundary + 60])
    assert at(h, 0) == (1, ms(MIDNIGHT + 100), (HOUR - 100) * 1000)
    assert at(h, 1) == (2, ms(boundary), 90_000)
    h = both([MIDNIGHT + 100, boundary], [boundary, boundary + 30], viewers=[7, 7])  # one viewer, end to end
    assert at(h, 0) == (1, ms(MIDNIGHT + 100), (HOUR - 100) * 1000)
    assert at(h, 1) == (1, ms(boundary), 30_000)


def test_one_viewer_overlapping_itself_counts_once_when_unique():
    a, b = [MIDNIGHT + 10, MIDNIGHT + 20, MIDNIGHT + 500], [MIDNIGHT + 110, MIDNIGHT + 60, MIDNIGHT + 600]
    assert at(both(a, b), 0) == (2, ms(MIDNIGHT + 10), 240_000)
    assert at(both(a, b, viewers=[3, 3, 3]), 0) == (1, ms(MIDNIGHT + 10), 200_000)
    assert at(both(a, b, viewers=[3, 4, 3]), 0) == (2, ms(MIDNIGHT + 10), 240_000)


def test_days_without_a_play_between_two_plays_are_empty_hours():
    a, b = [MIDNIGHT + 3 * HOUR, MIDNIGHT + 4 * DAY + 5], [MIDNIGHT + 3 * HOUR + 60, MIDNIGHT + 4 * DAY + 65]
    for viewers in (None, [1, 1]):
        h = both(a, b, viewers)
        assert h.first_hour == FIRST_HOUR + 3 and len(h.peak) == 4 * 24 - 3 + 1
        assert at(h, 3) == (1, ms(MIDNIGHT + 3 * HOUR), 60_000)
        assert all(at(h, k) == (0, -1, 0) for k in range(4, 4 * 24))
        assert at(h, 4 * 24) == (1, ms(MIDNIGHT + 4 * DAY + 5), 60_000)


def test_an_interval_longer_than_a_day_fills_every_hour_it_spans():
    a, b = [MIDNIGHT + 1800, MIDNIGHT + DAY + 2 * HOUR], [MIDNIGHT + 2 * DAY + 900, MIDNIGHT + DAY + 2 * HOUR + 10]
    for viewers, second_peak in ((None, 2), ([5, 5], 1), ([5, 6], 2)):
        h = both(a, b, viewers)
        assert at(h, 0) == (1, ms(MIDNIGHT + 1800), 1_800_000)
        assert at(h, 1) == (1, ms(MIDNIGHT + HOUR), 3_600_000)
        assert at(h, 26)[:2] == (second_peak, ms(MIDNIGHT + DAY + 2 * HOUR))
        assert at(h, 48) == (1, ms(MIDNIGHT + 2 * DAY), 900_000)
        assert len(h.peak) == 49


def test_max_len_is_a_bound_a_larger_one_gives_the_same_figures():
    """columns.py passes the longest interval of the whole video, for a selection of it too."""
    a, b, who = [MIDNIGHT + 10, MIDNIGHT + DAY - 5], [MIDNIGHT + 70, MIDNIGHT + DAY + 5], [1, 2]
    assert figures(both(a, b, who, max_len=10 * DAY)) == figures(both(a, b, who))


def test_an_hour_not_aligned_with_the_origin():
    origin = ORIGIN + 1234  # intervals' seconds count from an instant inside an hour
    h = both([0, HOUR], [HOUR, HOUR + 10], origin=origin)
    hour, into = divmod(origin, HOUR)
    assert (h.first_hour, len(h.peak)) == (hour, 2)
    assert h.at(hour) == (1, origin * 1000, (HOUR - into) * 1000)
    assert h.at(hour + 1) == (1, (hour + 1) * HOUR * 1000, (into + 10) * 1000)


@pytest.mark.parametrize("codes", [[-(2**62), 2**62, -(2**62)], [2**63 - 1, -(2**63), 2**63 - 1]])
def test_viewer_codes_far_apart_are_still_one_viewer_each(codes):
    a, b = [MIDNIGHT + 10, MIDNIGHT + 20, MIDNIGHT + 30], [MIDNIGHT + 50, MIDNIGHT + 40, MIDNIGHT + 90]
    assert at(both(a, b, viewers=codes), 0) == (2, ms(MIDNIGHT + 10), 100_000)


# --- random intervals against the reference ------------------------------------------------------
@st.composite
def instants(draw, days: int) -> int:
    """Seconds from ORIGIN: anywhere in ``days`` days, or within 2 s of an hour boundary."""
    if draw(st.booleans()):
        return draw(st.integers(-HOUR, days * DAY))
    return MIDNIGHT + draw(st.integers(-1, days * 24)) * HOUR + draw(st.integers(-2, 2))


@st.composite
def interval_sets(draw) -> tuple[list[int], list[int], list[int]]:
    days = draw(st.sampled_from([1, 3]))
    n = draw(st.integers(1, 30))
    a, b = [], []
    for _ in range(n):
        x = draw(instants(days))
        if draw(st.booleans()):  # a short play near x, or to another drawn instant (maybe days away)
            y = x + draw(st.integers(1, 1500))
        else:
            y = draw(instants(days))
            x, y = min(x, y), max(x, y) + (x == y)
        a.append(x)
        b.append(y)
    viewers = draw(st.lists(st.integers(0, draw(st.integers(0, 4))), min_size=n, max_size=n))
    return a, b, viewers


@settings(PROFILE, max_examples=300)
@given(intervals=interval_sets(), origin_shift=st.integers(0, 2 * HOUR), slack=st.integers(0, DAY))
def test_random_intervals_match_the_reference(intervals, origin_shift, slack):
    a, b, viewers = intervals
    longest = max(map(int.__sub__, b, a)) + slack
    for who in (None, viewers):
        both(a, b, who, origin=ORIGIN + origin_shift, max_len=longest)


@settings(PROFILE, max_examples=100)
@given(intervals=interval_sets(), hour=st.integers(-1, 3 * 24))
def test_a_whole_hour_equals_the_sweep_of_its_pieces(intervals, hour):
    """tally.py sweeps partial hours with ``stats`` and reads whole ones from ``Hours``: the same
    figures either way."""
    a, b, viewers = intervals
    h0, h1 = (FIRST_HOUR + hour) * HOUR, (FIRST_HOUR + hour + 1) * HOUR
    for unique in (False, True):
        segments = [(max((x + ORIGIN) * 1000, h0 * 1000), min((y + ORIGIN) * 1000, h1 * 1000), w)
                    for x, y, w in zip(a, b, viewers) if x + ORIGIN < h1 and y + ORIGIN > h0]
        assert both(a, b, viewers if unique else None).at(FIRST_HOUR + hour) == stats(segments, unique)


def test_a_large_random_day_matches_the_reference():
    """Thousands of intervals of a few hundred viewers over two days: many overlaps per viewer."""
    rng = np.random.default_rng(18)
    a = np.sort(rng.integers(-HOUR, 2 * DAY, 20_000))
    b = a + rng.integers(1, 1501, len(a))
    viewers = rng.integers(0, 300, len(a))
    for who in (None, viewers):
        got = hours_of(a, b, ORIGIN, 1500, who)
        assert figures(got) == figures(reference_hours(a, b, ORIGIN, 1500, who))
    assert int(hours_of(a, b, ORIGIN, 1500, viewers).peak.max()) < int(hours_of(a, b, ORIGIN, 1500).peak.max())
