"""The server against requests an attacker (or a broken client) sends: the exact bytes, one case each.

Every case is answered as gunicorn or h11 would (400 / 413 / 431 / 501 / 505, then a close): never
a hang, a 5xx, a desynchronised connection or a request that reaches the app when it must not.
"""

from __future__ import annotations

import re
import socket

import pytest
import requests

from emulator.app import create_app
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

LIMIT = 10_000


@pytest.fixture(scope="module")
def server():

    server = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_body_bytes=LIMIT).serve()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean(server):
    requests.post(f"{server.url}/_emulator/reset", timeout=5)


def exchange(server, data: bytes, timeout: float = 5) -> bytes:
    """Send ``data``, read until the server closes (a hang fails the test by the socket timeout)."""
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def statuses(answer: bytes) -> list[int]:
    """The status of each answer in ``answer`` (a body does not end in CRLF: search, do not split)."""
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


def journal(server) -> list[dict]:
    return requests.get(f"{server.url}/_emulator/requests", timeout=5).json()["items"]


H = b"Host: x\r\n"

CASES = {
    "duplicate Content-Length (5 then 0) does not desync": (
        b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 0\r\n\r\n"
        b"eventGET /fake/echo HTTP/1.1\r\n" + H + b"\r\n", [400]),
    "Content-Length +5": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello", [400]),
    "Content-Length 0_5": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content-Length: 0_5\r\n\r\nhello", [400]),
    "chunk size +5": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
                      [400]),
    "chunk size 0x5": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
                       [400]),
    "chunk size 1_0": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n1_0\r\n" + b"h" * 16
                       + b"\r\n0\r\n\r\n", [400]),
    "chunk data without CRLF": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                                b"5\r\nhelloXX0\r\n\r\n", [400]),
    "Transfer-Encoding xchunked is 501": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n"
                                          b"5\r\nhello\r\n0\r\n\r\n", [501]),
    "Transfer-Encoding gzip, chunked is 501": (b"POST /fake/items/a HTTP/1.1\r\n" + H
                                               + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", [501]),
    "two Transfer-Encoding headers": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
                                              b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400]),
    "Content-Length with Transfer-Encoding": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n"
                                              b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400]),
    "space before the colon": (b"GET /fake/echo HTTP/1.1\r\nHost : x\r\n\r\n", [400]),
    "NUL in a header value": (b"GET /fake/echo HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", [400]),
    "two Host headers": (b"GET /fake/echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [400]),
    "no Host in HTTP/1.1": (b"GET /fake/echo HTTP/1.1\r\n\r\n", [400]),
    "version HTTP/1.1x": (b"GET /fake/echo HTTP/1.1x\r\n" + H + b"\r\n", [400]),
    "version HTTP/2.0 is 505": (b"GET /fake/echo HTTP/2.0\r\n" + H + b"\r\n", [505]),
    "Content_Length is not Content-Length": (b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content_Length: 5\r\n\r\nhello",
                                            [400]),
    "LF-only line ends are answered at once": (b"GET /fake/echo HTTP/1.1\nHost: x\n\n", [400]),
    "a TLS ClientHello is answered at once": (bytes.fromhex("16030100c4010000c00303") + b"\x00" * 40, [400]),
    "shell metacharacters as a method": (b"X;id>/tmp/pwned;# /fake/echo HTTP/1.1\r\n" + H + b"\r\n", [400]),
    "a method that is not a token": (b"GE(T /fake/echo HTTP/1.1\r\n" + H + b"\r\n", [400]),
    "a target that is not a path": (b"GET fake/echo HTTP/1.1\r\n" + H + b"\r\n", [400]),
    "a head over 64 KiB is 431": (b"GET /fake/echo HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n", [431]),
    "a broken header line": (b"GET /fake/echo HTTP/1.1\r\n" + H + b"broken header\r\n\r\n", [400]),
}


@pytest.mark.parametrize("data, expected", CASES.values(), ids=CASES.keys())
def test_hostile_request_is_refused_and_closed(server, data, expected):
    answer = exchange(server, data)
    assert statuses(answer) == expected, answer[:300]
    assert b"Connection: close" in answer
    assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200


def test_no_refused_request_reaches_the_app(server):
    for data, _ in CASES.values():
        exchange(server, data)
    assert journal(server) == []


def test_the_request_after_a_duplicate_content_length_is_not_read_as_eventget(server):
    exchange(server, CASES["duplicate Content-Length (5 then 0) does not desync"][0])
    assert [e["method"] for e in journal(server)] == []


def test_chunked_body_over_the_limit_is_413_in_the_vendor_format(server):
    body = b"x" * (LIMIT + 1000)
    data = (b"POST /fake/items/big HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    answer = exchange(server, data)
    assert statuses(answer) == [413] and b"fake_error" in answer and b"Connection: close" in answer
    assert [e["status"] for e in journal(server)] == [413]


def test_a_huge_chunk_size_is_413_without_buffering_it(server):
    """Chunk size 7fffffff announced, 2 MiB sent: answered 413 at the limit, the rest never read."""
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"POST /fake/items/big HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n7fffffff\r\n")
        try:
            for _ in range(32):
                sock.sendall(b"y" * 65536)
        except OSError:  # the server closed after its answer: what we expect
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    assert statuses(answer) == [413]


def test_content_length_over_the_limit_is_answered_from_the_head(server):
    answer = exchange(server, b"POST /fake/items/a HTTP/1.1\r\n" + H + b"Content-Length: 50000000\r\n\r\n")
    assert statuses(answer) == [413] and b"Connection: close" in answer


def test_chunked_body_with_a_trailer_then_a_pipelined_request(server):
    answer = exchange(server, b"POST /fake/items/t HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                              b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"
                              b"GET /fake/echo HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert statuses(answer) == [200, 200]
    assert [(e["method"], e["body"]) for e in journal(server)] == [("POST", "hello"), ("GET", "")]


def test_http10_keep_alive_is_announced_and_kept(server):
    answer = exchange(server, b"GET /fake/echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                              b"GET /fake/echo HTTP/1.0\r\n\r\n")
    first, second = answer.split(b"HTTP/1.1 ")[1:]
    assert b"Connection: keep-alive" in first and b"Connection: close" in second


def test_one_date_header_on_every_kind_of_answer(server):
    for path in (b"/_emulator/ui", b"/_emulator/ui/static/app.js", b"/fake/echo", b"/_emulator/health", b"/nope"):
        answer = exchange(server, b"GET " + path + b" HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
        head = answer.partition(b"\r\n\r\n")[0].lower()
        assert head.count(b"\r\ndate: ") == 1, (path, head)


def test_upgrade_request_is_answered_then_closed(server):
    """Werkzeug answers a websocket upgrade on an HTTP route 400 (in the vendor's format); the frame after
    it is never read as a request."""
    answer = exchange(server, b"GET /fake/echo HTTP/1.1\r\n" + H + b"Upgrade: websocket\r\nConnection: upgrade\r\n\r\n"
                              b"\x81\x05hello")
    assert statuses(answer) == [400] and b"fake_error" in answer and b"Connection: close" in answer


def test_the_server_serves_on_after_every_case(server):
    with requests.Session() as session:
        assert [session.get(f"{server.url}/fake/echo", timeout=5).status_code for _ in range(3)] == [200] * 3


def test_head_on_a_report_route_records_no_report(live_server_factory):
    server = live_server_factory(create_app("default"))
    counts = requests.get(f"{server.url}/_emulator/ready", timeout=5).json()["counts"]["twentythree"]
    answer = exchange(server, b"HEAD /api/analytics/report/event?photo_id=1&event=load HTTP/1.1\r\n"
                              b"Host: localhost\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"Content-Length" in head and body == b""
    assert requests.get(f"{server.url}/_emulator/ready", timeout=5).json()["counts"]["twentythree"] == counts


def test_a_client_that_half_closes_still_gets_its_answer(server):
    host, port = server.server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"GET /fake/echo HTTP/1.1\r\n" + H + b"\r\n")
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert statuses(answer) == [200] and answer.rstrip().endswith(b"}")
