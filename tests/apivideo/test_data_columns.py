"""The column-wise /data/* numbers of generated sessions equal the per-session reference.

columns.py replays generated sessions into columns and tally.py counts them with binary searches
and pre-summed hours; facts.py + metrics.py compute the same numbers from one object per
rendered session (too slow for a million, exact by construction). Every metric, aggregation,
breakdown and interval is compared on windows aligned and not, with and without filters, with
written sessions that copy generated viewers and play at the same time (so ``unique`` and the
concurrent-viewer sweeps must merge the two).
"""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from emulator.apivideo import columns, facts, generate, metrics, tally
from emulator.apivideo.data_params import read_filters
from emulator.apivideo.metrics import Measure, Window
from emulator.apivideo.models import prepare
from emulator.apivideo.timefmt import iso_ms

HOUR = 3_600_000
DAY = 86_400_000
START = 1_708_387_200_000  # 2024-02-20T00:00:00Z


def _section() -> dict:
    return {"api_keys": [], "videos": [
        {"id": "viColsA", "tags": ["demo"], "generate": {"sessions": 500, "period": "2024-02-20/2024-02-22"}},
        {"id": "viColsB", "generate": {"sessions": 150, "period": "2024-02-20/2024-02-22", "events": [1, 12],
                                       "duration": 60}}],
        "live_streams": [{"id": "liColsC", "generate": {"sessions": 120, "period": "2024-02-20/2024-02-22"}}]}


def _copied(source, i: int, shift_ms: int, n: int) -> dict:
    """A written session copying generated session ``i`` (same viewer), ``shift_ms`` later."""
    gen = source.generated
    body = gen.render(i)
    session = dict(body["session"], sessionId=f"psCopy{n:017d}")
    for name in ("loadedAt", "endedAt"):
        session[name] = iso_ms(facts._instant_ms(session[name]) + shift_ms)
    events = [dict(e, emittedAt=iso_ms(facts._instant_ms(e["emittedAt"]) + shift_ms)) for e in gen.events(i)]
    return {**body, "session": session, "events": events}


@pytest.fixture(scope="module")
def world():
    section = _section()
    first = prepare(section, SimpleNamespace(seed=11))
    video = first.sources[0]
    section["videos"][0]["sessions"] = [_copied(video, i, shift, n) for n, (i, shift) in
                                        enumerate([(3, 0), (40, 1234), (41, 3_600_000), (200, -7_000), (201, 999)])]
    return prepare(section, SimpleNamespace(seed=11))


def reference(prepared, w: Window, filters) -> list:
    every = facts.object_facts(prepared, [], w.start_ms, w.end_ms)
    for source in prepared.sources:
        every.extend(facts.of_generated(source))
    return filters.apply(every)


MEASURES = [Measure("play"), Measure("play", "rate"), Measure("play-total"), Measure("play-rate"), Measure("start"),
            Measure("end"), Measure("impression"), Measure("impression-time", "average"),
            Measure("impression-time", "sum"), Measure("watch-time", "average"), Measure("watch-time", "sum"),
            Measure("ccv", "peak"), Measure("ccv", "peak", True), Measure("ccv", "average"),
            Measure("ccv", "average", True), *(Measure("view", "count", u, s) for u in (False, True)
                                                for s in (3, 5, 10, 30))]
SERIES = [Measure("play"), Measure("play-rate"), Measure("start"), Measure("end"), Measure("impression"),
          Measure("ccv", "peak"), Measure("ccv", "peak", True), Measure("ccv", "average"),
          Measure("ccv", "average", True), Measure("view"), Measure("view", "count", True, 10)]
FILTERS = [{}, {"filterBy[country][]": ["DE", "IT"]}, {"filterBy[country][]": ["DE"], "filterBy[browser]": ["chrome"]},
           {"filterBy[mediaId][0]": ["viColsA", "liColsC"]}, {"filterBy[tag]": ["demo"]},
           {"filterBy[mediaType]": ["live-stream"], "filterBy[deviceType][]": ["phone"]}]


class Args(dict):
    def lists(self):
        return self.items()


def _windows() -> list[Window]:
    rnd = random.Random(5)
    out = [Window(START, START + 3 * DAY), Window(START + DAY, START + 2 * DAY), Window(START + 5 * HOUR, START + 6 * HOUR),
           Window(START + DAY + 1, START + 2 * DAY + 1)]
    for _ in range(4):
        a = START + rnd.randrange(3 * DAY)
        out.append(Window(a, a + rnd.choice((20_000, 25 * 60_000, 5 * HOUR + 17, 40 * HOUR))))
    return out


@pytest.mark.parametrize("query", FILTERS, ids=lambda q: ",".join(q) or "no filter")
def test_every_number_equals_the_per_session_reference(world, query):
    filters = read_filters(Args(query))
    for w in _windows():
        ref = reference(world, w, filters)
        pop = tally.population(world, [], w, filters)
        for m in MEASURES:
            assert tally.value(m, pop, w) == metrics.value(m, ref, w), (m, w)
        for breakdown in ("media-id", "country", "browser", "referrer", "device-type"):
            for m in (Measure("play"), Measure("play-rate"), Measure("ccv", "peak"), Measure("view", "count", True)):
                assert sorted(tally.buckets(m, breakdown, pop, w)) == sorted(metrics.buckets(m, breakdown, ref, w)), (
                    m, breakdown, w)
        for interval in ("hour", "day") + (("minute",) if w.length_ms <= HOUR else ()):
            for m in SERIES:
                assert tally.timeseries(m, interval, pop, w) == metrics.timeseries(m, interval, ref, w), (m, interval, w)


@pytest.mark.parametrize("kind", ["videos", "live_streams"])
def test_a_replayed_session_has_the_facts_of_its_rendered_listing(kind):
    section = {"api_keys": [], kind: [{"id": "viReplay" if kind == "videos" else "liReplay",
                                       "generate": {"sessions": 300, "period": "2024-02-01/2024-02-03",
                                                    "events": [1, 30]}}]}
    source = prepare(section, SimpleNamespace(seed=3)).sources[0]
    profile = columns.profile(source)
    assert [columns.session_facts(source, profile, i) for i in range(300)] == list(facts.of_generated(source))


def test_sessions_sharing_shapes_count_as_their_listings(monkeypatch):
    """Above ``generate.SHAPES`` sessions, sessions draw one of the source's player runs: the columns
    (built from shapes) still give the numbers of every rendered listing (each session on its own)."""
    monkeypatch.setattr(generate, "SHAPES", 16)
    section = {"api_keys": [], "videos": [{"id": "viShared", "generate": {
        "sessions": 400, "period": "2024-02-20/2024-02-22", "events": [1, 40]}}]}
    prepared = prepare(section, SimpleNamespace(seed=4))
    gen = prepared.sources[0].generated
    assert gen.shape_count == 16 and len({gen.plan(i).shape for i in range(400)}) == 16
    filters = read_filters(Args({}))
    for w in (Window(START, START + 2 * DAY), Window(START + 7 * HOUR + 5, START + 9 * HOUR)):
        ref = reference(prepared, w, filters)
        pop = tally.population(prepared, [], w, filters)
        for m in MEASURES:
            assert tally.value(m, pop, w) == metrics.value(m, ref, w), (m, w)
        for m in SERIES:
            assert tally.timeseries(m, "hour", pop, w) == metrics.timeseries(m, "hour", ref, w), (m, w)
