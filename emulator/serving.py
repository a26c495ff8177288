"""How the emulator is served: `analytics-emulator serve` and the pytest fixture both come here.

The server is emulator.httpserver (asyncio + httptools; transport faults executed on the socket);
kept behind this module so the stack can change without touching the CLI or the plugin.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .httpserver import HTTPServer, ServerLimits

POLL_INTERVAL = 0.05  # seconds; kept for callers of serve_forever()


def server_limits(app: Callable, **options: Any) -> ServerLimits:
    """The server's limits: the app's body cap and fault maximum, plus ``options`` (None = default)."""
    settings = getattr(app, "config", {})
    limits: dict[str, Any] = {"max_body_bytes": settings.get("MAX_CONTENT_LENGTH") or 16 << 20}
    fault_max = getattr(app, "emulator_fault_max_ms", None)
    if fault_max:
        limits["fault_max_ms"] = fault_max
    limits.update({k: v for k, v in options.items() if v is not None})
    return ServerLimits(**limits)


def make_server(app: Callable, host: str = "127.0.0.1", port: int = 0, verbose: bool = False,
                **limits: Any) -> HTTPServer:
    """Bind and listen (port 0 = a free port); call serve_forever() to answer.

    ``limits`` are fields of :class:`emulator.httpserver.ServerLimits` (max_connections, timeouts).
    """
    return HTTPServer(host, port, app, verbose=verbose, limits=server_limits(app, **limits))


class BackgroundServer:
    """A server answering from a daemon thread: for the pytest plugin and tests."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0, name: str = "analytics-emulator",
                 **limits: Any):
        self.server = make_server(app, host, port, **limits)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), name=name,
                                       daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> BackgroundServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        stopping = getattr(self.server.app, "emulator_stopping", None)
        if stopping is not None:
            stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)
