"""Fault rules observed from a real HTTP client over a real socket."""

from __future__ import annotations

import http.client
import socket
import time

import pytest
import requests

from emulator.app import create_app
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], hang_max_ms=2000))


def add(server, **rule) -> dict:
    response = requests.post(f"{server.url}/_emulator/faults", json=rule, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def journal(server) -> list[dict]:
    return requests.get(f"{server.url}/_emulator/requests", timeout=5).json()["items"]


def test_status_in_vendor_format_then_normal(server):
    add(server, id="two-503", match={"path": "/fake/*"}, action={"kind": "status", "status": 503}, times=2)
    codes = [requests.get(f"{server.url}/fake/echo", timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    first = requests.get(f"{server.url}/_emulator/faults/two-503", timeout=5).json()
    assert first["fired"] == 2 and first["spent"] is True
    assert [e["fault"] for e in journal(server)] == ["two-503", "two-503", None]


def test_status_with_own_body_and_headers(server):
    add(server, action={"kind": "status", "status": 418, "body": "teapot", "headers": {"X-Why": "test"}})
    response = requests.get(f"{server.url}/fake/echo", timeout=5)
    assert (response.status_code, response.text, response.headers["X-Why"]) == (418, "teapot", "test")


def test_after_lets_requests_through_first(server):
    add(server, action={"kind": "status", "status": 500}, after=2, times=1)
    codes = [requests.get(f"{server.url}/fake/echo", timeout=5).status_code for _ in range(4)]
    assert codes == [200, 200, 500, 200]


def test_match_on_method_params_headers(server):
    add(server, match={"method": "POST", "params": {"kind": "x"}, "headers": {"X-Player": "html5*"}},
        action={"kind": "status", "status": 502})
    assert requests.post(f"{server.url}/fake/items/a?kind=x", timeout=5).status_code == 200
    assert requests.post(f"{server.url}/fake/items/a?kind=y", headers={"X-Player": "html5/1"}, timeout=5).status_code == 200
    assert requests.post(f"{server.url}/fake/items/a?kind=x", headers={"X-Player": "html5/1"}, timeout=5).status_code == 502
    assert requests.post(f"{server.url}/fake/items/a", data={"kind": "x"}, headers={"X-Player": "html5"},
                         timeout=5).status_code == 502


def test_seeded_probability_repeats_exactly(server):
    def run() -> list[int]:
        requests.post(f"{server.url}/_emulator/reset", timeout=5)
        add(server, action={"kind": "status", "status": 500}, probability=0.5)
        return [requests.get(f"{server.url}/fake/echo", timeout=5).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 500 in first and 200 in first


def test_until_on_the_emulator_clock(server):
    add(server, action={"kind": "status", "status": 503}, until="2024-03-01T12:05:00Z")
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 503
    requests.put(f"{server.url}/_emulator/clock", json={"advance": 300}, timeout=5)
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200


def test_latency(server):
    add(server, action={"kind": "latency", "ms": 300}, times=1)
    started = time.monotonic()
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.28


def test_rate_limit_uses_vendor_renderer(server):
    add(server, action={"kind": "rate_limit"}, times=1)
    response = requests.get(f"{server.url}/fake/echo", timeout=5)
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"


def test_reset_is_a_tcp_reset(server):
    add(server, id="rst", action={"kind": "reset"}, times=1)
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(f"{server.url}/fake/echo", timeout=5)
    assert "reset" in str(info.value).lower()
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200
    entry = journal(server)[0]
    assert (entry["fault"], entry["fault_kind"], entry["status"]) == ("rst", "reset", None)


def test_empty_closes_without_a_byte(server):
    add(server, action={"kind": "empty"}, times=1)
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"GET /fake/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100) == b""


def test_truncate_sends_headers_and_part_of_the_body(server):
    add(server, action={"kind": "truncate", "bytes": 10}, times=1)
    host, port = server.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request("GET", "/fake/echo")
    response = connection.getresponse()
    assert response.status == 200
    declared = int(response.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as info:
        response.read()
    assert len(info.value.partial) == 10 < declared


def test_slow_body(server):
    add(server, action={"kind": "slow_body", "bytes_per_second": 200}, times=1)
    started = time.monotonic()
    response = requests.get(f"{server.url}/fake/echo", timeout=10)
    elapsed = time.monotonic() - started
    assert response.json()["greeting"] == "hi"
    assert elapsed >= len(response.content) / 200 * 0.7


def test_hang_then_close_and_clamp(server):
    rule = add(server, action={"kind": "hang", "ms": 60_000}, times=1)
    assert rule["action"]["ms"] == 2000 and "clamped" in rule["notes"][0]
    requests.put(f"{server.url}/_emulator/faults", timeout=5)  # 405 on control: harmless
    requests.delete(f"{server.url}/_emulator/faults", timeout=5)
    add(server, action={"kind": "hang", "ms": 400}, times=1)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/fake/echo", timeout=5)
    assert time.monotonic() - started >= 0.35
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200


def test_transport_fault_in_process_is_a_clear_error(core_client):
    core_client.post("/_emulator/faults", json={"action": {"kind": "reset"}})
    response = core_client.get("/fake/echo")
    assert response.status_code == 500 and "needs a real socket" in response.json["error"]


@pytest.mark.parametrize("rule, field", [
    ({"action": {"kind": "nope"}}, "action.kind"),
    ({"action": {"kind": "status", "status": 503}, "probability": 1.5}, "probability"),
    ({"action": {"kind": "status", "status": 503}, "times": -1}, "times"),
    ({"action": {"kind": "status", "status": 503}, "match": {"path": "/a/[x"}}, "match.path"),
    ({"action": {"kind": "status", "status": 503}, "match": {"api": "youtube"}}, "match.api"),
    ({"action": {"kind": "latency", "ms": 10, "typo": 1}}, "action"),
    ({"action": {"kind": "status"}}, "status"),
    ({"action": {"kind": "status", "status": 503}, "until": "later"}, "until"),
    ({"action": {"kind": "status", "status": 503}, "unknown": 1}, "unknown"),
])
def test_bad_rules_are_4xx_naming_the_field(server, rule, field):
    response = requests.post(f"{server.url}/_emulator/faults", json=rule, timeout=5)
    assert response.status_code == 400
    assert field in response.json()["error"]


def test_duplicate_rule_id_and_delete(server):
    add(server, id="a", action={"kind": "empty"})
    assert requests.post(f"{server.url}/_emulator/faults", json={"id": "a", "action": {"kind": "empty"}},
                         timeout=5).status_code == 400
    assert requests.delete(f"{server.url}/_emulator/faults/a", timeout=5).status_code == 200
    assert requests.delete(f"{server.url}/_emulator/faults/a", timeout=5).status_code == 404


def test_tenant_isolation_of_rules(server):
    requests.post(f"{server.url}/_emulator/faults", json={"action": {"kind": "status", "status": 500}},
                  headers={"X-Emulator-Tenant": "t1"}, timeout=5)
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200
    assert requests.get(f"{server.url}/fake/echo", headers={"X-Emulator-Tenant": "t1"}, timeout=5).status_code == 500


def test_connection_faults_do_not_leak_threads_or_lose_state(server):
    import threading

    requests.post(f"{server.url}/fake/items/kept", timeout=5)
    add(server, match={"path": "/fake/echo"}, action={"kind": "reset"}, times=20)
    before = threading.active_count()
    for _ in range(20):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/fake/echo", timeout=5)
    time.sleep(0.2)
    assert threading.active_count() <= before + 1
    assert requests.get(f"{server.url}/_emulator/ready", timeout=5).json()["counts"]["fake"] == {"items": 1}
