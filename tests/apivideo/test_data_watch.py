"""POST /watch (the v2 collector) and the day-boundary example of the vendor's overview page.

A v2 playback is a session of the legacy listing with its events mapped to v1 types, and it is
counted by /data/* exactly like a /vod beacon.
"""
from __future__ import annotations

import json

import pytest

from .support import CHROME_WINDOWS, VIDEO, basic, beacon, event, scenario

AUTH = basic("production-key")
MS = 1_707_559_200_000  # 2024-02-10T10:00:00Z (support.LOADED_AT)


def watch(client, body: dict, **headers: str):
    return client.post("/watch", data=json.dumps(body),
                       headers={"Content-Type": "text/plain;charset=UTF-8", **headers})


def batch(eve: list[tuple[float, int, float]], *, pid: str = "pb-1", mid: str = VIDEO, sid: str = "tab-1") -> dict:
    """A v2 body: ``(seconds after 10:00, typ, vti)`` events."""
    events = [{"eat": MS + round(s * 1000), "typ": typ, "vti": vti, "vwi": 1280, "vhe": 720, "pau": typ == 3,
               "eco": 0} for s, typ, vti in eve]
    return {"sat": (events[-1]["eat"] if events else MS) + 5000, "sid": sid, "mid": mid, "pid": pid,
            "ref": "https://blog.example/post", "ver": "0.1.0", "eve": events}


def events_of(client, session_id: str) -> list[dict]:
    return client.get(f"/analytics/sessions/{session_id}/events", headers=AUTH).get_json()["data"]


def test_a_v2_playback_is_a_legacy_session_with_v1_events(av_client):
    first = watch(av_client, batch([(1, 1, 0), (2, 2, 0), (7, 4, 5.2), (9, 3, 7.4)]),
                  Origin="https://blog.example", **{"User-Agent": CHROME_WINDOWS})
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    session_id = first.get_json()["session"]
    again = watch(av_client, batch([(12, 2, 7.4), (15, 7, 60), (19, 7, 30), (30, 6, 41), (31, 8, 0)]))
    assert again.get_json()["session"] == session_id  # same sid + pid: the same session
    assert events_of(av_client, session_id) == [
        {"type": "ready", "emittedAt": "2024-02-10T10:00:01.000Z", "at": 0},
        {"type": "play", "emittedAt": "2024-02-10T10:00:02.000Z", "at": 0},
        {"type": "pause", "emittedAt": "2024-02-10T10:00:09.000Z", "at": 7},
        {"type": "resume", "emittedAt": "2024-02-10T10:00:12.000Z", "at": 7},
        {"type": "seek.forward", "emittedAt": "2024-02-10T10:00:15.000Z", "from": 7, "to": 60},
        {"type": "seek.backward", "emittedAt": "2024-02-10T10:00:19.000Z", "from": 60, "to": 30},
        {"type": "end", "emittedAt": "2024-02-10T10:00:30.000Z", "at": 41},
    ]
    listed = av_client.get(f"/analytics/videos/{VIDEO}?period=2024-02-10", headers=AUTH).get_json()["data"]
    mine = next(s for s in listed if s["session"]["sessionId"] == session_id)
    assert mine["session"]["loadedAt"] == "2024-02-10T10:00:01.000Z"
    assert mine["session"]["endedAt"] == "2024-02-10T10:00:30.000Z"  # the src change (8) is dropped
    assert mine["referrer"]["url"] == "https://blog.example/post"
    assert mine["client"]["name"] == "Chrome"
    other = watch(av_client, batch([(40, 1, 0), (41, 2, 0)], pid="pb-2")).get_json()["session"]
    assert other != session_id  # a new playback id: a new session


def test_retried_and_late_batches_count_once(av_client):
    body = batch([(1, 1, 0), (2, 2, 0), (9, 3, 7)])
    sid = watch(av_client, body).get_json()["session"]
    watch(av_client, batch([(12, 2, 7), (20, 3, 15)]))
    watch(av_client, body)  # a retry arriving after the next batch
    assert [e["type"] for e in events_of(av_client, sid)] == ["ready", "play", "pause", "resume", "pause"]


def test_preflight_and_errors_carry_cors(av_client):
    pre = av_client.options("/watch", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "https://x.example"
    bad = av_client.post("/watch", data="not json", headers={"Origin": "https://x.example"})
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == "https://x.example"


@pytest.mark.parametrize(("body", "name"), [
    ({"sid": "t", "mid": VIDEO, "pid": "p", "eve": []}, "sat"),
    ({"sat": 1, "mid": VIDEO, "pid": "p", "eve": []}, "sid"),
    ({"sat": 1, "sid": "t", "pid": "p", "eve": []}, "mid"),
    ({"sat": 1, "sid": "t", "mid": "bad id!", "pid": "p", "eve": []}, "mid"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "eve": []}, "pid"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "pid": "p", "eve": {}}, "eve"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "pid": "p", "eve": [{"eat": 1, "typ": 9}]}, "eve[0].typ"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "pid": "p", "eve": [{"eat": 1, "typ": 2, "vti": -1}]}, "eve[0].vti"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "pid": "p", "eve": [{"typ": 2}]}, "eve[0].eat"),
    ({"sat": 1, "sid": "t", "mid": VIDEO, "pid": "p", "eve": [{"eat": 1, "typ": 5, "eco": 7}]}, "eve[0].eco"),
])
def test_bad_batches_name_the_field(av_client, body, name):
    r = watch(av_client, body)
    assert r.status_code == 400 and r.get_json()["name"] == name
    assert r.get_json()["detail"].startswith(name + ":")


def test_a_vod_beacon_and_a_watch_batch_show_in_both_generations(av_client):
    """The issue's "done when": both visible in /analytics/videos/{id} and /data/metrics/play/count."""
    window = "from=2024-02-10T00:00:00Z&to=2024-02-11T00:00:00Z"
    url = f"/data/metrics/play/count?{window}&filterBy[mediaId][]={VIDEO}"
    before = av_client.get(url, headers=AUTH).get_json()["data"]
    listed_before = av_client.get(f"/analytics/videos/{VIDEO}?period=2024-02-10", headers=AUTH).get_json()
    v1 = av_client.post("/vod", json=beacon([event("ready", 1), event("play", 2)])).get_json()["session"]
    v2 = watch(av_client, batch([(1, 1, 0), (3, 2, 0)])).get_json()["session"]
    listed = av_client.get(f"/analytics/videos/{VIDEO}?period=2024-02-10&pageSize=100", headers=AUTH).get_json()
    ids = {s["session"]["sessionId"] for s in listed["data"]}
    assert {v1, v2} <= ids
    assert listed["pagination"]["itemsTotal"] == listed_before["pagination"]["itemsTotal"] + 2
    assert av_client.get(url, headers=AUTH).get_json()["data"] == before + 2
    impressions = av_client.get(f"/data/metrics/impression/count?{window}&filterBy[mediaId][]={VIDEO}",
                                headers=AUTH).get_json()["data"]
    assert impressions == listed["pagination"]["itemsTotal"]


def test_ingestion_lag_applies_to_watch(make_app):
    client = make_app(scenario(ingestion_lag_seconds=10)).test_client()
    url = "/data/metrics/play/count?from=2024-02-10T00:00:00Z&to=2024-02-11T00:00:00Z"
    before = client.get(url, headers=AUTH).get_json()["data"]
    watch(client, batch([(1, 1, 0), (2, 2, 0)]))
    assert client.get(url, headers=AUTH).get_json()["data"] == before
    client.put("/_emulator/clock", json={"advance": 10})
    assert client.get(url, headers=AUTH).get_json()["data"] == before + 1


# --- analytics-overview.md, "Aggregations vs. timeseries" -----------------------------------------
OVERVIEW_VIDEO = "viOverview000000000001"
EXAMPLE_WINDOW = "from=2024-10-01T00:00:00%2B00:00&to=2024-10-02T23:59:59%2B00:00"


def _overview_app(make_app, *, v2: bool):
    doc = scenario(videos=[{"id": OVERVIEW_VIDEO}], live_streams=[])
    doc["clock"] = "2024-10-03T00:00:00Z"
    if not v2:
        doc["apivideo"]["videos"][0]["sessions"] = [{
            "session": {"sessionId": "psOverviewExample00001", "loadedAt": "2024-10-01T23:59:28.000Z",
                        "endedAt": "2024-10-02T00:01:30.000Z", "metadata": []},
            "events": [{"type": "ready", "emittedAt": "2024-10-01T23:59:29.000Z", "at": 0},
                       {"type": "play", "emittedAt": "2024-10-01T23:59:30.000Z", "at": 0},
                       {"type": "pause", "emittedAt": "2024-10-02T00:01:30.000Z", "at": 120}]}]
    client = make_app(doc).test_client()
    if v2:  # the same viewer through the v2 collector: the sample after midnight is a timeupdate
        t = 1_727_827_170_000  # 2024-10-01T23:59:30Z
        body = {"sat": t + 125_000, "sid": "tab", "mid": OVERVIEW_VIDEO, "pid": "pb", "ref": "", "ver": "0.1.0",
                "eve": [{"eat": t - 1000, "typ": 1, "vti": 0}, {"eat": t, "typ": 2, "vti": 0},
                        {"eat": t + 120_000, "typ": 4, "vti": 120.0}]}
        assert watch(client, body).status_code == 200
    return client


@pytest.mark.parametrize("v2", [False, True], ids=["scenario session", "v2 playback"])
def test_the_overview_day_boundary_example(make_app, v2):
    client = _overview_app(make_app, v2=v2)
    metrics = client.get(f"/data/metrics/play/sum?filterBy[mediaId]={OVERVIEW_VIDEO}&{EXAMPLE_WINDOW}",
                         headers=AUTH).get_json()
    # the vendor's page prints "from": "2024-10-01T00:00:00+00" (a typo: its other dates are full ATOM)
    assert metrics == {"context": {"metric": "play", "aggregation": "sum",
                                   "timeframe": {"from": "2024-10-01T00:00:00+00:00", "to": "2024-10-02T23:59:59+00:00"}},
                       "data": 1}
    series = client.get(f"/data/timeseries/play?filterBy[mediaId]={OVERVIEW_VIDEO}&{EXAMPLE_WINDOW}&interval=day",
                        headers=AUTH).get_json()
    assert series["context"] == {"metric": "play", "interval": "day",
                                 "timeframe": {"from": "2024-10-01T00:00:00+00:00", "to": "2024-10-02T23:59:59+00:00"}}
    assert series["data"] == [{"emittedAt": "2024-10-01T23:59:30+00:00", "metricValue": 1},
                              {"emittedAt": "2024-10-02T00:01:30+00:00", "metricValue": 1}]
    # without interval, the contract's rule (a window of at most 2 days is hourly) gives the same points
    hourly = client.get(f"/data/timeseries/play?filterBy[mediaId]={OVERVIEW_VIDEO}&{EXAMPLE_WINDOW}",
                        headers=AUTH).get_json()
    assert hourly["context"]["interval"] == "hour" and hourly["data"] == series["data"]
