"""period: day, ISO week, month, year, inclusive range; UTC; malformed and impossible inputs."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.apivideo.period import PeriodError, parse_period


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


@pytest.mark.parametrize("text, start, end", [
    ("2018-01-01", "2018-01-01", "2018-01-02"),
    ("2024-02-29", "2024-02-29", "2024-03-01"),
    ("2018-W01", "2018-01-01", "2018-01-08"),           # ISO week 1 of 2018 starts on Monday Jan 1
    ("2021-W01", "2021-01-04", "2021-01-11"),           # ... of 2021 on Jan 4
    ("2020-W53", "2020-12-28", "2021-01-04"),           # 2020 has 53 ISO weeks
    ("2018-01", "2018-01-01", "2018-02-01"),
    ("2023-12", "2023-12-01", "2024-01-01"),
    ("2024-02", "2024-02-01", "2024-03-01"),
    ("2018", "2018-01-01", "2019-01-01"),
    ("2018-01-01/2018-01-15", "2018-01-01", "2018-01-16"),  # inclusive of the last day
    ("2018-01-01/2018-01-01", "2018-01-01", "2018-01-02"),
    ("2023-12-31/2024-01-01", "2023-12-31", "2024-01-02"),
])
def test_forms(text, start, end):
    period = parse_period(text)
    assert (period.start_ms, period.end_ms) == (ms(start), ms(end))


def test_membership_is_half_open():
    period = parse_period("2024-01-15")
    assert ms("2024-01-15") in period
    assert ms("2024-01-15T23:59:59.999") in period
    assert ms("2024-01-16") not in period
    assert ms("2024-01-14T23:59:59.999") not in period


@pytest.mark.parametrize("text", [
    "", "2024-13", "2024-00", "2024-W54", "2024-W00", "2023-W53", "2024-02-30", "2023-02-29",
    "2024-01-15/2024-01-14", "2024-1", "24", "2024-01-1", "2024-W1", " 2024", "2024 ", "2024-01-01/",
    "/2024-01-01", "2024-01/2024-02", "2024-01-01T00:00:00Z", "0000", "0000-01-01", "２０２４",
    "2024-01-01/2024-01-02/2024-01-03", "today", "2024-w01", "x" * 10_000, "2" * 10_000,
])
def test_rejected(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_extremes():
    assert parse_period("9999").end_ms > parse_period("9999-12-31").start_ms
    assert parse_period("9999-12-31").end_ms == parse_period("9999").end_ms
    assert parse_period("9999-12").end_ms == parse_period("9999").end_ms
    assert parse_period("0001-01-01").start_ms < 0


@given(st.text(max_size=40))
def test_never_crashes(text):
    try:
        period = parse_period(text)
    except PeriodError:
        return
    assert period.start_ms < period.end_ms


@given(st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2200, 1, 1).date()),
       st.integers(min_value=0, max_value=400))
def test_ranges_cover_every_day(first, days):
    from datetime import timedelta
    last = first + timedelta(days=days)
    period = parse_period(f"{first.isoformat()}/{last.isoformat()}")
    assert period.end_ms - period.start_ms == (days + 1) * 86_400_000
