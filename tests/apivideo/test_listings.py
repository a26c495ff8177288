"""The three listings: content, order, pagination walk, period forms, metadata filters, determinism."""
from __future__ import annotations

import pytest

from emulator.apivideo.period import parse_period
from emulator.apivideo.timefmt import parse_ms

from .support import (
    EMPTY_VIDEO,
    EXPLICIT_LIVE,
    EXPLICIT_SESSION,
    LIVE,
    LIVE_SESSION,
    SCENARIO,
    VIDEO,
    basic,
    scenario,
)

AUTH = basic("sandbox-key")


def get(client, url: str, status: int = 200) -> dict:
    r = client.get(url, headers=AUTH)
    assert r.status_code == status, r.data
    return r.get_json()


def walk(client, url: str) -> list[dict]:
    """Follow ``next`` links from ``url`` to the end, as a client does."""
    items, pages = [], 0
    while url:
        body = get(client, url)
        items += body["data"]
        pages += 1
        links = {link["rel"]: link["uri"] for link in body["pagination"]["links"]}
        url = links.get("next")
    return items


def key(session: dict) -> tuple:
    return parse_ms(session["session"]["loadedAt"]), session["session"]["sessionId"]


def test_first_page(av_client):
    body = get(av_client, f"/analytics/videos/{VIDEO}?period=2024")
    p = body["pagination"]
    assert (p["currentPage"], p["pageSize"], p["itemsTotal"], p["pagesTotal"]) == (1, 25, 121, 5)
    assert p["currentPageItems"] == len(body["data"]) == 25
    assert list(body) == ["data", "pagination"]


def test_walk_is_complete_ordered_and_stable(av_client):
    walked = walk(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=7")
    assert len(walked) == 121
    assert [key(s) for s in walked] == sorted(key(s) for s in walked)
    assert len({s["session"]["sessionId"] for s in walked}) == 121
    big = [get(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100&currentPage={n}")["data"]
           for n in (1, 2)]
    assert big[0] + big[1] == walked


def test_explicit_session_is_listed_as_written(av_client):
    walked = walk(av_client, f"/analytics/videos/{VIDEO}?period=2024-01-24&pageSize=100")
    explicit = [s for s in walked if s["session"]["sessionId"] == EXPLICIT_SESSION]
    raw = SCENARIO["apivideo"]["videos"][0]["sessions"][0]
    assert explicit == [{
        "session": {**raw["session"]},
        "location": raw["location"], "referrer": raw["referrer"], "device": raw["device"], "os": raw["os"],
        "client": raw["client"]}]


@pytest.mark.parametrize("period", ["2024-01-24", "2024-W04", "2024-W09", "2024-01", "2024-02", "2024",
                                    "2024-01-20/2024-02-05", "2024-02-29/2024-02-29", "2023", "2025-W01"])
def test_every_period_form(av_client, period):
    bounds = parse_period(period)
    items = walk(av_client, f"/analytics/videos/{VIDEO}?period={period}&pageSize=100")
    assert all(parse_ms(s["session"]["loadedAt"]) in bounds for s in items)
    everything = walk(av_client, f"/analytics/videos/{VIDEO}?period=2000-01-01/2099-12-31&pageSize=100")
    assert items == [s for s in everything if parse_ms(s["session"]["loadedAt"]) in bounds]


def test_periods_partition(av_client):
    def total(period):
        return get(av_client, f"/analytics/videos/{VIDEO}?period={period}&pageSize=1")["pagination"]["itemsTotal"]
    assert total("2024-01") + total("2024-02") == total("2024-01-01/2024-02-29") == total("2024") == 121
    days = sum(total(f"2024-01-{d:02d}") for d in range(1, 32))
    assert days == total("2024-01")


def test_metadata_filters_are_anded(av_client):
    base = f"/analytics/videos/{VIDEO}?period=2024&pageSize=100"
    everything = walk(av_client, base)

    def has(s, k, v):
        return {"key": k, "value": v} in s["session"]["metadata"]

    tutorial = walk(av_client, base + "&metadata[Format]=Tutorial")
    assert tutorial == [s for s in everything if has(s, "Format", "Tutorial")]
    assert EXPLICIT_SESSION in {s["session"]["sessionId"] for s in tutorial}
    both = walk(av_client, base + "&metadata%5BFormat%5D=Tutorial&metadata[Author]=John%20Doe")
    assert both == [s for s in everything if has(s, "Format", "Tutorial") and has(s, "Author", "John Doe")]
    assert 0 < len(both) < len(tutorial) < len(everything)
    assert walk(av_client, base + "&metadata[Format]=Keynote") == []
    assert walk(av_client, base + "&metadata[Colour]=Green") == []
    assert walk(av_client, base + "&metadata[Format]=Tutorial&metadata[Format]=Demo") == []
    assert walk(av_client, base + "&metadata[Format]=Tutorial&metadata[Format]=Tutorial") == tutorial


def test_filtered_pages_keep_the_filter_in_links(av_client):
    body = get(av_client, f"/analytics/videos/{VIDEO}?metadata[Format]=Demo&period=2024&pageSize=10&currentPage=2")
    assert next(link["uri"] for link in body["pagination"]["links"]) == (
        f"/analytics/videos/{VIDEO}?metadata[Format]=Demo&period=2024&currentPage=2&pageSize=10")


def test_page_past_the_last_is_empty(av_client):
    body = get(av_client, f"/analytics/videos/{VIDEO}?period=2024&currentPage=99")
    assert body["data"] == [] and body["pagination"]["currentPageItems"] == 0
    assert body["pagination"]["itemsTotal"] == 121


def test_empty_video(av_client):
    body = get(av_client, f"/analytics/videos/{EMPTY_VIDEO}?period=2024")
    assert body == {"data": [], "pagination": {
        "currentPage": 1, "currentPageItems": 0, "pageSize": 25, "pagesTotal": 0, "itemsTotal": 0, "links": [
            {"rel": "self", "uri": f"/analytics/videos/{EMPTY_VIDEO}?period=2024&currentPage=1&pageSize=25"},
            {"rel": "first", "uri": f"/analytics/videos/{EMPTY_VIDEO}?period=2024&currentPage=1&pageSize=25"},
            {"rel": "last", "uri": f"/analytics/videos/{EMPTY_VIDEO}?period=2024&currentPage=1&pageSize=25"}]}}


def test_live_stream_sessions(av_client):
    items = walk(av_client, f"/analytics/live-streams/{LIVE}?period=2024-02&pageSize=15")
    assert len(items) == 40
    assert [key(s) for s in items] == sorted(key(s) for s in items)
    for s in items:
        assert list(s["session"]) == ["sessionId", "loadedAt", "endedAt"]
        assert None not in [v for part in s.values() for v in part.values()]
    assert get(av_client, f"/analytics/live-streams/{LIVE}?period=2024-01")["data"] == []
    # metadata filters exist only on the videos route: ignored here
    assert walk(av_client, f"/analytics/live-streams/{LIVE}?period=2024-02&pageSize=15&metadata[a]=b") == items


def test_explicit_live_session_defaults_to_unknown(av_client):
    body = get(av_client, f"/analytics/live-streams/{EXPLICIT_LIVE}?period=2018-09")
    assert body["data"] == [{
        "session": {"sessionId": LIVE_SESSION, "loadedAt": "2018-09-11T13:04:37.890Z",
                    "endedAt": "2018-09-11T14:47:22.186Z"},
        "location": {"country": "France", "city": "Paris"},
        "referrer": {"url": "unknown", "medium": "unknown", "source": "unknown", "searchTerm": "unknown"},
        "device": {"type": "unknown", "vendor": "unknown", "model": "unknown"},
        "os": {"name": "unknown", "shortname": "unknown", "version": "unknown"},
        "client": {"type": "browser", "name": "Firefox", "version": "61.0"}}]


def test_explicit_session_events(av_client):
    body = get(av_client, f"/analytics/sessions/{EXPLICIT_SESSION}/events")
    assert body["data"] == SCENARIO["apivideo"]["videos"][0]["sessions"][0]["events"]
    assert body["pagination"]["links"][0]["uri"] == (
        f"/analytics/sessions/{EXPLICIT_SESSION}/events?currentPage=1&pageSize=25")
    assert get(av_client, f"/analytics/sessions/{LIVE_SESSION}/events")["data"] == []


def test_generated_session_events_page_by_page(av_client):
    sessions = walk(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100")
    for s in sessions[::10]:
        sid = s["session"]["sessionId"]
        events = walk(av_client, f"/analytics/sessions/{sid}/events?pageSize=4")
        assert events == get(av_client, f"/analytics/sessions/{sid}/events?pageSize=100")["data"]
        assert events[0]["type"] == "ready"
        times = [parse_ms(e["emittedAt"]) for e in events]
        assert times == sorted(times)
        assert parse_ms(s["session"]["loadedAt"]) <= times[0] <= times[-1] <= parse_ms(s["session"]["endedAt"])
    live = get(av_client, f"/analytics/live-streams/{LIVE}?period=2024-02")["data"][0]["session"]["sessionId"]
    assert get(av_client, f"/analytics/sessions/{live}/events")["data"][0]["type"] == "ready"


def test_same_seed_same_bytes_other_seed_other_bytes(make_app):
    urls = [f"/analytics/videos/{VIDEO}?period=2024&pageSize=100&currentPage=2",
            f"/analytics/live-streams/{LIVE}?period=2024-02"]

    def answers(document):
        client = make_app(document).test_client()
        out = [client.get(u, headers=AUTH).data for u in urls]
        first = client.get(urls[0], headers=AUTH).get_json()["data"][0]["session"]["sessionId"]
        return out + [client.get(f"/analytics/sessions/{first}/events", headers=AUTH).data]

    same = answers(SCENARIO)
    assert answers(SCENARIO) == same
    other = scenario()
    other["seed"] = 43
    assert all(a != b for a, b in zip(answers(other), same))


def test_tenants_see_the_same_data(av_client):
    url = f"/analytics/videos/{VIDEO}?period=2024"
    assert av_client.get(url, headers=AUTH).data == av_client.get(
        url, headers={**AUTH, "X-Emulator-Tenant": "worker-2"}).data
