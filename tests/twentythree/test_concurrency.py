"""Many threads reporting against a real threaded server: every report recorded exactly once."""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from urllib.parse import urlencode, urlsplit

from .support import make_app

THREADS = 16
PER_THREAD = 20


def worker(base: str, index: int, failures: list) -> None:
    """Send PER_THREAD reports of every kind over one keep-alive connection."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for n in range(PER_THREAD):
            uuid = f"t{index}-{n}"
            kind = n % 4
            if kind == 0:
                path = "/api/analytics/report/play?" + urlencode(
                    {"photo_id": "1001", "timeStart": n * 1.5, "uuid": uuid, "callback": "window.ignore"})
                connection.request("GET", path)
            elif kind == 1:
                body = urlencode({"photo_id": "1001", "event": "load", "uuid": uuid})
                connection.request("POST", "/api/analytics/report/event", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
            elif kind == 2:
                path = "/api/analytics/report/download?" + urlencode(
                    {"photo_id": "1001", "session_id": uuid, "bytes_total": n, "uuid": uuid})
                connection.request("GET", path)
            else:
                data = [{"reportType": "event", "photo_id": "1001", "event": "fullscreen", "uuid": f"{uuid}-a"},
                        {"reportType": "play", "photo_id": "1001", "timeStart": 1, "uuid": f"{uuid}-b"}]
                connection.request("GET", "/api/analytics/report/batch?" + urlencode({"data": json.dumps(data)}))
            response = connection.getresponse()
            body = response.read().decode()
            if response.status != 200 or 'status="error"' in body or '"status":"error"' in body:
                failures.append((uuid, response.status, body))
    except Exception as exc:  # noqa: BLE001 - reported to the test thread
        failures.append((index, "exception", repr(exc)))
    finally:
        connection.close()


def test_every_report_recorded_exactly_once(live_server_factory):
    server = live_server_factory(make_app())
    failures: list = []
    threads = [threading.Thread(target=worker, args=(server.url, i, failures)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures[:3]

    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", "/_emulator/twentythree/reports")
    listing = json.loads(connection.getresponse().read())
    connection.close()

    batches = THREADS * PER_THREAD // 4
    expected = THREADS * PER_THREAD + batches  # a batch call records two reports
    assert listing["total"] == expected
    ids = [item["id"] for item in listing["items"]]
    assert sorted(ids) == list(range(1, expected + 1))
    uuids = Counter(item["params"]["uuid"] for item in listing["items"])
    assert len(uuids) == expected and set(uuids.values()) == {1}
    kinds = Counter(item["kind"] for item in listing["items"])
    assert kinds == {"play": 2 * batches, "event": 2 * batches, "download": batches}
