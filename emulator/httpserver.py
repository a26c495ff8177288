"""A lean threaded HTTP/1.1 server for WSGI apps, with the socket in reach of transport faults.

Why not Werkzeug's development server: it parses every request through ``http.server`` and the
e-mail header parser and writes each response in several system calls, which caps the emulator at
about a tenth of what the app itself can answer. Why not granian or waitress: they are faster but
hide the accepted socket, and ``reset`` (a TCP RST), ``empty`` and ``hang`` need it. This server
keeps both: one thread per connection (keep-alive), requests parsed with bytes operations, each
answer sent with one ``sendall``.
"""

from __future__ import annotations

import io
import logging
import selectors
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote_to_bytes

from .transport import CONNECTION_KEY

log = logging.getLogger("emulator")

MAX_HEAD_BYTES = 64 * 1024
IDLE_TIMEOUT = 120.0  # seconds a keep-alive connection may sit unused

_REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 413: "Payload Too Large",
    431: "Request Header Fields Too Large", 505: "HTTP Version Not Supported",
}


class _Abort(Exception):
    """Raised inside the app by Connection.abort: drop the connection the way ``kind`` says."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Connection:
    """What transport faults may do to the connection of one request (the server owns the socket)."""

    def abort(self, kind: str) -> None:
        """Drop the connection without (more of) an answer: ``reset`` = RST, ``empty`` = FIN."""
        raise _Abort(kind)


_CONNECTION = Connection()


class _Date:
    """The Date header, formatted once a second."""

    def __init__(self) -> None:
        self._second = 0
        self._value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True).encode()
        return self._value


class HTTPServer:
    """Accepts on one listening socket; each connection gets a daemon thread."""

    def __init__(self, host: str, port: int, app: Callable, verbose: bool = False, max_body_bytes: int = 16 << 20):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=1024)
        self.server_address = self.socket.getsockname()
        self.app = app
        self.verbose = verbose
        self.max_body_bytes = max_body_bytes
        self._date = _Date()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        host_, port_ = self.server_address[:2]
        self._base_environ = {
            "SERVER_NAME": host_, "SERVER_PORT": str(port_), "SCRIPT_NAME": "", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    # -- accept loop --------------------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.05) -> None:
        """Accept until shutdown(); ``poll_interval`` bounds how long shutdown() waits."""
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    if not selector.select(poll_interval):
                        continue
                    try:
                        conn, address = self.socket.accept()
                    except OSError:
                        continue
                    with self._lock:
                        self._connections.add(conn)
                    threading.Thread(target=self._serve_connection, args=(conn, address), daemon=True,
                                     name="emulator-conn").start()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop accepting and wake every idle keep-alive connection so its thread ends."""
        self._stopping.set()
        self._stopped.wait(2)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_close(self) -> None:
        self.socket.close()

    # -- one connection ------------------------------------------------------------------------------
    def _serve_connection(self, conn: socket.socket, address: tuple) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(IDLE_TIMEOUT)
        reset = False
        try:
            buffer = b""
            while not self._stopping.is_set():
                keep_alive, buffer = self._serve_request(conn, address, buffer)
                if not keep_alive:
                    break
        except _Abort as abort:
            reset = abort.kind == "reset"
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._connections.discard(conn)
            if reset:
                try:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            conn.close()

    def _read_head(self, conn: socket.socket, buffer: bytes) -> tuple[bytes | None, bytes]:
        while True:
            end = buffer.find(b"\r\n\r\n")
            if 0 <= end <= MAX_HEAD_BYTES:
                return buffer[:end], buffer[end + 4:]
            if len(buffer) > MAX_HEAD_BYTES:
                self._send_simple(conn, 431, b"request head too large")
                return None, b""
            data = conn.recv(65536)
            if not data:
                return None, b""
            buffer += data

    def _serve_request(self, conn: socket.socket, address: tuple, buffer: bytes) -> tuple[bool, bytes]:
        head, buffer = self._read_head(conn, buffer)
        if head is None:
            return False, b""
        lines = head.split(b"\r\n")
        while lines and not lines[0]:  # tolerate stray CRLFs between requests
            lines.pop(0)
        try:
            method, target, version = lines[0].decode("latin-1").split(" ", 2)
        except (ValueError, IndexError):
            self._send_simple(conn, 400, b"malformed request line")
            return False, b""
        if not version.startswith("HTTP/1."):
            self._send_simple(conn, 505, b"only HTTP/1.x is served")
            return False, b""
        environ = dict(self._base_environ)
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                self._send_simple(conn, 400, b"malformed header line")
                return False, b""
            key = name.strip().decode("latin-1").upper().replace("-", "_")
            value_text = value.strip().decode("latin-1")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value_text
            else:
                key = "HTTP_" + key
                environ[key] = f"{environ[key]}, {value_text}" if key in environ else value_text
        if target.startswith(("http://", "https://")):  # absolute form
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        path, _, query = target.partition("?")
        if not query.isascii():  # raw bytes >= 0x80: percent-encode them, as a browser would
            query = "".join(c if c < "\x80" else f"%{ord(c):02X}" for c in query)
        environ.update(REQUEST_METHOD=method, PATH_INFO=unquote_to_bytes(path).decode("latin-1"),
                       QUERY_STRING=query, SERVER_PROTOCOL=version, REMOTE_ADDR=address[0],
                       REMOTE_PORT=str(address[1]))
        connection_header = environ.get("HTTP_CONNECTION", "").lower()
        keep_alive = ("close" not in connection_header if version == "HTTP/1.1"
                      else "keep-alive" in connection_header)
        body, buffer, complete = self._read_body(conn, environ, buffer)
        if body is None:
            return False, b""
        keep_alive = keep_alive and complete
        environ["wsgi.input"] = io.BytesIO(body)
        environ[CONNECTION_KEY] = _CONNECTION
        self._respond(conn, environ, method, keep_alive)
        return keep_alive, buffer

    def _read_body(self, conn: socket.socket, environ: dict, buffer: bytes) -> tuple[bytes | None, bytes, bool]:
        """(body, what follows it, whether the connection can be reused)."""
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self._read_chunked(conn, environ, buffer)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            self._send_simple(conn, 400, b"malformed Content-Length")
            return None, b"", False
        if length < 0:
            self._send_simple(conn, 400, b"malformed Content-Length")
            return None, b"", False
        if length > self.max_body_bytes:
            return b"", b"", False  # the app answers 413 from Content-Length; the rest is never read
        if length and "100-continue" in environ.get("HTTP_EXPECT", "").lower():
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        while len(buffer) < length:
            data = conn.recv(max(65536, length - len(buffer)))
            if not data:
                return None, b"", False
            buffer += data
        return buffer[:length], buffer[length:], True

    def _read_chunked(self, conn: socket.socket, environ: dict, buffer: bytes) -> tuple[bytes | None, bytes, bool]:
        if "100-continue" in environ.get("HTTP_EXPECT", "").lower():
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = bytearray()
        while True:
            while b"\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return None, b"", False
                buffer += data
            size_line, buffer = buffer.split(b"\r\n", 1)
            try:
                size = int(size_line.split(b";")[0], 16)
            except ValueError:
                self._send_simple(conn, 400, b"malformed chunk size")
                return None, b"", False
            while len(buffer) < size + 2:
                data = conn.recv(65536)
                if not data:
                    return None, b"", False
                buffer += data
            if size == 0:  # trailers are not supported: the blank line ends the body
                buffer = buffer[2:]
                environ["CONTENT_LENGTH"] = str(len(body))
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                return bytes(body), buffer, True
            body += buffer[:size]
            buffer = buffer[size + 2:]
            if len(body) > self.max_body_bytes:
                environ["CONTENT_LENGTH"] = str(len(body))
                return b"", b"", False

    def _respond(self, conn: socket.socket, environ: dict, method: str, keep_alive: bool) -> None:
        started: list = []

        def start_response(status: str, headers: list, exc_info=None):
            started[:] = [status, headers]
            return _no_write

        try:
            result: Iterable[bytes] = self.app(environ, start_response)
        except _Abort:
            raise
        except Exception:  # noqa: BLE001 - the app's own 500 handler failed: still answer
            log.exception("the app failed on %s %s", method, environ.get("PATH_INFO"))
            self._send_simple(conn, 500, b"the emulator failed on this request; see its log")
            raise _Abort("close") from None
        try:
            status, headers = started
            head = [_status_line(status)]
            has_length = False
            try:
                for name, value in headers:
                    if name.lower() == "content-length":
                        has_length = True
                    head.append(f"{name}: {value}".encode("latin-1"))
            except UnicodeEncodeError:
                log.error("a header of the answer to %s %s is not Latin-1", method, environ.get("PATH_INFO"))
                self._send_simple(conn, 500, b"the emulator built an answer with a header it cannot send")
                raise _Abort("close") from None
            head.append(b"Date: " + self._date())
            if isinstance(result, list) and not has_length:
                head.append(b"Content-Length: " + str(sum(map(len, result))).encode())
                has_length = True
            if not has_length:
                keep_alive = False
            if not keep_alive:
                head.append(b"Connection: close")
            head_bytes = b"\r\n".join(head) + b"\r\n\r\n"
            if method == "HEAD":
                conn.sendall(head_bytes)
            elif isinstance(result, list):
                conn.sendall(head_bytes + b"".join(result))
            else:
                self._stream(conn, head_bytes, result)
            if self.verbose:
                print(f'{environ["REMOTE_ADDR"]} "{method} {environ["PATH_INFO"]}" {status.split()[0]}',
                      file=sys.stderr, flush=True)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not keep_alive:
            raise _Abort("close")

    @staticmethod
    def _stream(conn: socket.socket, head: bytes, result: Iterable[bytes]) -> None:
        """Headers with the first chunk, then each chunk as the app yields it (slow_body, truncate)."""
        pending = head
        for chunk in result:
            if chunk:
                conn.sendall(pending + chunk)
                pending = b""
        if pending:
            conn.sendall(pending)

    def _send_simple(self, conn: socket.socket, status: int, message: bytes) -> None:
        reason = _REASONS.get(status, "Error")
        conn.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     f"Content-Length: {len(message)}\r\nConnection: close\r\n\r\n".encode() + message)


def _status_line(status: str) -> bytes:
    """``HTTP/1.1 503 Service Unavailable``: the registered reason phrase, not Werkzeug's upper case."""
    code = status[:3]
    try:
        reason = HTTPStatus(int(code)).phrase
    except ValueError:
        reason = status[4:]
    return f"HTTP/1.1 {code} {reason}".encode("latin-1")


def _no_write(data: bytes) -> None:
    raise RuntimeError("the emulator's server does not support the WSGI write() callable")
