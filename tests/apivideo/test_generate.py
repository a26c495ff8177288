"""Generated sessions: determinism, ordering, realism, awkward cases, player events."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.apivideo.generate import GeneratedSessions, GenerateSpec
from emulator.apivideo.ids import SessionIdCodec
from emulator.apivideo.period import parse_period
from emulator.apivideo.pools import CITY_LOCALES, build_pools, raw_values
from emulator.apivideo.timefmt import parse_ms

ROOT = Path(__file__).resolve().parents[2]
METADATA = (("Format", ("Tutorial", "Demo")), ("Author", ("John Doe", "Jane Roe", "Ann Lee")))


def sessions(seed="42", kind="video", count=2000, period="2024-01-01/2024-02-29", events=(3, 30),
             source="vi1", duration=0) -> GeneratedSessions:
    p = parse_period(period)
    spec = GenerateSpec(count, p.start_ms, p.end_ms, events, METADATA if kind == "video" else (), duration)
    return GeneratedSessions(seed, kind, source, 0, spec, build_pools(seed), SessionIdCodec(seed))


@pytest.fixture(scope="module")
def video() -> GeneratedSessions:
    return sessions()


@pytest.fixture(scope="module")
def live() -> GeneratedSessions:
    return sessions(kind="live", count=500, source="li1")


def test_loaded_at_strictly_increasing_inside_the_period(video):
    loaded = [video.loaded_ms(i) for i in range(len(video))]
    assert loaded == sorted(set(loaded))
    p = parse_period("2024-01-01/2024-02-29")
    assert p.start_ms <= loaded[0] and loaded[-1] < p.end_ms


def test_dense_generation_still_strictly_increasing():
    dense = sessions(count=86_400, period="2024-01-01")
    loaded = [dense.loaded_ms(i) for i in range(0, 86_400, 7)]
    assert loaded == sorted(set(loaded))


def test_index_range_is_the_period_filter(video):
    for text in ("2024-01", "2024-W05", "2024-02-10", "2024-01-30/2024-02-02", "2024", "2023", "2024-03"):
        period = parse_period(text)
        lo, hi = video.index_range(period)
        expected = [i for i in range(len(video)) if video.loaded_ms(i) in period]
        assert list(range(lo, hi)) == expected, text


def test_same_seed_same_bytes_other_seed_other_data(video):
    again = sessions()
    assert json.dumps(again.render(17)) == json.dumps(video.render(17))
    assert again.events(17) == video.events(17)
    other = sessions(seed="43")
    assert other.render(17) != video.render(17)
    assert sessions(source="vi2").render(17) != video.render(17)


def test_identical_in_another_process():
    """Nothing depends on Python's salted hash() or on process state."""
    here = str(Path(__file__).parent)
    code = (f"import json, sys; sys.path.insert(0, {here!r}); from test_generate import sessions; "
            "g = sessions(); print(json.dumps([g.render(i) for i in (0, 5, 1999)] + g.events(5)))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                              env={"PYTHONHASHSEED": str(s), "PATH": ""}).stdout for s in (1, 2)}
    assert len(outputs) == 1
    g = sessions()
    assert json.loads(outputs.pop()) == [g.render(i) for i in (0, 5, 1999)] + g.events(5)


def test_vendor_shape(video, live):
    v = video.render(3)
    assert list(v) == ["session", "location", "referrer", "device", "os", "client"]
    assert list(v["session"]) == ["sessionId", "loadedAt", "endedAt", "metadata"]
    assert list(v["referrer"]) == ["url", "medium", "source", "searchTerm"]
    assert list(v["client"]) == ["type", "name", "version"]
    assert "metadata" not in live.render(3)["session"]


def test_metadata_one_value_per_key(video):
    seen = set()
    for i in range(300):
        md = video.metadata(i)
        assert [m["key"] for m in md] == ["Format", "Author"]
        seen.update((m["key"], m["value"]) for m in md)
    assert seen == {(k, v) for k, values in METADATA for v in values}


def test_matching_agrees_with_metadata(video):
    got = list(video.matching(100, 900, {"Format": "Demo", "Author": "Ann Lee"}))
    assert got == [i for i in range(100, 900)
                   if {"key": "Format", "value": "Demo"} in video.metadata(i)
                   and {"key": "Author", "value": "Ann Lee"} in video.metadata(i)]
    assert list(video.matching(0, 100, {"Format": "Nope"})) == []
    assert list(video.matching(0, 100, {"Colour": "Green"})) == []
    assert list(video.matching(5, 9, {})) == [5, 6, 7, 8]


def test_awkward_cases_present_in_video_absent_in_live(video, live):
    rendered = [video.render(i) for i in range(len(video))]
    assert any(s["location"]["city"] is None for s in rendered)
    assert any(s["referrer"]["url"] is None for s in rendered)
    assert any(s["os"]["name"] == "unknown" for s in rendered)
    assert any(s["device"]["model"] == "unknown" for s in rendered)
    assert any(s["referrer"]["searchTerm"] not in ("unknown", "") for s in rendered)
    for s in (live.render(i) for i in range(len(live))):
        assert None not in [v for part in s.values() for v in part.values()]


def test_cities_belong_to_their_country(video):
    """Each city comes from the real city list of its own country's Faker locale (shipped in pools.json)."""
    locales = {country: locale for locale, country in CITY_LOCALES}
    cities: dict[str, set[str]] = {}
    for s in (video.render(i) for i in range(len(video))):
        country, city = s["location"]["country"], s["location"]["city"]
        if country not in cities:
            cities[country] = set(raw_values().cities[locales[country]])
        assert city is None or city in cities[country], (country, city)
    seen = set(cities)
    assert len(seen) == len(CITY_LOCALES)


def test_coherent_platforms(video):
    for s in (video.render(i) for i in range(600)):
        os_name, client = s["os"]["name"], s["client"]["name"]
        if client in ("Safari",):
            assert os_name in ("Mac", "unknown")
        if client in ("Mobile Safari", "Chrome Mobile iOS"):
            assert os_name in ("iOS", "unknown")
        if s["device"]["type"] == "desktop":
            assert os_name in ("Microsoft Windows", "Mac", "GNU/Linux", "Chrome OS", "unknown")
        assert s["client"]["version"] and s["client"]["type"] in ("browser", "mobile app")


def _check_events(g: GeneratedSessions, i: int) -> None:
    s, events = g.render(i), g.events(i)
    lo, hi = g.spec.events
    assert lo <= len(events) <= hi
    assert events[0] == {"type": "ready", "emittedAt": events[0]["emittedAt"], "at": 0}
    loaded, ended = parse_ms(s["session"]["loadedAt"]), parse_ms(s["session"]["endedAt"])
    times = [parse_ms(e["emittedAt"]) for e in events]
    assert times == sorted(times)
    assert loaded <= times[0] and times[-1] <= ended
    assert all(t % 1000 == 0 for t in times)
    duration = g.duration if g.kind == "video" else None
    playing = False
    for e in events:
        if e["type"].startswith("seek."):
            assert set(e) == {"type", "emittedAt", "from", "to"}
            assert isinstance(e["from"], int) and isinstance(e["to"], int)
            assert (e["to"] > e["from"]) if e["type"] == "seek.forward" else (e["to"] < e["from"])
            positions = (e["from"], e["to"])
        else:
            assert set(e) == {"type", "emittedAt", "at"} and isinstance(e["at"], int)
            positions = (e["at"],)
        assert all(p >= 0 for p in positions)
        if duration:
            assert all(p <= duration for p in positions)
        if e["type"] == "pause":
            assert playing
        if e["type"] == "resume":
            assert not playing
        playing = {"play": True, "resume": True, "pause": False, "end": False}.get(e["type"], playing)


def test_events_follow_the_player_state_machine(video, live):
    for i in range(0, len(video), 7):
        _check_events(video, i)
    for i in range(len(live)):
        _check_events(live, i)
    kinds = {e["type"] for i in range(200) for e in video.events(i)}
    assert kinds == {"ready", "play", "pause", "resume", "seek.forward", "seek.backward", "end"}


def test_event_count_bounds():
    one = sessions(events=(1, 1), count=50)
    assert all(one.events(i) == one.events(i)[:1] and one.events(i)[0]["type"] == "ready" for i in range(50))
    two = sessions(events=(2, 2), count=50)
    assert all([e["type"] for e in two.events(i)] == ["ready", "play"] for i in range(50))


def test_duration_bounds_positions():
    short = sessions(duration=20, count=300)
    for i in range(300):
        _check_events(short, i)
    assert any(e["type"] == "end" and e["at"] == 20 for i in range(300) for e in short.events(i))
