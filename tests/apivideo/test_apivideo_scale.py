"""Scale: generated sessions are derived per index, so load time and page time do not grow with the count."""
from __future__ import annotations

import time
import tracemalloc

import pytest
from apivideo_data import basic

from emulator.app import create_app

pytest_plugins = ("apivideo_support",)  # its fixtures: make_app, av_client, bearer...

AUTH = basic("k")


def big(count: int) -> dict:
    return {"name": "big", "seed": 9, "apivideo": {
        "api_keys": [{"key": "k", "environment": "production"}],
        "videos": [{"id": "viBig", "generate": {"sessions": count, "period": "2024",
                                                "metadata": {"Format": ["Tutorial", "Demo", "Keynote"]}}}]}}


def best_ms(client, url: str, runs: int = 3) -> float:
    """The best of a few timings of one request (in-process), so a busy machine does not fail the test."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        r = client.get(url, headers=AUTH)
        best = min(best, (time.perf_counter() - start) * 1000)
        assert r.status_code == 200
    return best


@pytest.fixture
def timed_app():
    """Apps without the per-response contract hook (it would dominate the timings); bodies are
    validated explicitly instead."""
    return create_app


def check(contract, client, url: str) -> dict:
    r = client.get(url, headers=AUTH)
    body = r.get_json()
    assert contract.errors(url.split("?")[0], r.status_code, body) == []
    return body


@pytest.mark.parametrize("count, page_budget_ms", [(100_000, 20), (1_000_000, 20)])
def test_load_and_any_page_are_fast(timed_app, contract, count, page_budget_ms):
    start = time.perf_counter()
    app = timed_app(big(count))
    assert time.perf_counter() - start < 5
    client = app.test_client()
    client.get("/analytics/videos/viBig?period=2024", headers=AUTH)  # warm up
    last = -(-count // 100)
    for page in (1, last // 2, last, last + 1):
        assert best_ms(client, f"/analytics/videos/viBig?period=2024&pageSize=100&currentPage={page}") < page_budget_ms
    body = check(contract, client, "/analytics/videos/viBig?period=2024-07&pageSize=100&currentPage=30")
    assert body["pagination"]["itemsTotal"] > count // 13
    assert best_ms(client, "/analytics/videos/viBig?period=2024-07&pageSize=100&currentPage=30") < page_budget_ms
    sid = body["data"][0]["session"]["sessionId"]
    assert best_ms(client, f"/analytics/sessions/{sid}/events?pageSize=100") < page_budget_ms
    check(contract, client, f"/analytics/sessions/{sid}/events?pageSize=100")
    check(contract, client, f"/analytics/videos/viBig?period=2024&pageSize=100&currentPage={last}")


def test_metadata_filter_scans_once_then_pages_fast(timed_app, contract):
    client = timed_app(big(100_000)).test_client()
    first = check(contract, client, "/analytics/videos/viBig?period=2024&metadata[Format]=Demo&pageSize=100")
    total = first["pagination"]["itemsTotal"]
    assert 30_000 < total < 37_000
    assert best_ms(client, "/analytics/videos/viBig?period=2024&metadata[Format]=Demo&pageSize=100&currentPage=200") < 20


def test_a_million_sessions_cost_no_memory():
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        app = create_app(big(1_000_000))
        client = app.test_client()
        for page in (1, 5_000, 10_000):
            client.get(f"/analytics/videos/viBig?period=2024&pageSize=100&currentPage={page}", headers=AUTH)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 50 * 1024 * 1024, f"{grown / 1e6:.1f} MB"
