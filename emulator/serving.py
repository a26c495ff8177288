"""How the emulator is served: `analytics-emulator serve` and the pytest fixture both come here.

The server is emulator.httpserver (threaded, keep-alive, socket in reach of transport faults);
kept behind this module so the stack can change without touching the CLI or the plugin.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .httpserver import HTTPServer

POLL_INTERVAL = 0.05  # seconds; shutdown() waits at most this long (Werkzeug's default is 0.5)


def make_server(app: Callable, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> HTTPServer:
    """Bind and listen (port 0 = a free port); call serve_forever() to answer."""
    limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH") or 16 << 20
    return HTTPServer(host, port, app, verbose=verbose, max_body_bytes=limit)


class BackgroundServer:
    """A server answering from a daemon thread: for the pytest plugin and tests."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0, name: str = "analytics-emulator"):
        self.server = make_server(app, host, port)
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
