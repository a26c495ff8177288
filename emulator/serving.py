"""How the emulator is served: `analytics-emulator serve` and the pytest fixture both come here.

The server is emulator.httpserver (asyncio + httptools; transport faults executed on the socket);
kept behind this module so the stack can change without touching the CLI or the plugin. The app
tells it its limits (``EmulatorApp.serve``): nothing here reads attributes off an app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .httpserver import HTTPServer, ServerLimits

POLL_INTERVAL = 0.05  # seconds; kept for callers of serve_forever()

__all__ = ["POLL_INTERVAL", "BackgroundServer", "ServerLimits", "make_server"]


def make_server(app: Callable, host: str = "127.0.0.1", port: int = 0, **limits: Any) -> HTTPServer:
    """Bind and listen (port 0 = a free port); call serve_forever() to answer.

    ``limits`` are fields of :class:`emulator.httpserver.ServerLimits` (None = its default).
    """
    given = {name: value for name, value in limits.items() if value is not None}
    return HTTPServer(host, port, app, limits=ServerLimits(**given))


class BackgroundServer:
    """A server answering from a daemon thread; a context manager that stops it on exit.

    ``stopping`` (an Event) is set first on :meth:`stop`, so that what waits in the app (a hang
    fault, a slow body) gives up at once instead of holding the shutdown.
    """

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0, name: str = "analytics-emulator",
                 *, stopping: threading.Event | None = None, **limits: Any):
        self.server = make_server(app, host, port, **limits)
        self.stopping = stopping
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), name=name,
                                       daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> BackgroundServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)

    def __enter__(self) -> BackgroundServer:
        if not self.thread.is_alive():
            self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
