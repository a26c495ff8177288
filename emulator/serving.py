"""The HTTP server behind `analytics-emulator serve` and the pytest fixture.

Werkzeug's threaded server, because connection-level faults need the accepted socket
(``reset`` sends a TCP RST, ``empty``/``hang``/``truncate`` close it) and Werkzeug hands it to us
through the request handler. Kept behind this one module so the stack can change.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Callable

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .transport import CONNECTION_KEY

POLL_INTERVAL = 0.05  # seconds; shutdown() waits at most this long (Werkzeug's default is 0.5)


class Connection:
    """What transport faults may do to the connection of one request."""

    def __init__(self, handler: "_Handler") -> None:
        self._handler = handler

    def abort(self, kind: str) -> None:
        """Drop the connection without (more of) an answer: ``reset`` = RST, ``empty`` = FIN."""
        handler = self._handler
        handler.close_connection = True
        handler.server.mark(handler.request, kind)
        try:
            handler.wfile.flush()
        except OSError:
            pass
        raise ConnectionAbortedError(f"emulator fault: {kind}")


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def make_environ(self) -> dict:
        environ = super().make_environ()
        environ[CONNECTION_KEY] = Connection(self)
        return environ

    def log_request(self, code="-", size="-") -> None:  # noqa: ARG002 - quiet: the journal is the log
        if self.server.verbose:
            super().log_request(code, size)

    def connection_dropped(self, error, environ=None) -> None:  # noqa: ARG002
        self.close_connection = True


class EmulatorServer(ThreadedWSGIServer):
    """Threaded WSGI server that can end a connection with a TCP reset."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: Callable, verbose: bool = False) -> None:
        super().__init__(host, port, app, handler=_Handler)
        self.verbose = verbose
        self._marks: dict[int, str] = {}
        self._marks_lock = threading.Lock()

    def mark(self, request: socket.socket, kind: str) -> None:
        with self._marks_lock:
            self._marks[id(request)] = kind

    def shutdown_request(self, request: socket.socket) -> None:
        with self._marks_lock:
            kind = self._marks.pop(id(request), None)
        if kind == "reset":
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_request(request)  # no FIN first: closing with linger 0 sends the RST
            return
        super().shutdown_request(request)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def serve_forever(self, poll_interval: float = POLL_INTERVAL) -> None:
        super().serve_forever(poll_interval)


def make_server(app: Callable, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> EmulatorServer:
    """Bind and listen (port 0 = a free port); call serve_forever() to answer."""
    return EmulatorServer(host, port, app, verbose=verbose)


class BackgroundServer:
    """A server answering from a daemon thread: for the pytest plugin and tests."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(app, host, port)
        self.thread = threading.Thread(target=self.server.serve_forever, name="analytics-emulator", daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "BackgroundServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        stopping = getattr(self.server.app, "emulator_stopping", None)
        if stopping is not None:
            stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)
