"""Ingested sessions in the listings: content, derived blocks, order among seeded sessions, lag, state."""
from __future__ import annotations

import time

import pytest

from emulator.apivideo.generate import GeneratedSessions
from emulator.apivideo.timefmt import parse_ms
from emulator.app import create_app

from .support import (
    CHROME_WINDOWS,
    LIVE,
    SAFARI_IPHONE,
    VIDEO,
    basic,
    beacon,
    event,
    scenario,
)

AUTH = basic("sandbox-key")
DAY = "2024-02-10"
LOCATIONS = {"default": {"country": "France", "city": "Paris"},
             "networks": [{"network": "203.0.113.0/24", "country": "Germany", "city": "Berlin"},
                          {"network": "2001:db8::/32", "country": "Japan"}]}


def send(client, body: dict, path: str = "/vod", **headers) -> str:
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == 200, r.data
    return r.get_json()["session"]


def listed(client, url: str) -> list[dict]:
    r = client.get(url, headers=AUTH)
    assert r.status_code == 200, r.data
    return r.get_json()["data"]


def one(client, session_id: str, source: str = f"/analytics/videos/{VIDEO}", period: str = DAY) -> dict:
    found = [s for s in listed(client, f"{source}?period={period}&pageSize=100")
             if s["session"]["sessionId"] == session_id]
    assert len(found) == 1
    return found[0]


def test_a_session_as_the_listing_shows_it(av_client):
    session_id = send(av_client, beacon([event("ready", 1)], referrer="https://www.google.com/search?q=cat+videos",
                                        metadata=[{"Format": "Tutorial"}, {"Author": "John Doe"}]),
                      **{"User-Agent": CHROME_WINDOWS})
    send(av_client, beacon([event("play", 2), event("pause", 65.9, 63.4)], session_id=session_id))
    assert one(av_client, session_id) == {
        "session": {"sessionId": session_id, "loadedAt": "2024-02-10T10:00:00.000Z",
                    "endedAt": "2024-02-10T10:01:05.900Z",
                    "metadata": [{"key": "Format", "value": "Tutorial"}, {"key": "Author", "value": "John Doe"}]},
        "location": {"country": "unknown", "city": None},
        "referrer": {"url": "https://www.google.com/search?q=cat+videos", "medium": "organic",
                     "source": "https://www.google.com", "searchTerm": "cat videos"},
        "device": {"type": "desktop", "vendor": "unknown", "model": "unknown"},
        "os": {"name": "Microsoft Windows", "shortname": "W10", "version": "Windows10"},
        "client": {"type": "browser", "name": "Chrome", "version": "120.0.0.0"},
    }


def test_direct_visits_and_unknown_platforms(av_client):
    session_id = send(av_client, beacon(), **{"User-Agent": ""})
    body = one(av_client, session_id)
    assert body["referrer"] == {"url": None, "medium": "unknown", "source": "unknown", "searchTerm": "unknown"}
    assert body["device"] == {"type": "unknown", "vendor": "unknown", "model": "unknown"}
    assert body["os"] == {"name": "unknown", "shortname": "unknown", "version": "unknown"}
    assert body["client"] == {"type": "unknown", "name": "unknown", "version": "unknown"}
    assert body["session"]["endedAt"] == "2024-02-10T10:00:01.000Z"


def test_a_phone(av_client):
    session_id = send(av_client, beacon(referrer="https://t.co/abc"), **{"User-Agent": SAFARI_IPHONE})
    body = one(av_client, session_id)
    assert body["device"] == {"type": "smartphone", "vendor": "Apple", "model": "iPhone"}
    assert body["os"] == {"name": "iOS", "shortname": "IOS", "version": "17.2"}
    assert body["client"] == {"type": "browser", "name": "Mobile Safari", "version": "17.2"}
    assert body["referrer"]["medium"] == "social" and body["referrer"]["source"] == "https://t.co"


@pytest.mark.parametrize("forwarded, remote, where", [
    ("203.0.113.77", "127.0.0.1", ("Germany", "Berlin")),
    ("203.0.113.9, 10.0.0.1", "127.0.0.1", ("Germany", "Berlin")),  # the first entry is the viewer
    ("2001:db8::5", "127.0.0.1", ("Japan", None)),
    (None, "203.0.113.1", ("Germany", "Berlin")),
    ("198.51.100.1", "203.0.113.1", ("France", "Paris")),
    ("not an address", "127.0.0.1", ("France", "Paris")),
])
def test_location_from_the_scenario_table(make_app, forwarded, remote, where):
    client = make_app(scenario(beacon_locations=LOCATIONS)).test_client()
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    r = client.post("/vod", json=beacon(), headers=headers, environ_base={"REMOTE_ADDR": remote})
    body = one(client, r.get_json()["session"])
    assert (body["location"]["country"], body["location"]["city"]) == where


def test_live_sessions_have_no_nulls_and_no_metadata(make_app):
    client = make_app(scenario(beacon_locations={"networks": LOCATIONS["networks"]})).test_client()
    session_id = send(client, beacon(live=LIVE, metadata=[{"a": "b"}]), path="/live",
                      **{"X-Forwarded-For": "2001:db8::1"})
    body = one(client, session_id, f"/analytics/live-streams/{LIVE}")
    assert list(body["session"]) == ["sessionId", "loadedAt", "endedAt"]
    assert body["location"] == {"country": "Japan", "city": "unknown"}
    assert body["referrer"]["url"] == "unknown"


def test_merged_with_seeded_sessions_in_loaded_order(av_client):
    """The test video has 120 generated sessions over Jan-Feb and one explicit session."""
    everything = listed(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100")
    everything += listed(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100&currentPage=2")
    times = [parse_ms(s["session"]["loadedAt"]) for s in everything]
    middle = times[60]  # exactly on a seeded session's instant, and just after it
    ids = []
    for loaded in (middle, middle + 1, times[0] - 5000, times[-1] + 5000):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(loaded // 1000)) + f".{loaded % 1000:03d}Z"
        ids.append(send(av_client, beacon(loaded_at=stamp)))
    merged = listed(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100")
    merged += listed(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=100&currentPage=2")
    assert len(merged) == len(everything) + 4
    keys = [(s["session"]["loadedAt"], s["session"]["sessionId"]) for s in merged]
    assert keys == sorted(keys)
    order = [s["session"]["sessionId"] for s in merged]
    assert order[0] == ids[2] and order[-1] == ids[3]
    assert {ids[0], ids[1]} <= set(order[61:64])  # ids[2] comes first: seeded #60 is at 61
    # a page cut at any point gives the same sequence
    paged = []
    for page in range(1, 20):
        paged += listed(av_client, f"/analytics/videos/{VIDEO}?period=2024&pageSize=7&currentPage={page}")
    assert [s["session"]["sessionId"] for s in paged] == order


def test_metadata_filter_sees_ingested_sessions(av_client):
    mine = send(av_client, beacon(metadata=[{"Format": "Webinar"}]))
    url = f"/analytics/videos/{VIDEO}?period=2024&metadata[Format]=Webinar"
    assert [s["session"]["sessionId"] for s in listed(av_client, url)] == [mine]
    assert mine not in {s["session"]["sessionId"] for s in listed(
        av_client, f"/analytics/videos/{VIDEO}?period=2024&metadata[Format]=Tutorial&pageSize=100")}


def test_period_is_the_beacon_loaded_at(av_client):
    session_id = send(av_client, beacon(loaded_at="2023-12-31T23:59:59.999+00:00"))
    assert one(av_client, session_id, period="2023")["session"]["loadedAt"] == "2023-12-31T23:59:59.999Z"
    assert session_id not in {s["session"]["sessionId"] for s in listed(
        av_client, f"/analytics/videos/{VIDEO}?period=2024-01-01")}


def test_events_in_emitted_order_with_arrival_order_for_ties(av_client):
    session_id = send(av_client, beacon([event("ready", 1), event("play", 5)]))
    send(av_client, beacon([event("seek.forward", 3, **{"from": 0, "to": 30}), event("pause", 5, 30)],
                           session_id=session_id))
    body = av_client.get(f"/analytics/sessions/{session_id}/events?pageSize=2&currentPage=2", headers=AUTH)
    assert body.get_json()["pagination"]["itemsTotal"] == 4
    r = av_client.get(f"/analytics/sessions/{session_id}/events", headers=AUTH).get_json()["data"]
    assert [e["type"] for e in r] == ["ready", "seek.forward", "play", "pause"]
    assert r[1] == {"type": "seek.forward", "emittedAt": "2024-02-10T10:00:03.000Z", "from": 0, "to": 30}


def test_ingestion_lag_on_the_emulator_clock(make_app):
    client = make_app(scenario(ingestion_lag_seconds=30)).test_client()
    session_id = send(client, beacon([event("ready", 1)]))
    events_url = f"/analytics/sessions/{session_id}/events"
    assert session_id not in {s["session"]["sessionId"] for s in listed(client, f"/analytics/videos/{VIDEO}?period={DAY}")}
    assert client.get(events_url, headers=AUTH).status_code == 404
    client.put("/_emulator/clock", json={"advance": 29.999})
    assert client.get(events_url, headers=AUTH).status_code == 404
    client.put("/_emulator/clock", json={"advance": 0.001})
    assert one(client, session_id)["session"]["endedAt"] == "2024-02-10T10:00:01.000Z"
    send(client, beacon([event("play", 2), event("end", 300, 298)], session_id=session_id))
    assert one(client, session_id)["session"]["endedAt"] == "2024-02-10T10:00:01.000Z"  # not yet
    assert len(client.get(events_url, headers=AUTH).get_json()["data"]) == 1
    client.put("/_emulator/clock", json={"advance": 30})
    assert one(client, session_id)["session"]["endedAt"] == "2024-02-10T10:05:00.000Z"
    assert [e["type"] for e in client.get(events_url, headers=AUTH).get_json()["data"]] == ["ready", "play", "end"]


def test_state_export_and_import_keep_ingested_sessions(make_app):
    source = make_app().test_client()
    session_id = send(source, beacon([event("ready", 1)], metadata=[{"k": "v"}]), **{"User-Agent": SAFARI_IPHONE})
    exported = source.get("/_emulator/state").get_json()
    target = make_app().test_client()
    assert target.put("/_emulator/state", json=exported).status_code == 200
    assert one(target, session_id) == one(source, session_id)
    # a retry of the first beacon still finds its session; new ones get new ids
    assert send(target, beacon([event("ready", 1)], metadata=[{"k": "v"}])) == session_id
    send(target, beacon([event("play", 2)], session_id=session_id))
    assert len(target.get(f"/analytics/sessions/{session_id}/events", headers=AUTH).get_json()["data"]) == 2
    assert send(target, beacon(loaded_at="2024-02-10T11:00:00.000Z")) == send(
        source, beacon(loaded_at="2024-02-10T11:00:00.000Z"))
    assert target.get("/_emulator/ready").get_json()["counts"]["apivideo"]["ingested_sessions"] == 2


def test_tenants_do_not_see_each_other(av_client):
    session_id = send(av_client, beacon(), **{"X-Emulator-Tenant": "alice"})
    assert av_client.get(f"/analytics/sessions/{session_id}/events", headers={
        **AUTH, "X-Emulator-Tenant": "bob"}).status_code == 404
    r = av_client.post("/_tenant/carol/vod", json=beacon())  # a page that cannot set headers
    assert r.status_code == 200
    assert av_client.get(f"/_tenant/carol/analytics/sessions/{r.get_json()['session']}/events",
                         headers=AUTH).status_code == 200


def test_paging_a_big_video_stays_cheap_with_ingested_sessions(contract, monkeypatch):
    """Ingested sessions are merged by binary search: no page costs O(generated sessions)."""
    derived = []
    original = GeneratedSessions.loaded_ms
    monkeypatch.setattr(GeneratedSessions, "loaded_ms", lambda self, i: derived.append(i) or original(self, i))
    app = create_app({"name": "big", "seed": 9, "apivideo": {
        "api_keys": [{"key": "sandbox-key", "environment": "sandbox"}],
        "videos": [{"id": "viBig", "generate": {"sessions": 1_000_000, "period": "2024"}}]}})
    client = app.test_client()
    for n in range(50):
        send(client, beacon(video="viBig", loaded_at=f"2024-{1 + n % 12:02d}-1{n % 10}T08:00:00.{n:03d}Z"))
    url = "/analytics/videos/viBig?period=2024&pageSize=100&currentPage="
    for page in (1, 5_000, 10_000, 10_001):
        derived.clear()
        r = client.get(url + str(page), headers=AUTH)
        assert r.status_code == 200
        # two binary searches over a million indexes, then the merge with 50 ingested sessions
        assert len(derived) < 2 * 21 + 50 * 21 + 400, (page, len(derived))
        assert contract.errors("/analytics/videos/viBig", 200, r.get_json()) == []
    body = client.get(url + "10001", headers=AUTH).get_json()
    assert body["pagination"]["itemsTotal"] == 1_000_050 and len(body["data"]) == 50
