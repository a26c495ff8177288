"""Transport faults, the app's side: a rule's action becomes a typed :class:`TransportAction`.

The server (emulator.httpserver) executes the action on the socket with loop timers: nothing here
sleeps or touches a connection. Without that server (Flask's test client, pytest-flask's
``client``) there is no socket: ``latency`` and ``slow_body`` are carried out here, the kinds that
need a socket answer a clear 500.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from typing import Any

from .httpserver import CONNECTION_KEY, TransportAction

NEEDS_SOCKET = ("reset", "empty", "hang", "truncate")
NO_ANSWER = ("reset", "empty", "hang")  # the answer the app builds is never sent


def decide(action: dict[str, Any], rng: random.Random, max_ms: float) -> TransportAction:
    """The typed decision for a transport rule's action; every duration at most ``max_ms``."""
    kind = action["kind"]
    if kind == "latency":
        delay = action["ms"] + rng.uniform(0, action.get("jitter_ms", 0))
        return TransportAction("latency", delay_ms=min(delay, max_ms))
    if kind == "hang":
        return TransportAction("hang", delay_ms=min(action["ms"], max_ms))
    if kind == "truncate":
        return TransportAction("truncate", cut=action.get("bytes"), fraction=action.get("fraction", 0.5))
    if kind == "slow_body":
        return TransportAction("slow_body", bytes_per_second=float(action["bytes_per_second"]))
    return TransportAction(kind)


def hand_over(environ: dict, decision: TransportAction) -> bool:
    """Give the decision to the server serving this request; False when there is none (in-process)."""
    connection = environ.get(CONNECTION_KEY)
    if connection is None:
        return False
    connection.action = decision
    return True


def needs_socket_error(kind: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the answer to a socket-level fault in an in-process client."""
    message = (f"fault kind {kind!r} needs a real socket: run the emulator with `analytics-emulator "
               f"serve` or the pytest fixture `analytics_emulator`, not an in-process test client")
    return 500, {"Content-Type": "application/json", "X-Emulator-Fault-Error": "needs-socket"}, \
        json.dumps({"error": message}).encode()


def dribble(body: bytes, bytes_per_second: float, max_ms: float, stopping: threading.Event) -> Iterator[bytes]:
    """In-process ``slow_body``: the whole body in ten pieces a second, never longer than ``max_ms``."""
    rate = max(bytes_per_second, len(body) / max(max_ms / 1000.0, 1e-3))
    size = max(1, int(rate / 10))
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        yield piece
        if stopping.wait(len(piece) / rate):
            return
