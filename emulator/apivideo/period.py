"""The ``period`` parameter: day, ISO week, month, year or inclusive day range, in UTC.

A period is turned into a half-open interval of epoch milliseconds ``[start, end)`` so that a
session belongs to it when ``start <= loadedAt < end`` (DECISION: membership by ``loadedAt``).
The same parser reads the ``period`` of a scenario's ``generate:`` block.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .constants import EPOCH

#: longer inputs are rejected before any regular expression runs (a 10 kB period costs nothing)
MAX_LENGTH = 32

_DAY = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_PATTERNS = {
    "year": re.compile(r"([0-9]{4})"),
    "month": re.compile(r"([0-9]{4})-([0-9]{2})"),
    "week": re.compile(r"([0-9]{4})-W([0-9]{2})"),
    "day": re.compile(_DAY),
    "range": re.compile(_DAY + "/" + _DAY),
}


class PeriodError(ValueError):
    """The text is not a period the vendor accepts."""


@dataclass(frozen=True)
class Period:
    """A UTC interval ``[start_ms, end_ms)`` and the text it was read from."""

    text: str
    kind: str
    start_ms: int
    end_ms: int

    def __contains__(self, ms: int) -> bool:
        return self.start_ms <= ms < self.end_ms


def day_ms(d: date) -> int:
    """Epoch milliseconds of midnight UTC starting day ``d``."""
    return (datetime(d.year, d.month, d.day, tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1)


def _date(y: str, m: str, d: str) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError as exc:
        raise PeriodError(str(exc)) from None


def _span(start: date, end_exclusive: date | None) -> tuple[int, int]:
    start_ms = day_ms(start)
    # date(9999, 12, 31) + 1 day overflows: the end of year 9999 is computed in milliseconds
    end_ms = day_ms(end_exclusive) if end_exclusive else day_ms(date(9999, 12, 31)) + 86_400_000
    return start_ms, end_ms


def _next_day(d: date) -> date | None:
    return None if d == date.max else d + timedelta(days=1)


def parse_period(text: object) -> Period:
    """Parse a period; raise :class:`PeriodError` when malformed or impossible."""
    if not isinstance(text, str) or not text or len(text) > MAX_LENGTH:
        raise PeriodError("not a period")
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(text)
        if m:
            return Period(text, kind, *_BUILDERS[kind](*m.groups()))
    raise PeriodError("not a period")


def _year(y: str) -> tuple[int, int]:
    start = _date(y, "1", "1")
    return _span(start, None if start.year == 9999 else date(start.year + 1, 1, 1))


def _month(y: str, m: str) -> tuple[int, int]:
    start = _date(y, m, "1")
    if start.month == 12:
        return _span(start, None if start.year == 9999 else date(start.year + 1, 1, 1))
    return _span(start, date(start.year, start.month + 1, 1))


def _week(y: str, w: str) -> tuple[int, int]:
    try:
        start = date.fromisocalendar(int(y), int(w), 1)
    except ValueError as exc:  # W00, W54, W53 of a 52-week year, year 0
        raise PeriodError(str(exc)) from None
    try:
        end = start + timedelta(days=7)
    except OverflowError:
        end = None
    return _span(start, end)


def _day(y: str, m: str, d: str) -> tuple[int, int]:
    start = _date(y, m, d)
    return _span(start, _next_day(start))


def _range(y1: str, m1: str, d1: str, y2: str, m2: str, d2: str) -> tuple[int, int]:
    start, last = _date(y1, m1, d1), _date(y2, m2, d2)
    if last < start:
        raise PeriodError("the range ends before it starts")
    return _span(start, _next_day(last))


#: pattern kind -> the (start_ms, end_ms) of its match groups
_BUILDERS: dict[str, Callable[..., tuple[int, int]]] = {
    "year": _year, "month": _month, "week": _week, "day": _day, "range": _range,
}
