"""Transport-level faults (reset, empty, truncate, slow_body, hang) as WSGI middleware.

The Flask hooks decide *that* a transport fault fires (and journal it); this layer, outside Flask,
does it to the connection. ``reset``, ``empty`` and ``hang`` need the accepted socket, which the
emulator's own server hands in as ``environ["emulator.connection"]`` (see serving.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from .hooks import TRANSPORT_KEY

CONNECTION_KEY = "emulator.connection"
NEEDS_SOCKET = ("reset", "empty", "hang", "truncate")


class TransportFaults:
    """Wraps the Flask WSGI app; passes every other request through untouched."""

    def __init__(self, wsgi_app: Callable, stopping) -> None:
        self.wsgi_app = wsgi_app
        self.stopping = stopping

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return lambda data: None  # the legacy write() callable; Flask never uses it

        result = self.wsgi_app(environ, capture)
        action = environ.get(TRANSPORT_KEY)
        if action is None:
            start_response(*captured)
            return result
        kind = action["kind"]
        connection = environ.get(CONNECTION_KEY)
        if connection is None and kind in NEEDS_SOCKET:
            _close(result)
            message = (f"fault kind {kind!r} needs a real socket: run the emulator with `analytics-emulator "
                       f"serve` or the pytest fixture `analytics_emulator`, not an in-process test client")
            body = json.dumps({"error": message}).encode()
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json"),
                                                          ("Content-Length", str(len(body))),
                                                          ("X-Emulator-Fault-Error", "needs-socket")])
            return [body]
        if kind in ("reset", "empty"):
            _close(result)
            connection.abort(kind)
        if kind == "hang":
            _close(result)
            self.stopping.wait(action["ms"] / 1000.0)
            connection.abort("empty")
        body = b"".join(result)
        _close(result)
        start_response(*captured)
        if kind == "truncate":
            cut = action.get("bytes")
            if cut is None:
                cut = int(len(body) * action.get("fraction", 0.5))
            return _truncated(body[: min(cut, max(len(body) - 1, 0))], connection)
        return _dribble(body, float(action["bytes_per_second"]), self.stopping)


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _truncated(part: bytes, connection) -> Iterable[bytes]:
    """Send the headers (with the full Content-Length) and ``part``, then drop the connection."""
    if part:
        yield part
    connection.abort("empty")


def _dribble(body: bytes, bytes_per_second: float, stopping) -> Iterable[bytes]:
    """The whole body, in ten chunks a second at the given rate."""
    chunk = max(1, int(bytes_per_second / 10))
    for start in range(0, len(body), chunk):
        piece = body[start:start + chunk]
        yield piece
        if stopping.wait(len(piece) / bytes_per_second):
            return
