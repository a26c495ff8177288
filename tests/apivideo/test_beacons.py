"""The collector (POST /vod, /live): session ids, appending, retries, CORS, bad beacons."""
from __future__ import annotations

import copy
import json

import pytest

from emulator.apivideo.beacons import SESSION_ID
from emulator.apivideo.ids import SessionIdCodec

from .support import (
    CHROME_WINDOWS,
    EMPTY_VIDEO,
    EXPLICIT_SESSION,
    LIVE,
    SCENARIO,
    VIDEO,
    basic,
    beacon,
    event,
    scenario,
)

AUTH = basic("sandbox-key")
ORIGIN = "http://127.0.0.1:8765"


def send(client, body, path: str = "/vod", status: int = 200, **headers) -> dict:
    kwargs = {"data": body} if isinstance(body, (bytes, str)) else {"json": body}
    r = client.post(path, headers={"Origin": ORIGIN, **headers}, **kwargs)
    assert r.status_code == status, r.data
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    return r.get_json()


def events_of(client, session_id: str) -> list[dict]:
    r = client.get(f"/analytics/sessions/{session_id}/events?pageSize=100", headers=AUTH)
    assert r.status_code == 200, r.data
    return r.get_json()["data"]


def state(client) -> dict:
    return client.get("/_emulator/state").get_json()["vendors"]["apivideo"]["ingested"]


def test_first_beacon_opens_a_session_later_ones_append(av_client):
    first = send(av_client, beacon([event("ready", 1)]))
    session_id = first["session"]
    assert list(first) == ["session"] and SESSION_ID.fullmatch(session_id)
    again = send(av_client, beacon([event("play", 2), event("pause", 9, 7.6)], session_id=session_id))
    assert again == {"session": session_id}
    send(av_client, beacon([], session_id=session_id))  # the module's periodic ping may carry nothing
    assert [(e["type"], e["at"]) for e in events_of(av_client, session_id)] == [
        ("ready", 0), ("play", 0), ("pause", 7)]  # positions are floored to whole seconds


def test_retries_are_not_counted_twice(av_client):
    first = beacon([event("ready", 1)])
    session_id = send(av_client, first)["session"]
    assert send(av_client, first)["session"] == session_id  # the reply was lost: same session
    later = beacon([event("play", 2), event("seek.forward", 3, **{"from": 2, "to": 40})], session_id=session_id)
    for _ in range(3):
        send(av_client, later)
    assert [e["type"] for e in events_of(av_client, session_id)] == ["ready", "play", "seek.forward"]
    assert len(state(av_client)["sessions"]) == 1


def test_two_page_loads_are_two_sessions(av_client):
    one = send(av_client, beacon(loaded_at="2024-02-10T10:00:00.000Z"))["session"]
    two = send(av_client, beacon(loaded_at="2024-02-10T10:00:00.001Z"))["session"]
    assert one != two


def test_ids_are_deterministic_per_tenant_and_never_generated_ones(make_app):
    def ids(tenant: str) -> list[str]:
        client = make_app().test_client()
        return [send(client, beacon(loaded_at=f"2024-02-10T10:00:0{n}.000Z"),
                     **{"X-Emulator-Tenant": tenant})["session"] for n in range(5)]

    assert ids("a") == ids("a")
    assert set(ids("a")).isdisjoint(ids("b"))
    codec = SessionIdCodec(str(SCENARIO["seed"]))
    assert all(codec.decode(i) is None for i in ids("a"))


def test_reset_forgets_and_restarts_ids(av_client):
    session_id = send(av_client, beacon())["session"]
    assert av_client.post("/_emulator/reset").status_code == 200
    assert av_client.get(f"/analytics/sessions/{session_id}/events", headers=AUTH).status_code == 404
    assert state(av_client)["sessions"] == []
    assert send(av_client, beacon())["session"] == session_id  # deterministic again


def test_a_session_id_the_emulator_forgot_is_adopted(av_client):
    """A page's sessionStorage outlives a reset: its next beacons still land in one session."""
    kept = "psAbCdEfGhIjKlMnOpQrStU"
    assert send(av_client, beacon([event("play", 5)], session_id=kept)) == {"session": kept}
    send(av_client, beacon([event("pause", 8, 3)], session_id=kept))
    assert [e["type"] for e in events_of(av_client, kept)] == ["play", "pause"]


def test_scenario_sessions_and_other_videos_sessions_are_refused(av_client):
    body = send(av_client, beacon(session_id=EXPLICIT_SESSION), status=400)
    assert body["name"] == "session.session_id" and "scenario session" in body["detail"]
    session_id = send(av_client, beacon())["session"]
    body = send(av_client, beacon([event("play", 3)], video=EMPTY_VIDEO, session_id=session_id), status=400)
    assert body["name"] == "session.session_id" and VIDEO in body["detail"]
    assert len(events_of(av_client, session_id)) == 1


def test_live_route_takes_live_stream_ids(av_client):
    session_id = send(av_client, beacon(live=LIVE), path="/live")["session"]
    assert events_of(av_client, session_id)[0]["type"] == "ready"
    body = send(av_client, beacon(live=LIVE), path="/vod", status=400)
    assert body["name"] == "session.video_id" and "/vod" in body["detail"]


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None])
def test_the_module_query_string_and_any_content_type_are_accepted(av_client, content_type):
    """Module 1.0.0-1.0.3 appends ?t=<ms>; 1.0.7+ posts text/plain; curl -d posts a form type."""
    r = av_client.post("/vod?t=1707559200000", data=json.dumps(beacon()), content_type=content_type)
    assert r.status_code == 200 and SESSION_ID.fullmatch(r.get_json()["session"])


# --- CORS ---------------------------------------------------------------------------------------
def test_preflight_allows_the_module_request(av_client):
    r = av_client.options("/vod?t=1", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204 and r.data == b""
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type"
    assert "Origin" in r.headers["Vary"]
    without_origin = av_client.options("/live")
    assert without_origin.headers["Access-Control-Allow-Origin"] == "*"
    assert without_origin.headers["Access-Control-Allow-Headers"] == "Content-Type"


def test_cors_only_on_the_collector(av_client):
    headers = {"Origin": ORIGIN, **AUTH}
    assert "Access-Control-Allow-Origin" not in av_client.get(f"/analytics/videos/{VIDEO}?period=2024",
                                                              headers=headers).headers
    assert "Access-Control-Allow-Origin" not in av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"},
                                                               headers=headers).headers
    # errors of the collector carry them too, so the page can read the problem
    for r in (av_client.get("/vod", headers=headers), av_client.post("/live/x", headers=headers)):
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN, r.status_code
    assert av_client.get("/vod").status_code == 405
    assert av_client.get("/vod").headers["Allow"] == "OPTIONS, POST"


def test_faults_on_the_collector_keep_cors(av_client):
    av_client.post("/_emulator/faults", json={"match": {"path": "/vod"}, "action": {"kind": "status", "status": 503}})
    r = av_client.post("/vod", json=beacon(), headers={"Origin": ORIGIN})
    assert r.status_code == 503 and r.headers["Access-Control-Allow-Origin"] == ORIGIN
    entries = av_client.get("/_emulator/requests?path=/vod").get_json()["items"]
    assert entries[-1]["api"] == "apivideo" and entries[-1]["fault"]
    assert state(av_client)["sessions"] == []


# --- bad beacons --------------------------------------------------------------------------------
def _without(body: dict, *path: str) -> dict:
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


BAD = [
    ("not JSON", b"{not json", "body", "attributeinvalid"),
    ("a JSON list", b"[1, 2]", "body", "attributeinvalid"),
    ("NaN", b'{"emitted_at": NaN}', "body", "attributeinvalid"),
    ("no emitted_at", _without(beacon(), "emitted_at"), "emitted_at", "attributerequired"),
    ("bad loaded_at", beacon(loaded_at="yesterday"), "session.loaded_at", "attributeinvalid"),
    ("no video id", beacon(video=None), "session.video_id", "attributerequired"),
    ("bad video id", beacon(video="vi bad!"), "session.video_id", "attributeinvalid"),
    ("bad session id", beacon(session_id="ps-short"), "session.session_id", "attributeinvalid"),
    ("metadata as key/value", beacon(metadata=[{"key": "a", "value": "b"}]), "session.metadata[0]",
     "attributeinvalid"),
    ("metadata number", beacon(metadata=[{"a": "b"}, {"n": 3}]), "session.metadata[1]", "attributeinvalid"),
    ("referrer object", {**beacon(), "session": {**beacon()["session"], "referrer": {}}}, "session.referrer",
     "attributeinvalid"),
    ("no events", _without(beacon(), "events"), "events", "attributerequired"),
    ("unknown type", beacon([event("ready", 1), event("rewind", 2)]), "events[1].type", "attributeinvalid"),
    ("negative at", beacon([event("play", 1, -1)]), "events[0].at", "attributeinvalid"),
    ("at as text", beacon([event("play", 1, "3")]), "events[0].at", "attributeinvalid"),
    ("at true", beacon([event("play", 1, True)]), "events[0].at", "attributeinvalid"),
    ("no at", [_without(e, "at") for e in [event("pause", 1)]], "events[0].at", "attributerequired"),
    ("seek without from", beacon([event("seek.forward", 1, to=9)]), "events[0].from", "attributerequired"),
    ("seek without to", beacon([event("seek.backward", 1, **{"from": 9})]), "events[0].to", "attributerequired"),
    ("event without emitted_at", beacon([{"type": "play", "at": 1}]), "events[0].emitted_at", "attributerequired"),
    ("event not an object", beacon(["play"]), "events[0]", "attributeinvalid"),
]


@pytest.mark.parametrize("body, field, slug", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_beacons_name_the_field_and_record_nothing(av_client, body, field, slug):
    body = beacon(copy.deepcopy(body)) if isinstance(body, list) else copy.deepcopy(body)
    session_id = send(av_client, beacon([event("ready", 1)]))["session"]
    before = state(av_client)
    if isinstance(body, dict) and "session" in body and isinstance(body["session"], dict) and \
            field.startswith("events"):
        body["session"]["session_id"] = session_id  # a bad later beacon must not damage the session
    problem = send(av_client, body, status=400)
    assert problem["name"] == field and problem["type"].endswith(slug)
    assert problem["detail"].startswith(field)
    assert state(av_client) == before
    assert len(events_of(av_client, session_id)) == 1


def test_a_valid_event_before_a_bad_one_is_not_recorded(av_client):
    body = beacon([event("ready", 1), event("play", 2), event("pause", 3, -5)])
    assert send(av_client, body, status=400)["name"] == "events[2].at"
    assert state(av_client)["sessions"] == []


def test_closed_catalogue_refuses_unknown_ids(make_app):
    client = make_app(scenario(catalogue="closed")).test_client()
    problem = send(client, beacon(video="viNotInTheScenario"), status=400)
    assert problem["name"] == "session.video_id" and "closed" in problem["detail"]
    assert send(client, beacon(live="liNope"), path="/live", status=400)["name"] == "session.live_stream_id"
    assert SESSION_ID.fullmatch(send(client, beacon(video=EMPTY_VIDEO))["session"])
    assert client.get("/analytics/videos/viNotInTheScenario?period=2024", headers=AUTH).status_code == 404


def test_open_catalogue_lists_new_ids(av_client):
    assert av_client.get("/analytics/videos/viMyOwnVideo?period=2024", headers=AUTH).status_code == 404
    session_id = send(av_client, beacon(video="viMyOwnVideo"))["session"]
    body = av_client.get("/analytics/videos/viMyOwnVideo?period=2024", headers=AUTH).get_json()
    assert [s["session"]["sessionId"] for s in body["data"]] == [session_id]
    live_id = send(av_client, beacon(live="liMyOwnStream"), path="/live")["session"]
    body = av_client.get("/analytics/live-streams/liMyOwnStream?period=2024", headers=AUTH).get_json()
    assert [s["session"]["sessionId"] for s in body["data"]] == [live_id]
    # a video id is not a live stream id
    assert av_client.get("/analytics/live-streams/viMyOwnVideo?period=2024", headers=AUTH).status_code == 404


def test_the_user_agent_is_read_once_per_beacon_not_per_listing(av_client):
    send(av_client, beacon(), **{"User-Agent": CHROME_WINDOWS})
    listed = av_client.get(f"/analytics/videos/{VIDEO}?period=2024-02-10", headers={
        **AUTH, "User-Agent": "curl/8.0"}).get_json()["data"]
    assert [s["client"]["name"] for s in listed if s["referrer"]["medium"] == "unknown"
            and s["location"]["country"] == "unknown"] == ["Chrome"]


def test_caps_refuse_without_losing_anything(av_client, monkeypatch):
    av_client.application.extensions["emulator"].quotas["ingested_sessions"].limit = 2  # max_ingested_sessions
    monkeypatch.setattr("emulator.apivideo.ingest.MAX_SESSION_EVENTS", 3)
    first = send(av_client, beacon([event("ready", 1), event("play", 2)]))["session"]
    send(av_client, beacon(loaded_at="2024-02-10T11:00:00.000Z"))
    assert send(av_client, beacon(loaded_at="2024-02-10T12:00:00.000Z"), status=400)["name"] == "session"
    too_many = beacon([event("pause", 3, 1), event("resume", 4, 1)], session_id=first)
    assert send(av_client, too_many, status=400)["name"] == "events"
    assert send(av_client, beacon([event("play", 2), event("end", 9, 7)], session_id=first)) == {"session": first}
    assert [e["type"] for e in events_of(av_client, first)] == ["ready", "play", "end"]
    assert len(state(av_client)["sessions"]) == 2
