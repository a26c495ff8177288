"""One memory budget whatever the traffic (issue 17, item 7): the journal over all tenants, cut
bodies and headers, token stores, ingested sessions and events. Figures: ``make bench``."""

from __future__ import annotations

import gc

import pytest

from emulator.app import create_app

from .apivideo.support import beacon, event

EVENT = "/api/analytics/report/event"
ORIGIN = "http://127.0.0.1:8765"


def tenant(name: str) -> dict[str, str]:
    return {"X-Emulator-Tenant": name}


# -- the journal --------------------------------------------------------------------------------------------
def test_journal_bytes_are_capped_over_all_tenants_oldest_first():
    app = create_app("default", journal_bytes=100_000)
    web = app.test_client()
    body = b"x" * 8_000
    for _ in range(8):
        web.post(EVENT, data=body, content_type="text/plain", headers=tenant("a"))
    for _ in range(8):
        web.post(EVENT, data=body, content_type="text/plain", headers=tenant("b"))
    budget = app.extensions["emulator"].journal_budget
    assert budget.used <= 100_000
    a = web.get("/_emulator/requests", headers=tenant("a"))
    b = web.get("/_emulator/requests", headers=tenant("b"))
    kept_a = a.json["total"]
    assert b.json["total"] == 8 and b.headers["X-Emulator-Journal-Dropped"] == "0"  # b's are the newest
    assert 1 <= kept_a < 8 and a.headers["X-Emulator-Journal-Dropped"] == str(8 - kept_a)  # a's oldest went
    assert [e["id"] for e in a.json["items"]] == list(range(9 - kept_a, 9))


def test_cleared_and_replaced_journals_give_their_bytes_back():
    app = create_app("default", journal_bytes=50_000)
    web = app.test_client()
    budget = app.extensions["emulator"].journal_budget
    for _ in range(200):  # clear after each: nothing is ever over the cap, yet nothing piles up
        web.post(EVENT, data=b"y" * 1000, content_type="text/plain")
        web.delete("/_emulator/requests")
    assert budget.used == 0 and len(budget._ledger) < 1100
    for _ in range(3):
        web.post(EVENT, data=b"y" * 1000, content_type="text/plain")
    state = web.get("/_emulator/state").json
    assert web.put("/_emulator/state", json=state).status_code == 200  # the import replaces the journal
    assert web.get("/_emulator/requests").json["total"] == 3
    assert 3 * 1000 < budget.used < 3 * 6000


def test_body_past_its_cap_is_cut_with_a_marker():
    web = create_app("default", journal_body_bytes=1000).test_client()
    web.post(EVENT, data=b"z" * 5000, content_type="text/plain")
    entry = web.get("/_emulator/requests").json["items"][-1]
    assert entry["body"] == "z" * 1000 + "...[analytics-emulator: truncated, 1,000 of 5,000 bytes kept]"
    assert entry["truncated"] == {"body": 5000}


def test_headers_past_their_cap_are_cut_with_a_marker():
    web = create_app("default", journal_header_bytes=2000).test_client()
    web.get(EVENT, headers={"X-Big": "h" * 3000, "X-After": "gone"})
    entry = web.get("/_emulator/requests").json["items"][-1]
    kept = sum(len(k) + len(v) for k, v in entry["headers"].items())
    assert kept < 2200 and entry["truncated"]["headers"] > 3000
    assert entry["headers"]["X-Big"].endswith("bytes kept]") and "X-After" not in entry["headers"]
    web.get(EVENT, headers={"X-Small": "s"})  # a small request keeps everything
    small = web.get("/_emulator/requests").json["items"][-1]
    assert small["id"] != entry["id"] and "truncated" not in small and small["headers"]["X-Small"] == "s"


def test_reading_the_journal_keeps_no_decoded_copy():
    app = create_app("default")
    web = app.test_client()
    web.post(EVENT, data=b"w" * 1000, content_type="text/plain")
    journal = app.extensions["emulator"].store.get("default").journal
    first, second = journal.query()[1][0], journal.query()[1][0]
    assert first == second and first is not second  # built on each read, not cached on the entry
    assert not hasattr(journal._entries[0].entry, "_dict")


# -- api.video tokens -----------------------------------------------------------------------------------------
def login(web) -> dict:
    response = web.post("/auth/api-key", json={"apiKey": "sandbox-key"})
    assert response.status_code == 200, response.data
    return response.json


def listing(web, token: str) -> int:
    return web.get("/analytics/videos/vi4k0jvEUuaTdRAEjQ4Prklg?period=2024-01",
                   headers={"Authorization": f"Bearer {token}"}).status_code


def test_tokens_are_capped_even_with_a_frozen_clock():
    web = create_app("default", max_tokens=50).test_client()
    assert web.put("/_emulator/clock", json={"mode": "frozen"}).json["mode"] == "frozen"  # nothing expires
    tokens = [login(web) for _ in range(60)]
    counts = web.get("/_emulator/ready").json["counts"]["apivideo"]
    assert counts["access_tokens"] == 50
    assert listing(web, tokens[0]["access_token"]) == 401  # the oldest left, as if expired
    assert listing(web, tokens[-1]["access_token"]) == 200
    assert web.post("/auth/refresh", json={"refreshToken": tokens[0]["refresh_token"]}).status_code == 400
    assert web.post("/auth/refresh", json={"refreshToken": tokens[-1]["refresh_token"]}).status_code == 200


def test_expired_access_tokens_leave_the_store():
    web = create_app("default").test_client()
    for _ in range(20):
        login(web)
    web.put("/_emulator/clock", json={"advance": 3601})
    token = login(web)["access_token"]
    assert web.get("/_emulator/ready").json["counts"]["apivideo"]["access_tokens"] == 1
    assert listing(web, token) == 200


# -- ingested sessions and events ----------------------------------------------------------------------------
def send(web, body, name: str, status: int = 200) -> dict:
    response = web.post("/vod", json=body, headers={"Origin": ORIGIN, **tenant(name)})
    assert response.status_code == status, response.data
    return response.json


@pytest.fixture
def collector_app():
    from .apivideo.support import SCENARIO

    return create_app(SCENARIO, max_ingested_sessions=2, max_ingested_events=5)


def test_ingested_sessions_are_capped_over_all_tenants(collector_app):
    web = collector_app.test_client()
    send(web, beacon([event("ready", 1)]), "a")
    send(web, beacon([event("ready", 1)], loaded_at="2024-02-10T11:00:00.000Z"), "b")
    refused = send(web, beacon([event("ready", 1)], loaded_at="2024-02-10T12:00:00.000Z"), "c", status=400)
    assert "at most 2 ingested sessions over all tenants (the max_ingested_sessions setting" in refused["detail"]
    web.delete("/_emulator/tenant", headers=tenant("a"))
    gc.collect()
    send(web, beacon([event("ready", 1)], loaded_at="2024-02-10T12:00:00.000Z"), "c")  # a's share came back


def test_ingested_events_are_capped_over_all_tenants(collector_app):
    web = collector_app.test_client()
    first = send(web, beacon([event("ready", 1), event("play", 2), event("pause", 3, 1)]), "a")["session"]
    send(web, beacon([event("resume", 4, 1)], session_id=first), "a")
    refused = send(web, beacon([event("ready", 1), event("play", 2)], loaded_at="2024-02-10T11:00:00.000Z"), "b",
                   status=400)
    assert "at most 5 ingested events over all tenants (the max_ingested_events setting" in refused["detail"]
    web.post("/_emulator/reset", headers=tenant("a"))
    gc.collect()
    send(web, beacon([event("ready", 1), event("play", 2)], loaded_at="2024-02-10T11:00:00.000Z"), "b")
