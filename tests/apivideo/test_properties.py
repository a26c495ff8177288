"""Properties of api.video's period and pagination parsers. Deterministic (derandomized, no example
database) and bounded.

Not repeated here: period/pagination examples (test_period.py, test_pagination.py), the 23 Video
properties (tests/twentythree/test_properties.py), scenario validation (tests/test_scenario_properties.py).
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from properties import DATES, DAY_MS, END_OF_TIME, PROFILE, YEARS, ms, ms_after
from werkzeug.datastructures import MultiDict

from emulator.apivideo.errors import AttributeInvalid, OutOfRange
from emulator.apivideo.pagination import (
    MAX_PAGE,
    MAX_SIZE,
    PageRequest,
    page_bounds,
    pagination,
    parse_page_request,
)
from emulator.apivideo.period import PeriodError, parse_period


def iso_weeks(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


# -- api.video period ---------------------------------------------------------------------------------------
@st.composite
def periods(draw):
    """(text, kind, first day, last day) of any valid period, computed independently of the parser."""
    kind = draw(st.sampled_from(["day", "week", "month", "year", "range"]))
    if kind == "day":
        d = draw(DATES)
        return d.isoformat(), kind, d, d
    if kind == "week":
        year = draw(YEARS)
        week = draw(st.integers(1, iso_weeks(year)))
        first = date.fromisocalendar(year, week, 1)
        return f"{year:04d}-W{week:02d}", kind, first, min(first + timedelta(days=6) if first < date(9999, 12, 25)
                                                          else date.max, date.max)
    if kind == "month":
        year, month = draw(YEARS), draw(st.integers(1, 12))
        return f"{year:04d}-{month:02d}", kind, date(year, month, 1), date(year, month,
                                                                          calendar.monthrange(year, month)[1])
    if kind == "year":
        year = draw(YEARS)
        return f"{year:04d}", kind, date(year, 1, 1), date(year, 12, 31)
    a, b = sorted((draw(DATES), draw(DATES)))
    return f"{a.isoformat()}/{b.isoformat()}", kind, a, b


@PROFILE
@given(periods())
def test_period_every_valid_form_round_trips(case):
    text, kind, first, last = case
    period = parse_period(text)
    assert (period.text, period.kind) == (text, kind)
    assert period.start_ms == ms(first)
    assert period.end_ms == ms_after(last)
    assert period.start_ms in period and period.end_ms - 1 in period
    assert period.start_ms - 1 not in period and period.end_ms not in period


@PROFILE
@given(DATES)
def test_period_days_weeks_months_and_years_tile_time(day):
    """A day is in its week, month and year; consecutive days touch, never overlap."""
    one = parse_period(day.isoformat())
    for container in (f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}"):
        outer = parse_period(container)
        assert outer.start_ms <= one.start_ms and one.end_ms <= outer.end_ms
    iso_year, week, _ = day.isocalendar()
    if 1 <= iso_year <= 9999:
        outer = parse_period(f"{iso_year:04d}-W{week:02d}")
        assert outer.start_ms <= one.start_ms and one.end_ms <= outer.end_ms
        assert outer.end_ms - outer.start_ms == 7 * DAY_MS or outer.end_ms == END_OF_TIME
    if day < date.max:
        assert parse_period((day + timedelta(days=1)).isoformat()).start_ms == one.end_ms


@PROFILE
@given(YEARS)
def test_period_week_53_exists_exactly_in_53_week_years(year):
    text = f"{year:04d}-W53"
    if iso_weeks(year) == 53:
        period = parse_period(text)
        assert period.start_ms == parse_period(f"{year:04d}-W52").end_ms
        if year < 9999:
            assert period.end_ms == parse_period(f"{year + 1:04d}-W01").start_ms
    else:
        with pytest.raises(PeriodError):
            parse_period(text)
    for week in (0, 54, 99):
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-W{week:02d}")


@PROFILE
@given(YEARS)
def test_period_leap_days(year):
    february = parse_period(f"{year:04d}-02")
    assert february.end_ms - february.start_ms == (29 if calendar.isleap(year) else 28) * DAY_MS
    whole = parse_period(f"{year:04d}")
    assert whole.end_ms - whole.start_ms == (366 if calendar.isleap(year) else 365) * DAY_MS or year == 9999
    if calendar.isleap(year):
        assert parse_period(f"{year:04d}-02-29").start_ms == parse_period(f"{year:04d}-03-01").start_ms - DAY_MS
    else:
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-02-29")
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-02-28/{year:04d}-02-29")


@PROFILE
@given(DATES, DATES)
def test_period_ranges_are_ordered_and_inclusive(a, b):
    text = f"{a.isoformat()}/{b.isoformat()}"
    if b < a:
        with pytest.raises(PeriodError):
            parse_period(text)
        return
    period = parse_period(text)
    assert period.start_ms == parse_period(a.isoformat()).start_ms
    assert period.end_ms == parse_period(b.isoformat()).end_ms
    assert (period.end_ms - period.start_ms) % DAY_MS == 0


_INVALID_MUTATIONS = st.sampled_from([
    lambda t: " " + t, lambda t: t + " ", lambda t: t + "Z", lambda t: t.replace("-", "/", 1),
    lambda t: t.replace("-", "", 1), lambda t: "+" + t, lambda t: t + "/", lambda t: "/" + t,
    lambda t: t[:-1], lambda t: t + "0", lambda t: t.lower().replace("w", "x"), lambda t: t + "/" + t + "/" + t,
    lambda t: t.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
])


@PROFILE
@given(periods(), _INVALID_MUTATIONS)
def test_period_every_damaged_form_is_refused(case, mutate):
    text = mutate(case[0])
    try:
        period = parse_period(text)
    except PeriodError:
        return
    # a few damages yield another valid period ("2024-01-15" less its last digit is no period, "2024" + "0"...)
    assert period.text == text and period.start_ms < period.end_ms
    assert text.isascii() and " " not in text and "Z" not in text


@PROFILE
@given(YEARS, st.integers(0, 99), st.integers(0, 99))
def test_period_impossible_dates_are_refused(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        expected = date(year, month, day)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(PeriodError):
            parse_period(text)
        with pytest.raises(PeriodError):
            parse_period(f"2000-01-01/{text}")
    else:
        assert parse_period(text).start_ms == ms(expected)
    if not 1 <= month <= 12:
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-{month:02d}")


def test_period_year_zero_and_limits():
    for text in ("0000", "0000-01", "0000-W01", "0000-01-01", "10000", "9999-13"):
        with pytest.raises(PeriodError):
            parse_period(text)
    assert parse_period("9999-W52").end_ms <= END_OF_TIME
    assert parse_period("0001-W01").start_ms == ms(date(1, 1, 1))


# -- api.video pagination -------------------------------------------------------------------------------------
@PROFILE
@given(total=st.integers(0, 5000), size=st.integers(1, MAX_SIZE), page=st.integers(1, 300),
       kept=st.lists(st.from_regex(r"[a-z]{1,5}=[A-Za-z0-9%]{0,6}", fullmatch=True), max_size=3))
def test_pagination_counts_and_links_agree(total, size, page, kept):
    req = PageRequest(page, size)
    start, stop = page_bounds(req, total)
    query = "&".join(kept + [f"currentPage={page}", f"pageSize={size}"])
    p = pagination(req, total, stop - start, "/analytics/videos/vi1", query)
    pages = math.ceil(total / size)
    assert (p["currentPage"], p["pageSize"], p["itemsTotal"], p["pagesTotal"]) == (page, size, total, pages)
    assert p["currentPageItems"] == stop - start == (min(size, total - (page - 1) * size) if page <= pages else 0)
    rels = [link["rel"] for link in p["links"]]
    assert rels == ["self", "first"] + (["previous"] if page > 1 else []) + (["next"] if page < pages else []) \
        + ["last"]
    expected = {"self": page, "first": 1, "previous": page - 1, "next": page + 1, "last": max(pages, 1)}
    for link in p["links"]:
        uri = urlsplit(link["uri"])
        assert uri.path == "/analytics/videos/vi1"
        pairs = uri.query.split("&")
        assert pairs[:-2] == kept, "the other parameters are kept raw and in order"
        values = dict(parse_qsl(uri.query))
        assert (int(values["currentPage"]), int(values["pageSize"])) == (expected[link["rel"]], size)


@PROFILE
@given(total=st.integers(0, 3000), size=st.integers(1, MAX_SIZE))
def test_pagination_pages_partition_the_items(total, size):
    pages = math.ceil(total / size)
    seen: list[int] = []
    for page in range(1, pages + 1):
        start, stop = page_bounds(PageRequest(page, size), total)
        assert 0 < stop - start <= size
        seen.extend(range(start, stop))
    assert seen == list(range(total))
    for page in (pages + 1, pages + 7, MAX_PAGE):
        start, stop = page_bounds(PageRequest(page, size), total)
        assert start == stop == total


@PROFILE
@given(page=st.one_of(st.none(), st.integers(-10**6, 2**32)), size=st.one_of(st.none(), st.integers(-5, 300)))
def test_pagination_parameters_in_range_are_taken_the_rest_refused(page, size):
    args = MultiDict({k: str(v) for k, v in (("currentPage", page), ("pageSize", size)) if v is not None})
    good_page = page is None or 1 <= page <= MAX_PAGE
    good_size = size is None or 1 <= size <= MAX_SIZE
    if good_page and good_size:
        req = parse_page_request(args)
        assert (req.page, req.size) == (page or 1, size or 25)
    else:
        with pytest.raises(OutOfRange) as info:
            parse_page_request(args)
        names = [problem["name"] for problem in info.value.body()["problems"]]
        assert names == [n for n, ok in (("currentPage", good_page), ("pageSize", good_size)) if not ok]


@PROFILE
@given(st.one_of(st.text(max_size=12), st.from_regex(r"[+-]?0*[0-9]{1,4}", fullmatch=True)))
def test_pagination_any_text(text):
    try:
        req = parse_page_request(MultiDict({"pageSize": text}))
    except OutOfRange:
        assert re.fullmatch(r"[+-]?[0-9]+", text) and not 1 <= int(text) <= MAX_SIZE
        return
    except AttributeInvalid:
        assert not re.fullmatch(r"[+-]?[0-9]{1,64}", text)
        return
    assert req.size == (int(text) if text else 25)
