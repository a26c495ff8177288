"""The emulator's own HTTP server: keep-alive, bodies, HEAD, bad requests, clean stop."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from emulator.app import create_app
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_body_bytes=10_000))


def raw(server, data: bytes, read_until_close: bool = True) -> bytes:
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while read_until_close:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_keep_alive_serves_many_requests_on_one_connection(server):
    with requests.Session() as session:
        for i in range(5):
            assert session.post(f"{server.url}/fake/items/{i}").status_code == 200
    entries = requests.get(f"{server.url}/_emulator/requests").json()["items"]
    assert len({e["remote_addr"] for e in entries}) == 1 and len(entries) == 5


def test_pipelined_requests_and_http10_close(server):
    answer = raw(server, b"GET /fake/echo HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /fake/echo HTTP/1.0\r\nHost: x\r\n\r\n")
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert answer.rstrip().endswith(b"}")


def test_chunked_request_body(server):
    answer = raw(server, b"POST /fake/items/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert requests.get(f"{server.url}/_emulator/requests").json()["items"][0]["body"] == "hello world"


def test_expect_100_continue(server):
    response = requests.post(f"{server.url}/fake/items/e", data=b"x" * 2000, headers={"Expect": "100-continue"})
    assert response.status_code == 200


def test_head_has_no_body(server):
    answer = raw(server, b"HEAD /fake/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length" in head and body == b""


@pytest.mark.parametrize("data, status", [
    (b"NONSENSE\r\n\r\n", b"400"),
    (b"GET / HTTP/2.0\r\n\r\n", b"505"),
    (b"GET /fake/echo HTTP/1.1\r\nbroken header\r\n\r\n", b"400"),
    (b"POST /fake/items/a HTTP/1.1\r\nContent-Length: abc\r\n\r\n", b"400"),
    (b"GET /fake/echo HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", b"431"),
])
def test_malformed_requests_get_an_answer_not_a_crash(server, data, status):
    assert raw(server, data).split(b" ")[1] == status
    assert requests.get(f"{server.url}/_emulator/health").status_code == 200


def test_body_over_the_limit_is_413_without_reading_it(server):
    answer = raw(server, b"POST /fake/items/a HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"Connection: close" in answer
    assert requests.get(f"{server.url}/_emulator/requests").json()["items"][0]["status"] == 413


def test_stop_is_fast_with_idle_keep_alive_connections():
    server = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR]).serve()
    session = requests.Session()
    session.get(f"{server.url}/fake/echo")  # leaves an idle keep-alive connection
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 0.5
    assert not server.thread.is_alive()
    with pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/fake/echo", timeout=2)


def test_status_line_uses_registered_reason_phrases(server):
    requests.post(f"{server.url}/_emulator/faults", json={"action": {"kind": "status", "status": 503}, "times": 1})
    assert raw(server, b"GET /fake/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(
        b"HTTP/1.1 503 Service Unavailable\r\n")


def test_raw_non_utf8_query_bytes_get_an_answer(live_server_factory):
    """Bytes >= 0x80 sent raw (not %-encoded) are percent-encoded by the server, never a dropped connection."""
    server = live_server_factory(create_app("default"))
    for path in (b"/api/analytics/report/play?photo_id=\xff", b"/analytics/videos/x?period=\xff",
                 b"/_emulator/requests?path=\xff"):
        answer = raw(server, b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic c2FuZGJveC1rZXk6\r\n"
                             b"Connection: close\r\n\r\n")
        status = int(answer.split(b" ")[1])
        assert answer and status < 500, (path, answer[:200])
