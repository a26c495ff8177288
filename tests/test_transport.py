"""Transport faults, the app's side (emulator/transport.py): the typed decision, and what an in-process
client gets instead of a socket. The server carrying them out is tested in tests/serving/."""

from __future__ import annotations

import json
import random
import threading

import pytest

from emulator.httpserver import CONNECTION_KEY, TransportAction
from emulator.transport import decide, dribble, hand_over, needs_socket_error


def test_latency_adds_a_jitter_drawn_from_the_rng_and_is_clamped():
    rng, same = random.Random(5), random.Random(5)
    decision = decide({"kind": "latency", "ms": 100, "jitter_ms": 50}, rng, max_ms=10_000)
    assert decision.kind == "latency"
    assert decision.delay_ms == 100 + same.uniform(0, 50)
    assert 100 <= decision.delay_ms <= 150
    assert decide({"kind": "latency", "ms": 100, "jitter_ms": 50}, rng, max_ms=120).delay_ms <= 120
    assert decide({"kind": "latency", "ms": 100}, rng, max_ms=10_000).delay_ms == 100


@pytest.mark.parametrize(("action", "want"), [
    ({"kind": "hang", "ms": 99_000}, TransportAction("hang", delay_ms=500)),
    ({"kind": "hang", "ms": 20}, TransportAction("hang", delay_ms=20)),
    ({"kind": "truncate"}, TransportAction("truncate", cut=None, fraction=0.5)),
    ({"kind": "truncate", "bytes": 3}, TransportAction("truncate", cut=3, fraction=0.5)),
    ({"kind": "truncate", "fraction": 0.1}, TransportAction("truncate", fraction=0.1)),
    ({"kind": "slow_body", "bytes_per_second": 10}, TransportAction("slow_body", bytes_per_second=10.0)),
    ({"kind": "reset"}, TransportAction("reset")),
    ({"kind": "empty"}, TransportAction("empty")),
])
def test_each_kind_becomes_its_decision(action, want):
    assert decide(action, random.Random(1), max_ms=500) == want


def test_hand_over_needs_a_connection():
    decision = TransportAction("reset")
    assert hand_over({}, decision) is False

    class Connection:
        action = None

    connection = Connection()
    assert hand_over({CONNECTION_KEY: connection}, decision) is True
    assert connection.action is decision


def test_an_in_process_client_gets_a_clear_500_for_a_socket_fault():
    status, headers, body = needs_socket_error("reset")
    assert status == 500
    assert headers == {"Content-Type": "application/json", "X-Emulator-Fault-Error": "needs-socket"}
    assert "fault kind 'reset' needs a real socket" in json.loads(body)["error"]


class NoWait(threading.Event):
    """An Event whose wait returns at once (not set) and records how long it was asked to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return self.is_set()


def test_dribble_sends_the_whole_body_in_tenths_of_a_second():
    stopping = NoWait()
    pieces = list(dribble(b"x" * 100, bytes_per_second=100, max_ms=60_000, stopping=stopping))
    assert b"".join(pieces) == b"x" * 100
    assert [len(p) for p in pieces] == [10] * 10
    assert stopping.waits == [pytest.approx(0.1)] * 10


def test_dribble_speeds_up_to_end_within_max_ms():
    stopping = NoWait()
    pieces = list(dribble(b"y" * 1000, bytes_per_second=1, max_ms=1000, stopping=stopping))
    assert b"".join(pieces) == b"y" * 1000
    assert sum(stopping.waits) == pytest.approx(1.0)


def test_dribble_stops_when_the_server_stops():
    stopping = NoWait()
    stopping.set()
    assert list(dribble(b"z" * 100, bytes_per_second=100, max_ms=60_000, stopping=stopping)) == [b"z" * 10]
