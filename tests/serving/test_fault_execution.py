"""Transport faults executed by the server from a typed decision: limits, clamps, safe bodies."""

from __future__ import annotations

import http.client

import pytest
import requests

from emulator.app import create_app
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], hang_max_ms=300))


def add(server, rule: dict) -> requests.Response:
    return requests.post(f"{server.url}/_emulator/faults", data=rule if isinstance(rule, str) else None,
                         json=None if isinstance(rule, str) else rule,
                         headers={"Content-Type": "application/json"}, timeout=5)


@pytest.mark.parametrize("action", [
    '{"kind": "latency", "ms": NaN}',
    '{"kind": "hang", "ms": Infinity}',
    '{"kind": "latency", "ms": 10, "jitter_ms": NaN}',
    '{"kind": "slow_body", "bytes_per_second": Infinity}',
    '{"kind": "truncate", "fraction": NaN}',
])
def test_durations_that_are_not_finite_are_refused(server, action):
    response = add(server, f'{{"action": {action}}}')
    assert response.status_code == 400 and "finite" in response.json()["error"]
    assert requests.get(f"{server.url}/_emulator/faults", timeout=5).json()["items"] == []


@pytest.mark.parametrize("action, field", [
    ({"kind": "latency", "ms": float("nan")}, "ms"),
    ({"kind": "hang", "ms": float("inf")}, "ms"),
    ({"kind": "latency", "ms": 10, "jitter_ms": float("nan")}, "jitter_ms"),
    ({"kind": "slow_body", "bytes_per_second": float("inf")}, "bytes_per_second"),
])
def test_the_rule_parser_refuses_what_is_not_finite_from_python_too(action, field):
    """Rules from Python (a state import, a scenario mapping) never pass through the JSON reader."""
    from emulator.faults import FaultBook, FaultError

    with pytest.raises(FaultError, match=f"action.{field}: expected a finite number"):
        FaultBook().add({"action": action})


def test_latency_is_clamped_like_hang(server):
    rule = add(server, {"action": {"kind": "latency", "ms": 600_000, "jitter_ms": 100}}).json()
    assert rule["action"]["ms"] == 300 and rule["action"]["jitter_ms"] == 0
    assert "clamped" in rule["notes"][0]
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200  # within 0.3 s, not 10 min


def test_slow_body_never_takes_longer_than_the_maximum(server):
    """1 byte/s for a ~60-byte body would be a minute; the server raises the rate to end in 0.3 s."""
    add(server, {"action": {"kind": "slow_body", "bytes_per_second": 1}, "times": 1})
    response = requests.get(f"{server.url}/fake/echo", timeout=5)
    assert response.json()["greeting"] == "hi"


def test_a_rule_body_is_served_sandboxed_and_not_sniffed(server):
    add(server, {"action": {"kind": "status", "status": 200, "body": "<script>alert(1)</script>",
                            "content_type": "text/html"}, "times": 1})
    response = requests.get(f"{server.url}/fake/echo", timeout=5)
    assert response.text == "<script>alert(1)</script>"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_rule_body_cannot_unset_the_sandbox_with_its_own_headers(server):
    add(server, {"action": {"kind": "status", "status": 500, "body": "x",
                            "headers": {"Content-Security-Policy": "default-src *"}}, "times": 1})
    response = requests.get(f"{server.url}/fake/echo", timeout=5)
    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_keep_alive_survives_latency_and_slow_body(server):
    add(server, {"action": {"kind": "latency", "ms": 50}, "times": 1})
    add(server, {"action": {"kind": "slow_body", "bytes_per_second": 2000}, "times": 1})
    host, port = server.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    for _ in range(3):
        connection.request("GET", "/fake/echo")
        response = connection.getresponse()
        assert response.status == 200 and b"hi" in response.read()
    connection.close()
    entries = requests.get(f"{server.url}/_emulator/requests", timeout=5).json()["items"]
    assert len({e["remote_addr"] for e in entries}) == 1 and len(entries) == 3


def test_a_client_gone_during_a_hang_costs_nothing(server):
    """Fifty clients hit a hang and leave: no thread waits for them, the server answers at once."""
    import socket
    import threading

    add(server, {"action": {"kind": "hang", "ms": 300}, "times": 50})
    before = threading.active_count()
    host, port = server.server.server_address[:2]
    for _ in range(50):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(b"GET /fake/echo HTTP/1.1\r\nHost: x\r\n\r\n")
    assert threading.active_count() == before
    requests.delete(f"{server.url}/_emulator/faults", timeout=5)
    assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200
