"""The query of a /data/* request, read and checked in full before anything is computed.

Every refusal is the vendor's problem document naming the parameter (data_errors.py). Times
are epoch milliseconds on the emulator clock. The vendor's ATOM instants are read, and also what
the official clients send (Python's ``isoformat()``: fractions, no offset = UTC; ``Z``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from dateutil.relativedelta import relativedelta

from .constants import DAY_MS, HOUR_MS
from .data_errors import InvalidQueryParameter, not_expected, one_of
from .dimensions import CONTINENTS, is_country_code
from .errors import AttributeInvalid, OutOfRange
from .metrics import FILTER_FIELDS, Filters, Window
from .pagination import PageRequest, parse_page_request
from .timefmt import to_ms

VIEW_DURATION_VALUES = ("3s", "5s", "10s", "30s")
INTERVALS = ("minute", "hour", "day")
SORT_ORDERS = ("asc", "desc")
MEDIA_TYPES = ("video", "live-stream")
MAX_REFERRER = 2048
MAX_FILTER_VALUES = 1000
RETENTION = {"30d": relativedelta(days=30), "3m": relativedelta(months=3), "12m": relativedelta(months=12)}
SANDBOX_MS = DAY_MS
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?",
                      re.IGNORECASE)
_FILTER = re.compile(r"filterBy\[([A-Za-z]+)\](?:\[(\d{0,9})\])?")
_SCALAR_FILTERS = ("mediaType", "tag")


def atom(ms: int) -> str:
    """An instant as the vendor prints it: ``2024-05-28T11:15:07+00:00`` (UTC, whole seconds)."""
    d = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _instant(name: str, raw: str) -> int:
    if not _INSTANT.fullmatch(raw):
        raise InvalidQueryParameter(name, detail="This value is not a valid ATOM date-time "
                                                 "(for example 2024-02-05T00:00:00+01:00).")
    text = raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1).replace("t", "T", 1))
    except ValueError:
        raise InvalidQueryParameter(name, detail="This value is not a valid date-time.") from None
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


@dataclass(frozen=True)
class DataQuery:
    """A checked /data/* query."""

    window: Window  # what the caller asked (the timeframe echoed)
    unique: bool
    view_seconds: int
    filters: Filters
    interval: str | None = None
    sort_by: str | None = None
    descending: bool = False
    page: PageRequest = PageRequest()


def _boolean(name: str, raw: str) -> bool:
    """``true`` / ``false`` in any case (the Python client sends ``str(True)``), or 1 / 0."""
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidQueryParameter(name, detail="This value should be of type bool.")
    return raw.lower() in ("true", "1")


def read_filters(args: Any) -> Filters:
    """``filterBy[k][]=v``, ``filterBy[k][0]=v`` and ``filterBy[k]=v`` alike."""
    wanted: dict[str, list[str]] = {}
    for key, listed in args.lists():
        if not key.startswith("filterBy"):
            continue
        m = _FILTER.fullmatch(key)
        if m is None or m.group(1) not in (*FILTER_FIELDS, "tag"):
            raise not_expected(key)
        wanted.setdefault(m.group(1), []).extend(listed)
    values: list[tuple[str, frozenset[str]]] = []
    tag = None
    for name, given in wanted.items():
        label = f"filterBy[{name}]"
        if name in _SCALAR_FILTERS and len(set(given)) > 1:
            raise InvalidQueryParameter(label, detail="This filter accepts a single value.")
        if len(given) > MAX_FILTER_VALUES:
            raise InvalidQueryParameter(label, detail=f"This filter accepts at most {MAX_FILTER_VALUES} values.")
        if name == "tag":
            tag = given[0]
            continue
        if name == "mediaType" and given[0] not in MEDIA_TYPES:
            raise one_of(label, "media type", MEDIA_TYPES)
        if name == "continent" and any(v not in CONTINENTS for v in given):
            raise one_of(label, "continent", CONTINENTS)
        if name == "country" and any(not is_country_code(v) for v in given):
            raise InvalidQueryParameter(label, detail="This value is not a valid ISO 3166 alpha-2 country code.")
        if name == "referrer":
            if any(len(v) > MAX_REFERRER for v in given):
                raise InvalidQueryParameter(label, detail="This value should not contain more than 2048 characters.")
            given = [*given, *(unquote(v) for v in given)]  # the vendor asks for URL-encoded values
        values.append((FILTER_FIELDS[name], frozenset(given)))
    return Filters(tuple(sorted(values)), tag)


def _page(args: Any) -> PageRequest:
    """Paging as on the legacy listings, refused in the /data/* style."""
    try:
        return parse_page_request(args)
    except OutOfRange as exc:
        first = exc.problems[0] if exc.problems else exc
        limits = {"currentPage": "greater than or equal to 1", "pageSize": "between 1 and 100"}
        raise InvalidQueryParameter(first.name, detail=f"This value should be {limits[first.name]}.") from None
    except AttributeInvalid as exc:
        raise InvalidQueryParameter(exc.name, detail="This value should be of type integer.") from None


def read_window(args: Any, now_ms: int, retention: str, floor_check: bool) -> Window:
    """``from`` / ``to``: defaults (to = now, from = to - 1 day), order and the retention."""
    raw_to, raw_from = args.get("to"), args.get("from")
    end = now_ms if raw_to in (None, "") else _instant("to", raw_to)
    start = end - DAY_MS if raw_from in (None, "") else _instant("from", raw_from)
    if start >= end:
        raise InvalidQueryParameter("to", detail='This value should be later than "from".')
    if floor_check and raw_from not in (None, "") and start < retention_floor(now_ms, retention):
        raise InvalidQueryParameter(f"from:{raw_from}", detail="This field was not expected.")
    return Window(start, end)


def retention_floor(now_ms: int, retention: str) -> int:
    now = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return to_ms(now - RETENTION.get(retention, RETENTION["30d"]))


def read_query(args: Any, *, route: str, metric: str, now_ms: int, retention: str, total: bool = False) -> DataQuery:
    """Check every parameter of a ``route`` ("metrics", "buckets", "timeseries") query."""
    allowed = {"from", "to", "unique", "viewDuration"}
    if route != "metrics":
        allowed |= {"sortBy", "sortOrder", "currentPage", "pageSize"}
    if route == "timeseries":
        allowed.add("interval")
    for key in args:
        if key not in allowed and not key.startswith("filterBy"):
            raise not_expected(key)
    window = read_window(args, now_ms, retention, floor_check=not total)
    unique = False
    if args.get("unique") not in (None, ""):
        if not metric.startswith(("ccv", "view")):
            raise not_expected("unique")
        unique = _boolean("unique", args["unique"])
    view_seconds = 5
    if args.get("viewDuration") not in (None, ""):
        if args["viewDuration"] not in VIEW_DURATION_VALUES:
            raise InvalidQueryParameter("viewDuration", detail='This view duration is invalid. Use one of "3s", '
                                                               '"5s", "10s", "30s".')
        if metric != "view":
            raise not_expected("viewDuration")
        view_seconds = int(args["viewDuration"][:-1])
    filters = read_filters(args)
    if route == "metrics":
        return DataQuery(window, unique, view_seconds, filters)
    sort_fields = ("metricValue", "dimensionValue") if route == "buckets" else ("metricValue", "emittedAt")
    sort_by = args.get("sortBy") or None
    if sort_by is not None and sort_by not in sort_fields:
        raise one_of("sortBy", "sort field", sort_fields)
    order = args.get("sortOrder") or None
    if order is not None and order not in SORT_ORDERS:
        raise one_of("sortOrder", "sort order", SORT_ORDERS)
    interval = None
    if route == "timeseries":
        interval = args.get("interval") or ("hour" if window.length_ms <= 2 * DAY_MS else "day")
        if interval not in INTERVALS:
            raise one_of("interval", "interval", INTERVALS)
        if interval == "minute" and window.length_ms > HOUR_MS:
            raise InvalidQueryParameter("interval", detail="This interval cannot be used with a timeframe over "
                                                           "60 minutes.")
    # DECISION: buckets default to the largest value first, timeseries to time order
    default_by, default_desc = ("metricValue", True) if route == "buckets" else ("emittedAt", False)
    descending = default_desc if order is None and sort_by is None else order == "desc"
    return DataQuery(window, unique, view_seconds, filters, interval, sort_by or default_by, descending,
                     _page(args))
