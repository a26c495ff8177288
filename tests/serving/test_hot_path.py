"""The 23 Video report routes on the hot path (emulator.pipeline.HotPaths) answer exactly as Flask does.

Two served emulators get the same requests as raw bytes: one as built by ``create_app`` (the
report routes skip Flask), one whose hot-route table is emptied (every request goes through
Flask's views, the adapters over the same vendor functions). The bytes on the wire (less the
``Date`` line), the journal and the recorded reports must be the same, fault kinds included.
"""

from __future__ import annotations

import errno
import json
import socket
import urllib.parse

import flask
import pytest
import requests

from emulator.pipeline import HotPaths

from ..twentythree.support import EXTRACT_SCENARIO, READ, make_app, oauth_client, scenario

EVENT = "/api/analytics/report/event?photo_id=1001&event=load"
FORM = "application/x-www-form-urlencoded"


def hot_layer(app) -> HotPaths:
    layer = app.wsgi_app.wsgi_app  # TenantPrefix -> HotPaths -> Flask
    assert isinstance(layer, HotPaths)
    return layer


@pytest.fixture
def servers(live_server_factory):
    """(hot, flask): the same scenario served with and without the hot paths."""
    hot = make_app(EXTRACT_SCENARIO, hang_max_ms=300)
    plain = make_app(EXTRACT_SCENARIO, hang_max_ms=300)
    hot_layer(plain).routes.clear()
    return live_server_factory(hot), live_server_factory(plain)


def wire(server, raw: bytes) -> bytes | str:
    """The server's whole answer to ``raw`` (one request, then the client half-closes), Date dropped."""
    host, port = server.server.server_address[:2]
    chunks = []
    with socket.create_connection((host, port), timeout=5) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
            while data := sock.recv(65536):
                chunks.append(data)
        except (ConnectionResetError, BrokenPipeError):
            return "reset"
        except OSError as exc:  # the RST came before the half-close
            if exc.errno != errno.ENOTCONN:
                raise
            return "reset"
    return b"".join(line for line in b"".join(chunks).splitlines(keepends=True) if not line.startswith(b"Date:"))


def get(target: str, *headers: str) -> bytes:
    return "\r\n".join([f"GET {target} HTTP/1.1", "Host: localhost", *headers, "", ""]).encode()


def post(path: str, body: str, *headers: str, content_type: str = FORM) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: localhost", f"Content-Type: {content_type}",
            f"Content-Length: {len(body.encode())}", *headers]
    return ("\r\n".join([*head, "", ""]) + body).encode()


def signed_get(path: str, params: dict) -> bytes:
    uri, headers, _ = oauth_client(READ).sign(f"http://localhost{path}?{urllib.parse.urlencode(params)}")
    target = uri[len("http://localhost"):]
    return get(target, *(f"{k}: {v}" for k, v in headers.items()))


REQUESTS = {
    "event": get(EVENT),
    "event, jsonp": get(EVENT + "&format=json&callback=cb"),
    "event, bad callback": get(EVENT + "&callback=1x"),
    "event, var envelope": get(EVENT + "&format=json&varname=v"),
    "play, form": post("/api/analytics/report/play", "photo_id=1001&timeStart=1.5&timeEnd=9"),
    "play, live": get("/api/analytics/report/play?photo_id=1001&type=stream&play_timestamp=1709294400"),
    "play, missing timeStart": get("/api/analytics/report/play?photo_id=1001"),
    "download, cookie": get("/api/analytics/report/download?photo_id=1001&bytes_total=10", "Cookie: a=b"),
    "download, form": post("/api/analytics/report/download", "photo_id=1001&session_id=s1&bytes_total=99"),
    "batch": post("/api/analytics/report/batch", "data=" + urllib.parse.quote(json.dumps(
        [{"reportType": "event", "photo_id": "1001", "event": "load"}, {"reportType": "play"}]))),
    "batch, no data": get("/api/analytics/report/batch"),
    "event, other site, unknown photo": get(EVENT.replace("1001", "9999"), "X-Ignore: 1").replace(
        b"Host: localhost", b"Host: videos.example.com"),
    "event, signed": signed_get("/api/analytics/report/event", {"photo_id": "1001", "event": "load"}),
    "event, bad signature": get(EVENT + "&oauth_consumer_key=qa-consumer&oauth_signature=x&oauth_nonce=n"
                                "&oauth_timestamp=1709294400&oauth_signature_method=HMAC-SHA1"),
    "head": b"HEAD " + EVENT.encode() + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "options": b"OPTIONS " + EVENT.encode() + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "put": b"PUT " + EVENT.encode() + b" HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
    "over the body limit": post("/api/analytics/report/event", "x").replace(
        b"Content-Length: 1", b"Content-Length: 2000000"),
    "over the form limit": post("/api/analytics/report/event", "photo_id=1001&event=" + "e" * 70_000),
    "multipart": post("/api/analytics/report/event",
                      '--b\r\nContent-Disposition: form-data; name="photo_id"\r\n\r\n1001\r\n'
                      '--b\r\nContent-Disposition: form-data; name="event"\r\n\r\nload\r\n--b--\r\n',
                      content_type="multipart/form-data; boundary=b"),
    "bad tenant": get(EVENT, "X-Emulator-Tenant: no spaces allowed"),
    "tenant header": get(EVENT, "X-Emulator-Tenant: other"),
    "tenant prefix": get("/_tenant/prefixed" + EVENT),
    "trailing slash (Flask's 404)": get("/api/analytics/report/event/?photo_id=1001"),
}

FAULTS = {
    "status": {"kind": "status", "status": 503, "headers": {"X-Why": "test"}},
    "status 204": {"kind": "status", "status": 204},
    "status with body": {"kind": "status", "status": 502, "body": "<b>down</b>", "content_type": "text/html"},
    "error": {"kind": "error", "code": "internal_error", "message": "Boom"},
    "rate_limit": {"kind": "rate_limit", "retry_after": 7},
    "latency": {"kind": "latency", "ms": 20},
    "truncate": {"kind": "truncate", "bytes": 10},
    "slow_body": {"kind": "slow_body", "bytes_per_second": 2000},
    "empty": {"kind": "empty"},
    "reset": {"kind": "reset"},
    "hang": {"kind": "hang", "ms": 50},
}


def recorded(server) -> tuple[list, list]:
    """(journal entries, recorded reports) of every tenant used, without ids and durations."""
    entries, reports = [], []
    for tenant in ("default", "other", "prefixed"):
        headers = {"X-Emulator-Tenant": tenant}
        items = requests.get(f"{server.url}/_emulator/requests", headers=headers, timeout=5).json()["items"]
        entries += [{k: v for k, v in e.items() if k not in ("id", "duration_ms")} | {"tenant": tenant}
                    for e in items if not e["path"].startswith("/_emulator")]
        reports += requests.get(f"{server.url}/_emulator/twentythree/reports", headers=headers, timeout=5).json()["items"]
    for entry in entries:  # the port differs between the two servers
        entry["headers"].pop("Host", None)
    return entries, reports


def test_every_answer_journal_entry_and_record_is_the_same_as_through_flask(servers):
    hot, plain = servers
    for name, raw in REQUESTS.items():
        assert wire(hot, raw) == wire(plain, raw), name
    assert recorded(hot) == recorded(plain)
    entries, reports = recorded(hot)
    assert len(entries) == len(REQUESTS) - 1  # the bad tenant is not journaled
    assert {r["kind"] for r in reports} == {"play", "download", "event"}


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_fault_kind_is_the_same_as_through_flask(servers, name):
    hot, plain = servers
    for raw in (get(EVENT), post("/api/analytics/report/event", "photo_id=1001&event=load")):
        for server in servers:
            rule = {"match": {"path": "/api/analytics/report/*"}, "action": FAULTS[name], "times": 1}
            assert requests.post(f"{server.url}/_emulator/faults", json=rule, timeout=5).status_code == 201
        first = wire(hot, raw)
        assert first == wire(plain, raw)
        assert wire(hot, raw) == wire(plain, raw)  # the rule is spent: the normal answer again
        if name in ("empty", "hang"):
            assert first == b""
        elif name == "reset":
            assert first == "reset"
    assert recorded(hot) == recorded(plain)
    faulted = [e for e in recorded(hot)[0] if e["fault"]]
    assert len(faulted) == 2 and {e["fault_kind"] for e in faulted} == {FAULTS[name]["kind"]}


def test_in_process_clients_take_the_same_path_and_get_the_same_bytes():
    """Flask's test client runs the hot path too; without it (routes cleared) the Flask view answers alike."""
    hot_app, plain_app = make_app(), make_app()
    hot_layer(plain_app).routes.clear()
    for action in (None, {"kind": "reset"}, {"kind": "slow_body", "bytes_per_second": 100_000},
                   {"kind": "latency", "ms": 5}, {"kind": "rate_limit"}):
        answers = []
        for app in (hot_app, plain_app):
            client = app.test_client()
            client.delete("/_emulator/faults")
            if action:
                client.post("/_emulator/faults", json={"action": action, "times": 1})
            response = client.get(EVENT + "&format=json")
            answers.append((response.status, sorted(response.headers.items()), response.get_data()))
        assert answers[0] == answers[1], action


def test_hot_routes_skip_flasks_request_context_and_the_rest_do_not():
    app = make_app()
    started = []
    flask.request_started.connect(lambda sender, **extra: started.append(flask.request.path), app, weak=False)
    client = app.test_client()
    assert client.get(EVENT).status_code == 200
    assert client.get("/api/analytics/extract/play-totals").status_code == 200
    assert client.options(EVENT).status_code == 200
    assert started == ["/api/analytics/extract/play-totals", "/api/analytics/report/event"]


def test_journal_time_is_the_recorded_reports_time_on_a_real_clock(live_server_factory):
    """One clock reading per request: a real clock's two readings would straddle a millisecond now and then."""
    document = scenario()
    del document["clock"]
    server = live_server_factory(make_app(document))
    session = requests.Session()
    for number in range(150):
        params = {"photo_id": "1001", "event": f"e{number}"}
        if number % 2:
            assert session.post(f"{server.url}/api/analytics/report/event", data=params, timeout=5).ok
        else:
            assert session.get(f"{server.url}/api/analytics/report/event", params=params, timeout=5).ok
    entries = session.get(f"{server.url}/_emulator/requests", timeout=5).json()["items"]
    journal = [e["time"] for e in entries if e["path"] == "/api/analytics/report/event"]
    records = [r["time"] for r in session.get(f"{server.url}/_emulator/twentythree/reports", timeout=5).json()["items"]]
    assert len(journal) == len(records) == 150
    assert journal == records
    assert len(set(records)) > 1  # the clock ran


def test_the_journal_keeps_the_body_of_a_form_post():
    """The form parser consumes the body; the pipeline keeps it first (hot route, and Flask's with a rule loaded)."""
    client = make_app().test_client()
    body = "photo_id=1001&event=load"
    assert client.post("/api/analytics/report/event", data=body, content_type=FORM).status_code == 200
    client.post("/_emulator/faults", json={"match": {"path": "/nowhere"}, "action": {"kind": "empty"}})
    client.post("/api/analytics/extract/play-totals", data="format=json", content_type=FORM)
    entries = client.get("/_emulator/requests").get_json()["items"]
    assert [(e["path"], e["body"]) for e in entries if not e["path"].startswith("/_emulator")] == [
        ("/api/analytics/report/event", body), ("/api/analytics/extract/play-totals", "format=json")]
