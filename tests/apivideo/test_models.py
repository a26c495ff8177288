"""Prepared data: explicit sessions normalised, merged with generated ones in a stable order."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.apivideo.models import ExplicitSession, explicit_session, prepare
from emulator.apivideo.period import parse_period
from emulator.apivideo.timefmt import iso_ms

from .support import EXPLICIT_SESSION, LIVE, SCENARIO, VIDEO

SEED = SimpleNamespace(seed=42)


@pytest.fixture(scope="module")
def prepared():
    return prepare(SCENARIO["apivideo"], SEED)


def brute_force(source, period, wanted):
    """Every session of a source, filtered and sorted the slow, obvious way."""
    rows = [(s.key, s.body) for s in source.explicit]
    gen = source.generated
    if gen is not None:
        rows += [(gen.key(i), gen.render(i)) for i in range(len(gen))]
    rows = [r for r in rows if period.start_ms <= r[0][0] < period.end_ms]
    rows = [r for r in rows if all({"key": k, "value": v} in r[1]["session"].get("metadata", [])
                                   for k, v in wanted.items())]
    return [body for _, body in sorted(rows, key=lambda r: r[0])]


def page_of(selection, start: int, stop: int) -> list:
    """The sessions the listing route sends for ``[start, stop)``, parsed."""
    return [json.loads(text) for text in selection.page_json(start, stop)]


@pytest.mark.parametrize("period", ["2024", "2024-01", "2024-01-24", "2024-W04", "2024-01-20/2024-02-03", "2023"])
@pytest.mark.parametrize("wanted", [{}, {"Format": "Tutorial"}, {"Format": "Tutorial", "Author": "John Doe"},
                                    {"Format": "Nope"}])
def test_selection_equals_brute_force(prepared, period, wanted):
    source = prepared.videos[VIDEO]
    p = parse_period(period)
    selection = source.select(p, wanted, prepared.memo)
    expected = brute_force(source, p, wanted)
    assert len(selection) == len(expected)
    assert page_of(selection, 0, len(selection)) == expected
    for start in range(0, len(expected), 7):  # any cut of the merge is the same slice
        assert page_of(selection, start, min(start + 7, len(expected))) == expected[start:start + 7]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 59 * 86_400_000), max_size=30, unique=True), st.integers(0, 80),
       st.integers(1, 25))
def test_merge_any_explicit_sessions(loaded_offsets, count, size):
    start = parse_period("2024-01-01").start_ms
    section = {"videos": [{"id": "v", "generate": {"sessions": count, "period": "2024-01-01/2024-02-28"},
                           "sessions": [{"session": {"sessionId": f"psExplicit{n:013d}",
                                                     "loadedAt": iso_ms(start + off),
                                                     "endedAt": iso_ms(start + off + 1000)}}
                                        for n, off in enumerate(loaded_offsets)]}]}
    prepared = prepare(section, SEED)
    source = prepared.videos["v"]
    p = parse_period("2024")
    selection = source.select(p, {}, prepared.memo)
    expected = brute_force(source, p, {})
    assert len(selection) == len(expected) == count + len(loaded_offsets)
    pages = [page_of(selection, i, min(i + size, len(expected))) for i in range(0, len(expected), size)]
    assert [s for page in pages for s in page] == expected


def test_explicit_session_normalised():
    s = explicit_session({"session": {"sessionId": "psA", "loadedAt": "2024-01-24T12:45:01.1+01:00",
                                      "endedAt": "2024-01-24T11:49:19Z"},
                          "events": [{"type": "play", "emittedAt": "2024-01-24T11:45:03Z", "at": 0},
                                     {"type": "ready", "emittedAt": "2024-01-24T11:45:02Z", "at": 0},
                                     {"type": "seek.backward", "emittedAt": "2024-01-24T11:46:00Z",
                                      "to": 3, "from": 9}]}, "video")
    assert isinstance(s, ExplicitSession)
    assert s.body == {
        "session": {"sessionId": "psA", "loadedAt": "2024-01-24T11:45:01.100Z", "endedAt": "2024-01-24T11:49:19.000Z",
                    "metadata": []},
        "location": {"country": "unknown", "city": None},
        "referrer": {"url": None, "medium": "unknown", "source": "unknown", "searchTerm": "unknown"},
        "device": {"type": "unknown", "vendor": "unknown", "model": "unknown"},
        "os": {"name": "unknown", "shortname": "unknown", "version": "unknown"},
        "client": {"type": "unknown", "name": "unknown", "version": "unknown"},
    }
    assert [e["type"] for e in s.events] == ["ready", "play", "seek.backward"]
    assert list(s.events[2]) == ["type", "emittedAt", "from", "to"]


def test_explicit_live_session_has_no_nulls_and_no_metadata():
    s = explicit_session({"session": {"sessionId": "psL", "loadedAt": "2024-01-24T11:45:01Z",
                                      "endedAt": "2024-01-24T11:49:19Z"}}, "live")
    assert "metadata" not in s.body["session"]
    assert s.body["location"] == {"country": "unknown", "city": "unknown"}
    assert s.body["referrer"]["url"] == "unknown"


def test_find_session(prepared):
    source, session = prepared.find_session(EXPLICIT_SESSION)
    assert source.id == VIDEO and session.session_id == EXPLICIT_SESSION
    live = prepared.live_streams[LIVE]
    sid = live.generated.session_id(39)
    assert prepared.find_session(sid) == (live, 39)
    assert prepared.find_session(prepared.codec.encode(live.ordinal, 40)) is None  # past the count
    assert prepared.find_session(prepared.codec.encode(77, 0)) is None  # no such source
    assert prepared.find_session("psNope") is None


def test_counts_and_keys(prepared):
    assert prepared.counts() == {"videos": 2, "live_streams": 2, "sessions": 121 + 40 + 1}
    assert {k: (v.environment, v.limit) for k, v in prepared.api_keys.items()} == {
        "sandbox-key": ("sandbox", 100), "production-key": ("production", 500)}
    assert prepared.window_seconds == 60 and prepared.enforce_rate_limits is False


def test_rate_limit_overrides():
    prepared = prepare({"api_keys": [{"key": "a", "environment": "sandbox"},
                                     {"key": "b", "environment": "production", "rate_limit": 7}],
                        "rate_limits": {"enforce": True, "sandbox": 3, "window_seconds": 10}}, SEED)
    assert prepared.api_keys["a"].limit == 3 and prepared.api_keys["b"].limit == 7
    assert prepared.enforce_rate_limits and prepared.window_seconds == 10


def test_empty_section():
    prepared = prepare(None, SEED)
    assert prepared.counts() == {"videos": 0, "live_streams": 0, "sessions": 0}
    assert prepared.api_keys == {}
