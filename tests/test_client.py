"""emulator.client against a real server (mostly with the fake vendor: the client is vendor-neutral)."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from emulator.app import create_app
from emulator.client import EmulatorClient, EmulatorError, FaultRule, rule_document
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR]))


@pytest.fixture
def client(server) -> EmulatorClient:
    return EmulatorClient(server.url)


def call(client: EmulatorClient, path: str, method: str = "GET") -> int:
    """A request of the code under test (with the client's tenant header, if any)."""
    request = urllib.request.Request(client.base_url + path, method=method, headers=client.headers)
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_health_ready_scenario(client):
    assert client.health() == {"status": "ok"}
    assert client.ready()["scenario"] == "core-test"
    scenario = client.scenario()
    assert scenario["name"] == "core-test" and scenario["seed"] == 7
    assert "EmulatorClient('http://127.0.0.1:" in repr(client)


def test_reset_clears_journal_faults_and_clock(client):
    call(client, "/fake/items/a", "POST")
    client.faults.add(path="/fake/*", status=500)
    client.clock.advance(3600)
    assert client.reset()["status"] == "reset"
    assert client.requests() == [] and client.faults.list() == []
    assert client.clock.now() == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


def test_requests_filters_and_clear(client):
    call(client, "/fake/echo")
    call(client, "/fake/items/a", "POST")
    call(client, "/fake/items/b", "POST")
    assert [e["path"] for e in client.requests(method="POST")] == ["/fake/items/a", "/fake/items/b"]
    assert [e["path"] for e in client.requests(path="/fake/items/*", limit=1)] == ["/fake/items/b"]
    assert client.requests(status=404) == []
    client.clear_requests()
    assert client.requests() == []


def test_fault_from_keywords_fires_and_counts(client):
    rule = client.faults.add(path="/fake/echo", status=503, times=1, id="once")
    assert isinstance(rule, FaultRule) and rule.id == "once"
    assert rule.data["action"] == {"kind": "status", "status": 503}
    assert [call(client, "/fake/echo") for _ in range(2)] == [503, 200]
    assert rule.fired == 1 and rule.seen == 1
    assert client.requests()[0]["fault"] == "once"


def test_fault_from_dict_and_list_remove_clear(client):
    first = client.faults.add({"match": {"method": "POST"}, "action": {"kind": "status", "status": 500}})
    client.faults.add({"id": "slow", "action": {"kind": "latency", "ms": 1}})
    assert [r["id"] for r in client.faults.list()] == [first.id, "slow"]
    client.faults.remove(first)
    client.faults.remove("slow")
    assert client.faults.list() == []
    client.faults.add(status=500)
    client.faults.clear()
    assert client.faults.list() == []


def test_fault_rule_is_a_context_manager(client):
    with client.faults.add(path="/fake/echo", status=502) as rule:
        assert call(client, "/fake/echo") == 502
        assert [r["id"] for r in client.faults.list()] == [rule.id]
    assert client.faults.list() == [] and call(client, "/fake/echo") == 200
    with client.faults.add(status=500):
        client.reset()  # the rule is gone already: leaving the block is still fine


def test_errors_carry_the_server_message(client):
    with pytest.raises(EmulatorError) as caught:
        client.faults.add(action={"kind": "status", "status": 99})
    assert caught.value.status == 400 and "action.status" in caught.value.message
    assert caught.value.body == {"error": caught.value.message}
    with pytest.raises(EmulatorError, match="no fault rule with id 'nope'") as missing:
        client.faults.remove("nope")
    assert missing.value.status == 404


def test_unreachable_server_is_status_0():
    with pytest.raises(EmulatorError, match="cannot reach the emulator at http://127.0.0.1:9") as caught:
        EmulatorClient("http://127.0.0.1:9", timeout=2).health()
    assert caught.value.status == 0


def test_proxy_settings_are_ignored(client, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert EmulatorClient(client.base_url).health() == {"status": "ok"}


def test_clock(client):
    assert client.clock.now() == datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    assert client.clock.advance(90) == datetime(2024, 3, 1, 12, 1, 30, tzinfo=timezone.utc)
    assert client.clock.advance(timedelta(minutes=-1)) == datetime(2024, 3, 1, 12, 0, 30, tzinfo=timezone.utc)
    assert client.clock.set(datetime(2025, 1, 2, 3, 4, 5)) == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert client.clock.set("2025-06-01T00:00:00+02:00") == datetime(2025, 5, 31, 22, tzinfo=timezone.utc)
    real = client.clock.real()
    assert abs(real - datetime.now(timezone.utc)) < timedelta(seconds=5)
    with pytest.raises(EmulatorError, match="now:"):
        client.clock.set("yesterday")


def test_state_export_and_load(client):
    call(client, "/fake/items/a", "POST")
    client.faults.add(id="kept", status=500, path="/nowhere")
    saved = client.state.export()
    client.reset()
    assert client.state.load(saved)["status"] == "loaded"
    assert [r["id"] for r in client.faults.list()] == ["kept"]
    assert [e["path"] for e in client.requests()] == ["/fake/items/a"]
    assert json.loads(json.dumps(client.state.export()))["vendors"] == {"fake": {"items": ["a"]}}


def test_load_scenario_dict_text_and_files(client, tmp_path):
    loaded = client.load_scenario(dict(CORE_SCENARIO, name="from-dict"), seed=11)
    assert (loaded["name"], loaded["seed"]) == ("from-dict", 11)
    assert client.load_scenario("name: from-text\nfake: {greeting: yo}\n")["name"] == "from-text"
    assert client.load_scenario({"name": "bare", "seed": 5})["name"] == "bare"  # a document, not a bundled name
    path = tmp_path / "mine.yaml"
    path.write_text("name: from-file\ndescription: test\nfake: {greeting: hey}\n")
    assert client.load_scenario(path)["name"] == "from-file"
    assert client.load_scenario(str(path), seed=3)["seed"] == 3
    assert client.scenario()["name"] == "from-file"


def test_load_scenario_errors(client, tmp_path):
    with pytest.raises(EmulatorError, match="no bundled scenario 'nope'") as unknown:
        client.load_scenario("nope")
    assert unknown.value.status == 404
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        client.load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(EmulatorError, match="not valid") as invalid:
        client.load_scenario({"name": "bad", "fake": {"count": 0}})
    assert invalid.value.status == 422


def test_tenants_are_isolated_and_sent_in_the_header(server):
    alice, bob = EmulatorClient(server.url, tenant="alice"), EmulatorClient(server.url, tenant="bob")
    assert alice.headers == {"X-Emulator-Tenant": "alice"} and EmulatorClient(server.url).headers == {}
    alice.faults.add(status=500)
    call(alice, "/fake/echo")
    assert len(alice.requests()) == 1 and bob.requests() == [] and bob.faults.list() == []
    assert alice.ready()["tenant"] == "alice"


def test_control_token(live_server_factory):
    server = live_server_factory(create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], control_token="s3cret"))
    with pytest.raises(EmulatorError, match="Bearer") as refused:
        EmulatorClient(server.url).ready()
    assert refused.value.status == 401
    assert EmulatorClient(server.url, token="s3cret").ready()["status"] == "ready"


def test_reports_listing(live_server_factory):
    client = EmulatorClient(live_server_factory(create_app("default")).url)
    call(client, "/api/analytics/report/event?photo_id=1&event=load")
    assert [r.get("kind") for r in client.reports()] == ["event"]
    assert client.reports(kind="play") == []


@pytest.mark.parametrize("given, fields, expected", [
    ({}, {"path": "/a/*", "status": 503, "times": 1},
     {"match": {"path": "/a/*"}, "action": {"kind": "status", "status": 503}, "times": 1}),
    ({}, {"kind": "latency", "ms": 5, "api": "apivideo", "probability": 0.5, "id": "x"},
     {"id": "x", "match": {"api": "apivideo"}, "action": {"kind": "latency", "ms": 5}, "probability": 0.5}),
    ({"action": {"kind": "reset"}}, {"method": "GET", "match": {"headers": {"X-A": "1"}}},
     {"match": {"method": "GET", "headers": {"X-A": "1"}}, "action": {"kind": "reset"}}),
    ({}, {"kind": "empty", "until": datetime(2024, 3, 1, 13)},
     {"action": {"kind": "empty"}, "until": "2024-03-01T13:00:00Z"}),
    ({}, {"status": 429, "headers": {"Retry-After": "1"}, "after": 2},
     {"action": {"kind": "status", "status": 429, "headers": {"Retry-After": "1"}}, "after": 2}),
])
def test_rule_document(given, fields, expected):
    assert rule_document(given, **fields) == expected
    assert given in ({}, {"action": {"kind": "reset"}})  # the caller's dict is not changed
