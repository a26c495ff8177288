"""Limits a hostile client meets: deadlines it cannot stretch, the connection cap, failures that the
server survives (no thread for a worker, no file descriptor for a connection)."""

from __future__ import annotations

import logging
import resource
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import requests

from emulator.app import create_app
from emulator.serving import BackgroundServer
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

CLI = [str(Path(sys.executable).with_name("analytics-emulator"))]


def core_app():
    return create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR])


@pytest.fixture
def serve():
    servers = []

    def start(**limits) -> BackgroundServer:
        server = core_app().serve(**limits)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def connect(server, timeout: float = 5) -> socket.socket:
    return socket.create_connection(server.server.server_address[:2], timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_a_slowloris_head_meets_its_deadline(serve):
    """One byte of the head every 0.1 s: the 0.5 s head deadline is not pushed back by any of them."""
    server = serve(head_timeout=0.5)
    closed = threading.Event()
    with connect(server) as sock:
        sent = 0
        head = b"GET /fake/echo HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
        sock.settimeout(0.1)
        answer = b""
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
                sent += 1
                chunk = sock.recv(1000)
            except TimeoutError:
                continue
            except OSError:
                break
            answer += chunk
            if not chunk:
                closed.set()
                break
    assert closed.is_set() or answer, "the server kept the connection open for the whole slow head"
    assert sent < len(head)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_slow_body_meets_its_deadline(serve):
    server = serve(body_timeout=0.5)
    with connect(server) as sock:
        sock.sendall(b"POST /fake/items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")
    assert requests.get(f"{server.url}/_emulator/requests", timeout=5).json()["items"] == []


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(serve):
    server = serve(keep_alive_timeout=0.3)
    with connect(server) as sock:
        sock.sendall(b"GET /fake/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_all(sock)  # returns once the idle timer closes the connection
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.count(b"HTTP/1.1") == 1


def test_the_connection_cap_answers_503_and_says_so_in_the_log(serve, caplog):
    server = serve(max_connections=2)
    caplog.set_level(logging.WARNING, logger="emulator")
    held = [connect(server), connect(server)]
    for sock in held:  # both are served (and so counted) before the third comes
        sock.sendall(b"GET /fake/echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1000).startswith(b"HTTP/1.1 200 ")
    with connect(server) as third:
        assert read_all(third).startswith(b"HTTP/1.1 503 ")
    assert "connection cap reached" in caplog.text and "--max-connections" in caplog.text
    for sock in held:
        sock.close()
    for _ in range(50):  # the two closes reach the server soon after
        try:
            if requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
    else:
        pytest.fail("the server did not accept again after connections closed")


def test_a_worker_thread_that_cannot_start_is_logged_retried_and_the_server_serves(monkeypatch, caplog, serve):
    """Like a pids cgroup or RLIMIT_NPROC: the first three thread starts fail."""
    failures = {"left": 3}
    real_start = threading.Thread.start

    def flaky_start(self):
        if self.name.startswith("emulator-worker") and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("can't start new thread")
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", flaky_start)
    caplog.set_level(logging.ERROR, logger="emulator")
    server = serve(workers=2)
    assert requests.get(f"{server.url}/fake/echo", timeout=5).status_code == 200
    assert "cannot start worker thread" in caplog.text and "retrying" in caplog.text
    for _ in range(100):
        if server.server.pool.running == 2:
            break
        threading.Event().wait(0.05)
    assert server.server.pool.running == 2


@pytest.mark.parametrize("event_loop", ["uvloop", "asyncio"])
def test_at_the_file_descriptor_limit_the_server_logs_and_keeps_serving(event_loop):
    """`ulimit -n 64` and 100 connections: the cap (lowered below the limit) refuses, nothing spins or
    dies; once the connections close, /health answers."""

    def limit_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    env = {"EMULATOR_EVENT_LOOP": event_loop, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(CLI + ["serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=limit_files, env=env)
    try:
        url = process.stdout.readline().split()[1]
        host, port = url.removeprefix("http://").split(":")
        held = []
        for _ in range(100):
            try:
                held.append(socket.create_connection((host, int(port)), timeout=5))
            except OSError:
                break
        for sock in held:
            sock.close()
        statuses = []
        for _ in range(20):
            try:
                with urllib.request.urlopen(f"{url}/_emulator/health", timeout=5) as response:
                    statuses.append(response.status)
                    break
            except OSError:
                threading.Event().wait(0.25)
        assert statuses == [200]
        assert process.poll() is None
    finally:
        process.terminate()
        _, err = process.communicate(timeout=5)
    assert "connection cap lowered from 1000 to 32" in err


@pytest.mark.parametrize("option, value", [("--max-connections", "0"), ("--head-timeout", "nan"),
                                           ("--keep-alive-timeout", "-1"), ("--hang-max-ms", "inf")])
def test_a_bad_limit_on_the_command_line_exits_1_naming_it(option, value):
    result = subprocess.run(CLI + ["serve", "--port", "0", option, value], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"analytics-emulator serve: {option}: ")  # the flag, not the field


def test_the_server_module_imports_nothing_of_flask_the_vendors_or_the_control_plane():
    code = ("import sys, emulator.httpserver; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'werkzeug', 'jsonschema', 'yaml') or m.startswith(('emulator.control', 'emulator.twentythree', "
            "'emulator.apivideo', 'emulator.flask_pipeline', 'emulator.faults'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_a_wsgi_app_that_raises_gets_a_500_and_the_server_serves_on():
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine"]

    server = BackgroundServer(app).start()
    try:
        with connect(server) as sock:
            sock.sendall(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 500 ") and b"Connection: close" in answer
        assert requests.get(f"{server.url}/ok", timeout=5).text == "fine"
    finally:
        server.stop()
    assert calls == ["/boom", "/ok"]
