"""Runs the official Python client api.video 1.4.7 against an emulator; prints what it got as JSON.

Run in a subprocess with PYTHONPATH set to the folder 1.4.7 is installed in (it cannot share the
suite's environment, which holds 1.3.0 of the same distribution): ``python python147.py URL``.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import apivideo
from apivideo.api.analytics_api import AnalyticsApi
from apivideo.exceptions import ApiException, ApiValueError
from apivideo.model.filter_by2 import FilterBy2

CALLS = json.loads((Path(__file__).resolve().parent / "calls.json").read_text())  # shared with node268.js
METRICS, BUCKET_METRICS, BREAKDOWNS = CALLS["metrics"], CALLS["bucket_metrics"], CALLS["breakdowns"]
FROM = datetime(2024, 2, 1, tzinfo=timezone.utc)
TO = datetime(2024, 3, 1, tzinfo=timezone.utc)


def attempt(call):
    """The value, or the exception the client raised (class name, status, body)."""
    try:
        return {"ok": call()}
    except ApiValueError as exc:
        return {"error": "ApiValueError", "message": str(exc)[:300]}
    except ApiException as exc:
        return {"error": type(exc).__name__, "status": exc.status, "body": json.loads(exc.body)}


def pages(call, **kwargs) -> dict:
    """Every page until the last, as a client application pages."""
    rows, page = [], 1
    while True:
        response = call(current_page=page, page_size=3, **kwargs)
        rows += [item.to_dict() for item in response.data]
        if page >= response.pagination.pages_total:
            return {"rows": rows, "pages": page}
        page += 1


def main(url: str) -> None:
    out: dict = {"version": apivideo.__version__}
    client = apivideo.AuthenticatedApiClient("production-key", production=True)
    client.configuration.host = url
    with client:
        api = AnalyticsApi(client)
        out["metrics"] = {f"{m}/{a}": attempt(lambda m=m, a=a: api.get_aggregated_metrics(
            m, a, _from=FROM, to=TO).data) for m, aggs in METRICS.items() for a in aggs}
        out["unique_view"] = attempt(lambda: api.get_aggregated_metrics(
            "view", "count", _from=FROM, to=TO, unique=True, view_duration="10s").context.metric)
        chrome = FilterBy2(browser=["chrome"], continent=["EU"], device_type=["computer", "phone"])
        out["filtered"] = attempt(lambda: api.get_aggregated_metrics(
            "play", "count", _from=FROM, to=TO, filter_by=chrome).data)
        out["buckets"] = {f"{m}/{b}": attempt(lambda m=m, b=b: pages(
            api.get_metrics_breakdown, metric=m, breakdown=b, _from=FROM, to=TO, sort_by="dimensionValue",
            sort_order="asc")) for m in BUCKET_METRICS for b in BREAKDOWNS}
        out["play-total"] = attempt(lambda: pages(api.get_metrics_breakdown, metric="play-total",
                                                  breakdown="media-id"))
        out["series"] = {f"{m}/{i}": attempt(lambda m=m, i=i: pages(
            api.get_metrics_over_time, metric=m, interval=i, _from=FROM if i != "minute" else datetime(
                2024, 2, 28, 9, tzinfo=timezone.utc), to=TO if i != "minute" else datetime(
                2024, 2, 28, 10, tzinfo=timezone.utc))) for m in BUCKET_METRICS for i in ("minute", "hour", "day")}
        out["errors"] = {
            "from too old": attempt(lambda: api.get_aggregated_metrics("play", "count", _from=datetime(
                2023, 1, 1, tzinfo=timezone.utc))),
            "undocumented": attempt(lambda: api.get_aggregated_metrics("start", "sum")),
            "bad interval range": attempt(lambda: api.get_metrics_over_time("play", interval="minute", _from=FROM,
                                                                              to=TO)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
