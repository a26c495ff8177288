"""Scale: generated sessions are derived per index, so load time and page time do not grow with the count."""
from __future__ import annotations

import tracemalloc

import pytest

from emulator.apivideo.generate import GeneratedSessions
from emulator.app import create_app

from .support import basic

AUTH = basic("k")


def big(count: int) -> dict:
    return {"name": "big", "seed": 9, "apivideo": {
        "api_keys": [{"key": "k", "environment": "production"}],
        "videos": [{"id": "viBig", "generate": {"sessions": count, "period": "2024",
                                                "metadata": {"Format": ["Tutorial", "Demo", "Keynote"]}}}]}}


@pytest.fixture
def work(monkeypatch):
    """Counts of the per-session derivations a request does: what makes paging O(total) or not.

    Counting work instead of timing it keeps the test meaningful on a busy machine (the times are
    in `make bench`).
    """
    counts = {"loaded_ms": 0, "render": 0, "meta": 0}
    for name, key in (("loaded_ms", "loaded_ms"), ("_render", "render")):
        original = getattr(GeneratedSessions, name)

        def counted(self, i, *rest, _original=original, _key=key):
            counts[_key] += 1
            return _original(self, i, *rest)

        monkeypatch.setattr(GeneratedSessions, name, counted)
    meta_block = GeneratedSessions._meta_block

    def metadata_of(self, lo, hi):  # sessions whose metadata is derived, one at a time or in bulk
        counts["meta"] += hi - lo
        return meta_block(self, lo, hi)

    monkeypatch.setattr(GeneratedSessions, "_meta_block", metadata_of)

    def take() -> dict:
        snapshot = dict(counts)
        for key in counts:
            counts[key] = 0
        return snapshot

    return take


def check(contract, client, url: str) -> dict:
    r = client.get(url, headers=AUTH)
    body = r.get_json()
    assert r.status_code == 200
    assert contract.errors(url.split("?")[0], r.status_code, body) == []
    return body


@pytest.mark.parametrize("count", [100_000, 1_000_000])
def test_load_and_any_page_cost_no_work_in_proportion_to_the_count(work, contract, count):
    app = create_app(big(count))
    assert work() == {"loaded_ms": 0, "render": 0, "meta": 0}  # loading derives no session
    client = app.test_client()
    last = -(-count // 100)
    searches = 2 * (count.bit_length() + 1)  # two binary searches over the indexes
    for page in (1, last // 2, last, last + 1):
        body = check(contract, client, f"/analytics/videos/viBig?period=2024&pageSize=100&currentPage={page}")
        done = work()
        assert done["render"] == len(body["data"]) and done["meta"] <= len(body["data"])  # their own metadata
        assert done["loaded_ms"] <= searches + 2 * len(body["data"]), done
    body = check(contract, client, "/analytics/videos/viBig?period=2024-07&pageSize=100&currentPage=30")
    assert body["pagination"]["itemsTotal"] > count // 13
    assert work()["loaded_ms"] <= searches + 200
    sid = body["data"][0]["session"]["sessionId"]
    events = check(contract, client, f"/analytics/sessions/{sid}/events?pageSize=100")
    assert events["data"] and work()["render"] <= 1
    check(contract, client, f"/analytics/videos/viBig?period=2024&pageSize=100&currentPage={last}")


def test_metadata_filter_scans_once_then_pages_without_scanning(work, contract):
    client = create_app(big(100_000)).test_client()
    first = check(contract, client, "/analytics/videos/viBig?period=2024&metadata[Format]=Demo&pageSize=100")
    total = first["pagination"]["itemsTotal"]
    assert 30_000 < total < 37_000
    assert work()["meta"] >= 100_000  # the one scan
    later = check(contract, client, "/analytics/videos/viBig?period=2024&metadata[Format]=Demo&pageSize=100&currentPage=200")
    assert later["pagination"]["itemsTotal"] == total and len(later["data"]) == 100
    assert work()["meta"] <= 100  # no second scan: only the page's own metadata is derived


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
