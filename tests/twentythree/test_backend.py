"""Recorded reports: filters, limit, export/load (emulator/twentythree/backend.py)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from emulator.twentythree.backend import Backend, Query
from emulator.twentythree.models import build_sites
from emulator.twentythree.params import parse_download, parse_event, parse_play
from emulator.twentythree.reports import Accepted

WHEN = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def backend() -> Backend:
    backend = Backend(build_sites(None))
    play = parse_play({"photo_id": "1", "timeStart": "1.5"})
    event = parse_event({"photo_id": "2", "event": "load"})
    download = parse_download({"photo_id": "1", "session_id": "s1", "bytes_total": "10"}, {}, ())
    for accepted, domain in ((play, "a.example.com"), (event, "b.example.com"), (download, "a.example.com")):
        backend.record([Accepted(accepted, {"raw": "yes"})], when=WHEN, domain=domain, site_id="1",
                       endpoint=f"/api/analytics/report/{accepted.kind}", ip="127.0.0.1")
    return backend


def test_record_assigns_ids_and_time(backend):
    total, items = backend.query(Query())
    assert total == 3
    assert [i["id"] for i in items] == [1, 2, 3]
    assert items[0]["time"] == "2024-03-01T12:00:00.000Z"
    assert items[0]["fields"]["timeStart"] == 1.5 and items[0]["params"] == {"raw": "yes"}


@pytest.mark.parametrize(("query", "ids"), [
    (Query(kind="play"), [1]),
    (Query(kind="download"), [3]),
    (Query(photo_id="1"), [1, 3]),
    (Query(domain="b.example.com"), [2]),
    (Query(session_id="s1"), [3]),
    (Query(since_id=1), [2, 3]),
    (Query(limit=2), [2, 3]),
    (Query(limit=0), []),
    (Query(kind="event", photo_id="1"), []),
])
def test_filters(backend, query, ids):
    total, items = backend.query(query)
    assert [i["id"] for i in items] == ids
    assert total == (3 if query in (Query(limit=2), Query(limit=0)) else len(ids))


def test_counts(backend):
    assert backend.counts() == {"reports": 3, "play": 1, "download": 1, "event": 1, "dropped": 0}


def test_export_load_round_trip(backend):
    exported = json.loads(json.dumps(backend.export()))
    other = Backend(build_sites(None))
    other.load(exported)
    assert other.query(Query()) == backend.query(Query())
    other.record([Accepted(parse_event({"photo_id": "9", "event": "x"}), {})], when=WHEN, domain="d",
                 site_id="1", endpoint="/e", ip=None)
    assert other.query(Query())[1][-1]["id"] == 4


def test_malformed_load_keeps_the_state(backend):
    with pytest.raises(ValueError):
        backend.load({"reports": [{"id": "x"}]})
    with pytest.raises(ValueError):
        backend.load({"reports": [42]})
    assert backend.query(Query())[0] == 3


def test_cap_drops_the_oldest_and_counts(backend):
    small = Backend(build_sites(None), cap=2)
    small.load(backend.export())
    assert [i["id"] for i in small.query(Query())[1]] == [2, 3] and small.dropped == 1
    small.record([Accepted(parse_event({"photo_id": "9", "event": "x"}), {})], when=WHEN, domain="d",
                 site_id="1", endpoint="/e", ip=None)
    assert [i["id"] for i in small.query(Query())[1]] == [3, 4] and small.counts()["dropped"] == 2
