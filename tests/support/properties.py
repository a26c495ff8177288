"""What the property tests of both vendors share: one hypothesis profile (deterministic, bounded)
and the calendar helpers (midnights in epoch milliseconds, over years 1 to 9999)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("properties", max_examples=100, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile("properties")
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
END_OF_TIME = (datetime(9999, 12, 31, tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1) + DAY_MS
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
YEARS = st.integers(1, 9999)


def ms(d: date) -> int:
    return (datetime(d.year, d.month, d.day, tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1)


def ms_after(d: date) -> int:
    """Midnight UTC ending day ``d`` (the end of year 9999 included)."""
    return END_OF_TIME if d == date.max else ms(d + timedelta(days=1))
