"""api.video's current Analytics: ``/data/metrics``, ``/data/buckets``, ``/data/timeseries``.

Registered on the raw-statistics blueprint (routes.py), so they share its credentials, rate
limits, X-RateLimit-* headers and problem rendering. The numbers come from one event store for
both generations (facts.py: the scenario's sessions and the tenant's v1 and v2 beacons) through
metrics.py; the handlers only read the request and shape the vendor's JSON.
"""
from __future__ import annotations

from flask import Response, request

from ..context import current_tenant
from .data_errors import InvalidAttribute, UnrecognizedDataUrl
from .data_params import SANDBOX_MS, DataQuery, atom, read_query, retention_floor
from .metrics import BREAKDOWN_FIELDS, Measure, Window, sort_rows
from .models import ApiKey
from .pagination import page_bounds, pagination
from .routes import Caller, authorize, bp, json_response, link_base
from .tally import Population, buckets, population, timeseries, value

#: metric -> the aggregations the vendor documents for it (play/sum: its overview page's example)
AGGREGATIONS = {"play": ("count", "rate", "total", "sum"), "start": ("count",), "end": ("count",),
                "impression": ("count",), "impression-time": ("average", "sum"), "watch-time": ("average", "sum"),
                "ccv": ("peak", "live"), "view": ("count",)}
BUCKET_METRICS = ("play", "play-rate", "play-total", "start", "end", "impression", "ccv-peak", "ccv-average", "view")
SERIES_METRICS = ("play", "play-rate", "start", "end", "impression", "ccv-peak", "ccv-average", "view")
CCV_LIVE_MS = 20_000


def _path_value(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    """A path parameter: digits are not a name (the vendor's example error), others must be listed."""
    if raw.isdigit():
        raise InvalidAttribute(name, detail="This value must be of type string.")
    if raw not in allowed:
        listed = ", ".join(f'"{a}"' for a in allowed)
        raise InvalidAttribute(name, detail=f"This value should be one of {listed}.")
    return raw


def _measure(metric: str, aggregation: str, q: DataQuery) -> Measure:
    """The internal measure of a route's metric name (``ccv-peak`` is ccv with ``peak``...)."""
    if metric in ("ccv-peak", "ccv-average"):
        return Measure("ccv", metric[4:], q.unique)
    if metric == "play" and aggregation == "sum":
        aggregation = "count"
    return Measure(metric, aggregation, q.unique, q.view_seconds)


def context_metric(metric: str, q: DataQuery) -> str:
    """``context.metric``: the variant asked for, as the contract's enums spell it."""
    if metric == "play-total":
        return "play"  # DECISION: the breakdown enum has no play-total (docs/apivideo-analytics.md)
    if metric == "view":
        return f"{'unique-' if q.unique else ''}view-{q.view_seconds}"
    return f"unique-{metric}" if q.unique and metric.startswith("ccv") else metric


def _population(caller: Caller, counted: Window, q: DataQuery) -> Population:
    """What this request counts: the generated, written and (visible now) ingested sessions."""
    backend = caller.backend
    with current_tenant().lock:
        visible = backend.ingest.visible(caller.now_ms)
    return population(backend.prepared, visible, counted, q.filters)


def _counted_window(asked: Window, now: int, key: ApiKey, retention: str) -> Window:
    """What is counted of the asked window: nothing after now, before the retention, or (sandbox)
    before the last 24 hours."""
    floor = retention_floor(now, retention)
    if key.environment == "sandbox":
        floor = max(floor, now - SANDBOX_MS)
    return Window(max(asked.start_ms, floor), min(asked.end_ms, now + 1))


def _timeframe(q: DataQuery) -> dict[str, str]:
    return {"from": atom(q.window.start_ms), "to": atom(q.window.end_ms)}


def _paged(context: dict, rows: list[dict], q: DataQuery) -> Response:
    start, stop = page_bounds(q.page, len(rows))
    path, query = link_base()
    return json_response({"context": context, "data": rows[start:stop],
                  "pagination": pagination(q.page, len(rows), stop - start, path, query)})


@bp.get("/data/metrics/<metric>/<aggregation>")
def get_aggregated_metrics(metric: str, aggregation: str) -> Response:
    """GET /data/metrics/{metric}/{aggregation}: one number for the window and filters."""
    caller = authorize()  # the legacy routes' credentials and rate limit, at the request's clock reading
    now, key, prepared = caller.now_ms, caller.key, caller.backend.prepared
    metric = _path_value("metric", metric, tuple(AGGREGATIONS))
    aggregation = _path_value("aggregation", aggregation, ("count", "rate", "total", "average", "sum", "peak",
                                                           "live"))
    if aggregation not in AGGREGATIONS[metric]:
        raise UnrecognizedDataUrl()
    total = (metric, aggregation) == ("play", "total")
    q = read_query(request.args, route="metrics", metric=metric, now_ms=now, retention=prepared.retention,
                   total=total)
    if total:
        counted = Window(0, now + 1)
    elif aggregation == "live":
        counted = _counted_window(Window(now - CCV_LIVE_MS, now + 1), now, key, prepared.retention)
    else:
        counted = _counted_window(q.window, now, key, prepared.retention)
    data = value(_measure(metric, aggregation, q), _population(caller, counted, q), counted)
    return json_response({"context": {"metric": context_metric(metric, q), "aggregation": aggregation,
                              "timeframe": _timeframe(q)}, "data": data})


@bp.get("/data/buckets/<metric>/<breakdown>")
def get_metrics_breakdown(metric: str, breakdown: str) -> Response:
    """GET /data/buckets/{metric}/{breakdown}: the metric per value of a dimension, paged."""
    caller = authorize()  # the legacy routes' credentials and rate limit, at the request's clock reading
    now, key, prepared = caller.now_ms, caller.key, caller.backend.prepared
    metric = _path_value("metric", metric, BUCKET_METRICS)
    breakdown = _path_value("breakdown", breakdown, tuple(BREAKDOWN_FIELDS))
    total = metric == "play-total"
    if total and breakdown != "media-id":
        raise UnrecognizedDataUrl()
    q = read_query(request.args, route="buckets", metric=metric, now_ms=now, retention=prepared.retention,
                   total=total)
    counted = Window(0, now + 1) if total else _counted_window(q.window, now, key, prepared.retention)
    rows = buckets(_measure(metric, "count", q), breakdown, _population(caller, counted, q), counted)
    column = 1 if q.sort_by == "metricValue" else 0
    rows = sort_rows(rows, lambda r: r[column], q.descending)
    return _paged({"metric": context_metric(metric, q), "breakdown": breakdown, "timeframe": _timeframe(q)},
                  [{"dimensionValue": d, "metricValue": v} for d, v in rows], q)


@bp.get("/data/timeseries/<metric>")
def get_metrics_over_time(metric: str) -> Response:
    """GET /data/timeseries/{metric}: the metric per minute, hour or day, paged."""
    caller = authorize()  # the legacy routes' credentials and rate limit, at the request's clock reading
    now, key, prepared = caller.now_ms, caller.key, caller.backend.prepared
    metric = _path_value("metric", metric, SERIES_METRICS)
    q = read_query(request.args, route="timeseries", metric=metric, now_ms=now, retention=prepared.retention)
    counted = _counted_window(q.window, now, key, prepared.retention)
    assert q.interval is not None
    points = timeseries(_measure(metric, "count", q), q.interval, _population(caller, counted, q), counted)
    column = 1 if q.sort_by == "metricValue" else 0
    points = sort_rows(points, lambda r: r[column], q.descending)
    return _paged({"metric": context_metric(metric, q), "interval": q.interval, "timeframe": _timeframe(q)},
                  [{"emittedAt": atom(ms), "metricValue": v} for ms, v in points], q)
