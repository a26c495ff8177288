"""The emulator's HTTP/1.1 server: asyncio (uvloop when installed), httptools (llhttp) as the parser.

One :class:`HttpProtocol` per connection, as uvicorn does: the parser calls back, the protocol never
parses bytes itself, and a parse error is a 400 (501 for a transfer coding it does not know, 413 for
a body over the limit, 431 for a head over the limit) followed by a close. An idle or slow
connection costs a loop timer, not a thread: the WSGI app runs in a small fixed pool of worker
threads, only once a request is complete. Timeouts are deadlines (armed once, never pushed back by
a byte), so a slowloris client cannot stretch them.

Transport faults are data: the app sets a :class:`TransportAction` on the request's
:class:`Connection` (``environ["emulator.connection"]``) and the protocol executes it on the
transport with timers (delay, hang, dribble) or at once (reset, empty, truncate).

This module imports nothing of Flask, the vendors or the control plane: it serves any WSGI app.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import queue
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

import httptools

log = logging.getLogger("emulator")

CONNECTION_KEY = "emulator.connection"
TRANSPORT_KINDS = ("latency", "hang", "reset", "empty", "truncate", "slow_body")
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_FRAMING = (b"CONTENT_LENGTH", b"CONTENT_TYPE", b"TRANSFER_ENCODING", b"HOST")
_NO_BODY_STATUS = frozenset((204, 304))
_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode() for s in HTTPStatus}


@dataclass(frozen=True)
class ServerLimits:
    """What one client may take: connections, time and bytes (every one a `serve` option)."""

    max_connections: int = 1000
    keep_alive_timeout: float = 60.0  # seconds between requests on a kept-alive connection
    head_timeout: float = 10.0  # seconds from a request's first byte to the end of its head
    body_timeout: float = 30.0  # seconds from the end of the head to the end of the body
    max_head_bytes: int = 64 * 1024
    max_body_bytes: int = 1024 * 1024
    fault_max_ms: float = 30_000  # the longest any transport fault may hold a connection
    workers: int = 8  # threads running the WSGI app; connections never hold one while idle

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_head_bytes", "max_body_bytes", "workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        for name in ("keep_alive_timeout", "head_timeout", "body_timeout", "fault_max_ms"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name}: expected a positive finite number, got {value!r}")


@dataclass(frozen=True)
class TransportAction:
    """What the server does to one answer on the wire, decided by the app for one request.

    ``latency``: the answer, ``delay_ms`` late. ``hang``: no answer, FIN after ``delay_ms``.
    ``reset``: RST at once. ``empty``: FIN at once. ``truncate``: head and ``cut`` body bytes, then FIN
    (``cut`` None: ``fraction`` of the body). ``slow_body``: the answer at ``bytes_per_second``.
    """

    kind: str
    delay_ms: float = 0.0
    cut: int | None = None
    fraction: float = 0.5
    bytes_per_second: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in TRANSPORT_KINDS:
            raise ValueError(f"kind: expected one of {', '.join(TRANSPORT_KINDS)}, got {self.kind!r}")
        for name in ("delay_ms", "fraction", "bytes_per_second"):
            if not math.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a finite number >= 0, got {getattr(self, name)!r}")
        if self.kind == "slow_body" and self.bytes_per_second <= 0:
            raise ValueError("bytes_per_second: expected a number > 0")


class Connection:
    """The server's side of one request, handed to the app: where it leaves its transport action."""

    __slots__ = ("action",)

    def __init__(self) -> None:
        self.action: TransportAction | None = None


@dataclass
class _Reply:
    """A finished WSGI answer, built in a worker thread, written by the loop."""

    status: int
    head: bytes
    body: bytes
    keep_alive: bool
    action: TransportAction | None = None


@dataclass
class _Request:
    environ: dict
    keep_alive: bool
    body: bytearray = field(default_factory=bytearray)


class _Oversize(Exception):
    """Raised from a parser callback: the body is over the limit, stop parsing this connection."""


class _Reject(Exception):
    """A request the server answers itself, without the app: status, message, then close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Date:
    """The Date header, formatted once a second."""

    def __init__(self) -> None:
        self._second = 0
        self._value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._value, self._second = formatdate(now, usegmt=True).encode(), now
        return self._value


def simple_reply(status: int, message: str, keep_alive: bool = False) -> _Reply:
    """A plain-text answer of the server's own (errors found before the app is called)."""
    body = message.encode() + b"\n"
    head = (_STATUS_LINES.get(status, f"HTTP/1.1 {status} Error\r\n".encode())
            + b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + str(len(body)).encode()
            + (b"\r\n" if keep_alive else b"\r\nConnection: close\r\n") + b"\r\n")
    return _Reply(status, head, body, keep_alive)


class WorkerPool:
    """A fixed number of threads running WSGI calls; a thread that cannot start is retried, backing off.

    ``ThreadPoolExecutor`` starts threads lazily inside ``submit``, so a failed start (pids cgroup,
    RLIMIT_NPROC, address space) would surface in the middle of a request; here threads are started
    up front and again on a timer until all run, and queued work waits for whichever runs.
    """

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self.size = size
        self._loop = loop
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._backoff = 0.1
        self._stopped = False

    def start(self) -> None:
        while not self._stopped and len(self._threads) < self.size:
            thread = threading.Thread(target=self._run, name=f"emulator-worker-{len(self._threads)}", daemon=True)
            try:
                thread.start()
            except RuntimeError as exc:  # "can't start new thread"
                log.error("cannot start worker thread %d of %d (%s); %d running, retrying in %.1f s",
                          len(self._threads) + 1, self.size, exc, len(self._threads), self._backoff)
                self._loop.call_later(self._backoff, self.start)
                self._backoff = min(self._backoff * 2, 5.0)
                return
            self._threads.append(thread)
        self._backoff = 0.1

    @property
    def running(self) -> int:
        return len(self._threads)

    def submit(self, work: Callable[[], _Reply], done: Callable[[_Reply], None]) -> None:
        self._queue.put((work, done))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            work, done = item
            reply = work()
            try:
                self._loop.call_soon_threadsafe(done, reply)
            except RuntimeError:  # the loop is closed: the server stopped meanwhile
                return

    def stop(self, timeout: float = 1.0) -> None:
        self._stopped = True
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class HTTPServer:
    """Listens on one socket (bound in the constructor, so ``--port 0`` is known at once)."""

    def __init__(self, host: str, port: int, app: Callable, limits: ServerLimits | None = None) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=1024)
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()
        self.app = app
        self.limits = limits or ServerLimits()
        self.max_connections = connection_cap(self.limits.max_connections)
        self.date = _Date()
        self.connections: set[HttpProtocol] = set()
        self.pool: WorkerPool | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._stopped = threading.Event()
        self._cap_logged_at = -math.inf
        host_, port_ = self.server_address[:2]
        self.base_environ = {
            "SERVER_NAME": host_, "SERVER_PORT": str(port_), "SCRIPT_NAME": "", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.input_terminated": True,
        }

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        """Serve until :meth:`shutdown` (from another thread); ``poll_interval`` is kept for callers."""
        # A worker thread busy in pure Python (a first user-agent parse, a large export) hands the GIL
        # over only every switch interval, and an answer on another connection crosses threads a few
        # times: at CPython's default 5 ms, report/event waited 7.5 ms (median) beside a first
        # player beacon (its user agent parsed); at 0.2 ms, 2.3 ms (`make bench`, "beside a slow
        # request"). A process-wide setting: the server owns the process it serves from (a test
        # session's, too: harmless).
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        loop = new_event_loop()
        self.loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._stopped.set()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_LoopErrors())
        self._stop = asyncio.Event()
        self.pool = pool = WorkerPool(self.limits.workers, loop)
        pool.start()
        server = await loop.create_server(lambda: HttpProtocol(self, loop, pool), sock=self.socket, backlog=1024)
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for protocol in list(self.connections):
                protocol.close()
            pool.stop()

    def shutdown(self) -> None:
        """Stop accepting, close every connection (idle ones included) and end serve_forever."""
        self._started.wait(2)
        if self.loop is not None and self._stop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # closed between the check and the call
                pass
        self._stopped.wait(2)

    def server_close(self) -> None:
        self.socket.close()

    def over_capacity(self) -> bool:
        """Whether a new connection must be refused; logs that the cap was reached (once in 10 s)."""
        if len(self.connections) < self.max_connections:
            return False
        now = time.monotonic()
        if now - self._cap_logged_at > 10:
            self._cap_logged_at = now
            log.warning("connection cap reached: %d connections open; new ones get 503 until some close "
                        "(raise it with --max-connections)", len(self.connections))
        return True


SWITCH_INTERVAL = 0.0002  # seconds; see HTTPServer.serve_forever
FD_RESERVE = 32  # descriptors kept for the listening socket, the loop, logs and the app's own files


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered below the process's file limit so a flood meets the cap, not EMFILE."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY or wanted <= soft - FD_RESERVE:
        return wanted
    cap = max(1, soft - FD_RESERVE)
    log.warning("connection cap lowered from %d to %d: this process may open %d files (ulimit -n)",
                wanted, cap, soft)
    return cap


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop when it is installed (about twice as fast here), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    if os.environ.get("EMULATOR_EVENT_LOOP") == "asyncio":  # for comparing the two (bench, tests)
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class _LoopErrors:
    """The loop's exception handler: accept failures (EMFILE...) logged, the same one at most every 5 s.

    The loop retries accepting by itself (uvloop via libuv's reserved descriptor, asyncio after a
    second); asyncio reports one failure per pending connection, and a flood of identical lines
    into a full stderr pipe would block the loop itself.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, int]] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        text = f"server: {context.get('message', 'error')}{f' ({exc})' if exc else ''}"
        now = time.monotonic()
        logged_at, skipped = self._last.get(text, (-math.inf, 0))
        if now - logged_at < 5:
            self._last[text] = (logged_at, skipped + 1)
            return
        self._last[text] = (now, 0)
        log.error("%s%s; the server keeps serving and retries", text,
                  f" (and {skipped} more like it)" if skipped else "")


class HttpProtocol(asyncio.Protocol):
    """One connection: parse with httptools, run the app in the pool, write, keep alive or close."""

    def __init__(self, server: HTTPServer, loop: asyncio.AbstractEventLoop, pool: WorkerPool) -> None:
        self.server = server
        self.limits = server.limits
        self.loop = loop
        self.pool = pool
        self.transport: asyncio.Transport | None = None  # set by connection_made, before any other callback
        self.parser = httptools.HttpRequestParser(self)
        self.peer: tuple = ("", 0)
        self.queue: deque[_Request] = deque()
        self.busy = False  # a request is in the app or its answer is being delivered
        self.closing = False
        self.failure: _Reply | None = None  # the server's own answer, sent once the queue is empty
        self.timer: asyncio.TimerHandle | None = None
        # the request being parsed
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_bytes = 0
        self._in_head = False
        self._request: _Request | None = None
        self._skip_body = False

    # -- connection ----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # typeshed types asyncio.Protocol's argument as the base class; create_server's is a Transport
        self.transport = transport  # type: ignore[assignment]
        if self.server.over_capacity():
            self.closing = True
            reply = simple_reply(503, "the emulator has too many open connections; retry later")
            transport.write(reply.head + reply.body)  # type: ignore[attr-defined]  # as above: a Transport
            transport.close()
            return
        self.server.connections.add(self)
        peer = transport.get_extra_info("peername")
        self.peer = peer if isinstance(peer, tuple) else ("", 0)
        self._arm(self.limits.keep_alive_timeout, self._on_idle_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self._disarm()
        self.server.connections.discard(self)

    def eof_received(self) -> bool | None:
        """The client half-closed: answer what it sent (keep the write side), then close."""
        if self.busy or self.queue:
            if self.failure is None:
                self.failure = simple_reply(0, "")
            return True
        return None

    @property
    def _transport(self) -> asyncio.Transport:
        """The connection's transport, for the callbacks that only run once it is made."""
        if self.transport is None:
            raise RuntimeError("the connection is not made yet: no transport")
        return self.transport

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.closing = True
        self._disarm()

    def _arm(self, seconds: float, callback: Callable[[], None]) -> None:
        self._disarm()
        self.timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _on_idle_timeout(self) -> None:
        self.close()

    def _on_request_timeout(self) -> None:
        """The head or body deadline passed: 408 unless an answer is under way, then close."""
        self.timer = None
        if not self.busy and not self.queue:
            self._write_and_close(simple_reply(408, "the request took too long to arrive"))
        else:
            self.close()

    # -- parsing ---------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.closing or self.failure is not None:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # Upgrade or CONNECT: what follows is not HTTP/1.1
            self._fail(None)
        except httptools.HttpParserError as exc:  # a callback's exception is the context
            reason = exc.__context__
            if isinstance(reason, _Oversize):
                self._fail(None)  # the request is queued, answered 413 by the app, then closed
            elif isinstance(reason, _Reject):
                self._fail(simple_reply(reason.status, reason.message))
            else:
                self._fail(simple_reply(400, f"malformed request: {exc}"))

    def _fail(self, reply: _Reply | None) -> None:
        """Stop reading; answer what is queued, then ``reply`` (None: nothing more), then close."""
        self.failure = reply or simple_reply(0, "")
        self._disarm()
        if self.transport is not None:
            self.transport.pause_reading()
        if not self.busy:
            self._next()

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._head_bytes = 0
        self._in_head = True
        self._request = None
        self._skip_body = False
        if not self.busy and not self.queue:
            self._arm(self.limits.head_timeout, self._on_request_timeout)

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:
            return  # a chunked body's trailer: read (so the next request parses), not used
        self._count(len(name) + len(value) + 4)
        self._headers.append((name, value))

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.limits.max_head_bytes:
            raise _Reject(431, f"the request head is over {self.limits.max_head_bytes} bytes")

    def on_headers_complete(self) -> None:
        self._in_head = False
        parser = self.parser
        version = parser.get_http_version()
        if version not in ("1.0", "1.1"):
            raise _Reject(505, f"HTTP/{version} is not served here: use HTTP/1.1")
        environ, length = self._environ(parser.get_method().decode("ascii"), version)
        request = _Request(environ, parser.should_keep_alive())
        self._request = request
        limit = self.limits.max_body_bytes
        if length is not None and length > limit:
            # answered from the head, by the app (vendor format, journaled); the body is never read
            environ["CONTENT_LENGTH"] = str(length)
            self._oversize(request)
            return
        if not self.busy and not self.queue:
            self._arm(self.limits.body_timeout, self._on_request_timeout)
        if length != 0 and b"100-continue" in environ.get("HTTP_EXPECT", "").lower().encode():
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _oversize(self, request: _Request) -> None:
        environ = request.environ
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = io.BytesIO()
        request.keep_alive = False
        self._skip_body = True
        self.queue.append(request)
        raise _Oversize  # stop parsing: nothing after this point is read

    def on_body(self, body: bytes) -> None:
        request = self._request
        if request is None or self._skip_body:
            return
        request.body += body
        if len(request.body) > self.limits.max_body_bytes:  # a chunked body: nothing kept past the limit
            request.environ["CONTENT_LENGTH"] = str(len(request.body))
            request.body = bytearray()
            self._oversize(request)

    def on_message_complete(self) -> None:
        request = self._request
        if request is None or self._skip_body:
            return
        self._request = None
        environ = request.environ
        if "HTTP_TRANSFER_ENCODING" in environ:  # the body is whole now: WSGI apps read by length
            del environ["HTTP_TRANSFER_ENCODING"]
            environ["CONTENT_LENGTH"] = str(len(request.body))
        environ["wsgi.input"] = io.BytesIO(bytes(request.body))
        if self.parser.should_upgrade():  # Upgrade or CONNECT: answered as HTTP/1.1, then closed
            request.keep_alive = False
        self.queue.append(request)
        if not self.busy:
            self._disarm()
            self._next()
        elif self.transport is not None:
            self.transport.pause_reading()  # one request at a time; pipelined ones wait in the kernel

    def _environ(self, method: str, version: str) -> tuple[dict, int | None]:
        """The WSGI environ of the head just parsed, and its Content-Length (None: none or chunked)."""
        url = self._url
        if url.startswith((b"http://", b"https://")):  # absolute form
            parts = url.split(b"/", 3)
            url = b"/" + (parts[3] if len(parts) > 3 else b"")
        elif not url.startswith(b"/"):
            raise _Reject(400, "the request target must be a path (or an absolute http:// URL)")
        path, _, query = url.partition(b"?")
        path = path.partition(b"#")[0]
        if not query.isascii():  # raw bytes >= 0x80: percent-encoded, as a browser would
            query = b"".join(bytes([c]) if c < 0x80 else b"%%%02X" % c for c in query)
        environ = dict(self.server.base_environ)
        environ.update(REQUEST_METHOD=method, PATH_INFO=unquote_to_bytes(path).decode("latin-1"),
                       QUERY_STRING=query.decode("latin-1"), SERVER_PROTOCOL=f"HTTP/{version}",
                       REMOTE_ADDR=str(self.peer[0]), REMOTE_PORT=str(self.peer[1]))
        environ[CONNECTION_KEY] = Connection()
        length = None
        hosts = 0
        for name, value in self._headers:
            key = name.upper().replace(b"-", b"_")
            if b"_" in name:
                if key in _FRAMING:  # Content_Length is not Content-Length
                    raise _Reject(400, f"header {name.decode('latin-1')!r}: '_' is not '-' in a header name")
                continue  # like gunicorn: under WSGI it would pass for the '-' spelling
            text = value.decode("latin-1")
            if key == b"HOST":
                hosts += 1
                if hosts > 1:
                    raise _Reject(400, "more than one Host header")
            elif key == b"TRANSFER_ENCODING":
                if text.strip().lower() != "chunked" or "HTTP_TRANSFER_ENCODING" in environ:
                    raise _Reject(501, f"transfer coding {text!r} is not supported (only chunked)")
            elif key == b"CONTENT_LENGTH":
                length = int(value)  # llhttp has checked it is digits, and only one
            if key in (b"CONTENT_TYPE", b"CONTENT_LENGTH"):
                environ[key.decode()] = text
                continue
            wsgi_key = "HTTP_" + key.decode("latin-1")
            previous = environ.get(wsgi_key)
            environ[wsgi_key] = text if previous is None else f"{previous}, {text}"
        if version == "1.1" and not hosts:
            raise _Reject(400, "an HTTP/1.1 request needs a Host header")
        return environ, length

    # -- answering -------------------------------------------------------------------------------
    def _next(self) -> None:
        """Start the next queued request, or send the pending failure, or wait for more."""
        if self.closing:
            return
        if self.queue:
            request = self.queue.popleft()
            self.busy = True
            app, server = self.server.app, self.server
            self.pool.submit(lambda: run_app(app, request, server), self._deliver)
            return
        self.busy = False
        if self.failure is not None:
            if self.failure.status:
                self._write_and_close(self.failure)
            else:
                self.close()
            return
        self._transport.resume_reading()
        if self._in_head:  # a pipelined request is half read: its own deadline, not the idle one
            self._arm(self.limits.head_timeout, self._on_request_timeout)
        elif self._request is not None:
            self._arm(self.limits.body_timeout, self._on_request_timeout)
        else:
            self._arm(self.limits.keep_alive_timeout, self._on_idle_timeout)

    def _deliver(self, reply: _Reply) -> None:
        """Write the answer, as its transport action says."""
        if self.closing:
            return
        action = reply.action
        if action is None:
            self._write(reply)
            return
        limit = self.limits.fault_max_ms / 1000.0
        delay = min(action.delay_ms / 1000.0, limit)
        kind = action.kind
        if kind == "latency":
            self.loop.call_later(delay, self._write, reply)
        elif kind == "reset":
            self.reset()
        elif kind == "empty":
            self.close()
        elif kind == "hang":
            self._transport.pause_reading()
            self.loop.call_later(delay, self.close)
        elif kind == "truncate":
            body = reply.body
            cut = action.cut if action.cut is not None else int(len(body) * action.fraction)
            self._transport.write(reply.head + body[: min(cut, max(len(body) - 1, 0))])
            self.close()
        else:  # slow_body: ten pieces a second at the rate, never longer than the limit in all
            rate = max(action.bytes_per_second, len(reply.body) / limit)
            self._transport.write(reply.head)
            self._dribble(reply, 0, max(1, int(rate / 10)), rate)

    def _dribble(self, reply: _Reply, start: int, size: int, rate: float) -> None:
        if self.closing:
            return
        piece = reply.body[start:start + size]
        if not piece:
            self._finish(reply.keep_alive)
            return
        self._transport.write(piece)
        self.loop.call_later(len(piece) / rate, self._dribble, reply, start + size, size, rate)

    def _write(self, reply: _Reply) -> None:
        if self.closing:
            return
        self._transport.write(reply.head + reply.body)
        self._finish(reply.keep_alive)

    def _finish(self, keep_alive: bool) -> None:
        if keep_alive:
            self._next()
        else:
            self.close()

    def _write_and_close(self, reply: _Reply) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(reply.head + reply.body)
        self.close()

    def reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0, then close)."""
        transport = self._transport
        sock = transport.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, AttributeError):
            pass
        transport.abort()
        self.closing = True
        self._disarm()


def run_app(app: Callable, request: _Request, server: HTTPServer) -> _Reply:
    """Call the WSGI app (in a worker thread) and build the bytes of its answer."""
    environ = request.environ
    method = environ["REQUEST_METHOD"]
    started: list = []

    def start_response(status: str, headers: list, exc_info=None):
        started[:] = [status, headers]
        return _no_write

    try:
        result = app(environ, start_response)
        try:
            body = b"".join(result) if method != "HEAD" else b""
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status_text, headers = started
    except Exception:  # noqa: BLE001 - the app's own error handler failed: still answer
        log.exception("the app failed on %s %s", method, environ.get("PATH_INFO"))
        return simple_reply(500, "the emulator failed on this request; see its log")
    status = int(status_text[:3])
    keep_alive = request.keep_alive
    lines = [_STATUS_LINES.get(status) or f"HTTP/1.1 {status_text}\r\n".encode("latin-1")]
    has_length = has_date = False
    try:
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                has_length = True
            elif lower == "date":
                has_date = True
            elif lower in ("connection", "keep-alive", "transfer-encoding"):
                continue  # hop-by-hop: the server's to say
            lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    except UnicodeEncodeError:
        log.error("a header of the answer to %s %s is not Latin-1", method, environ.get("PATH_INFO"))
        return simple_reply(500, "the emulator built an answer with a header it cannot send")
    if not has_date:
        lines.append(b"Date: " + server.date() + b"\r\n")
    if not has_length and status not in _NO_BODY_STATUS and method != "HEAD":
        lines.append(b"Content-Length: " + str(len(body)).encode() + b"\r\n")
    if not keep_alive:
        lines.append(b"Connection: close\r\n")
    elif environ["SERVER_PROTOCOL"] == "HTTP/1.0":
        lines.append(b"Connection: keep-alive\r\n")
    lines.append(b"\r\n")
    connection = environ.get(CONNECTION_KEY)
    action = connection.action if connection is not None else None
    return _Reply(status, b"".join(lines), body, keep_alive, action)


def _no_write(data: bytes) -> None:
    raise RuntimeError("the emulator's server does not support the WSGI write() callable")
